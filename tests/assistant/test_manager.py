"""The manager end to end with fake skills: routing, follow-ups, safety first, failures, reset."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from assistant.runtime import Runtime
from assistant.sessions import SQLiteSessionStore
from assistant.skill import Skill
from assistant.testing import FixedSkill, runtime_for_tests, settings_for_tests
from assistant.types import Reply, SkillEnded, SkillStarted, UserMessage, UserSaid


@pytest.fixture
def make(tmp_path: Path) -> Iterator[object]:
    made: list[Runtime] = []

    def _make(skills: Sequence[Skill], **overrides: object) -> Runtime:
        rt = runtime_for_tests(settings_for_tests(tmp_path, **overrides), skills)
        rt.warm_up()
        made.append(rt)
        return rt

    yield _make
    for rt in made:
        rt.close()


def say(rt: Runtime, sid: str, text: str, locale: str | None = None) -> Reply:
    replies = asyncio.run(rt.manager.handle(UserMessage(session_id=sid, text=text, locale=locale)))
    assert len(replies) == 1 and (replies[0].text or replies[0].cards)
    return replies[0]


def test_follow_up_questions_keep_the_skill_active(make) -> None:  # type: ignore[no-untyped-def]
    triage = FixedSkill(
        "triage",
        trigger="hurts",
        text="Possible causes: ...",
        follow_ups=("How long?", "Any fever?"),
    )
    rt = make([triage])
    sid = rt.manager.new_session()
    assert say(rt, sid, "my knee hurts").text == "How long?"
    assert say(rt, sid, "two days").text == "Any fever?"  # "two days" alone would go nowhere
    final = say(rt, sid, "no")
    assert final.text == "Possible causes: ..." and final.skill == "triage"
    events = rt.manager.store.load(sid)
    assert [type(e) for e in events].count(SkillStarted) == 1
    assert isinstance(next(e for e in reversed(events) if isinstance(e, SkillEnded)), SkillEnded)
    state = asyncio.run(rt.manager.state(sid))
    assert state.active_skill is None and state.user_turns == 3
    assert triage.calls == [("my knee hurts", None), ("two days", "triage"), ("no", "triage")]


def test_emergency_preempts_the_active_skill(make) -> None:  # type: ignore[no-untyped-def]
    triage = FixedSkill("triage", trigger="hurts", follow_ups=("How long?",))
    rt = make([triage])
    sid = rt.manager.new_session()
    say(rt, sid, "my chest hurts")
    reply = say(rt, sid, "I think I'm having a heart attack", locale="en-GB")
    assert reply.skill == "safety"
    card = reply.cards[0].to_dict()
    assert card["type"] == "emergency" and card["kind"] == "medical" and "999" in card["number"]
    assert len(triage.calls) == 1  # the skill never saw the emergency
    state = asyncio.run(rt.manager.state(sid))
    assert state.active_skill is None and state.escalations == ("medical",)


def test_figurative_language_goes_to_skills(make) -> None:  # type: ignore[no-untyped-def]
    rt = make([])
    sid = rt.manager.new_session()
    reply = say(rt, sid, "that spin class nearly killed me")
    assert reply.skill == "smalltalk" and not reply.cards


def test_locale_is_remembered_from_earlier_turns(make) -> None:  # type: ignore[no-untyped-def]
    rt = make([])
    sid = rt.manager.new_session()
    say(rt, sid, "hi", locale="en-AU")
    reply = say(rt, sid, "my friend took an overdose of pills and won't wake up")
    assert reply.cards[0].to_dict()["number"].startswith("000")


def test_failing_skill_gets_an_apology_and_the_session_lives_on(make) -> None:  # type: ignore[no-untyped-def]
    rt = make([FixedSkill("broken", trigger="break", fail=True)])
    sid = rt.manager.new_session()
    reply = say(rt, sid, "please break")
    assert "something went wrong" in reply.text.lower()
    assert say(rt, sid, "hi").skill == "smalltalk"


def test_slow_skill_times_out(make) -> None:  # type: ignore[no-untyped-def]
    rt = make([FixedSkill("slow", trigger="slow", delay=0.5)], skill_timeout_s=0.1)
    reply = say(rt, rt.manager.new_session(), "be slow")
    assert "too long" in reply.text


def test_empty_skill_reply_is_never_shown(make) -> None:  # type: ignore[no-untyped-def]
    rt = make([FixedSkill("mute", trigger="mute", text="   ")])
    reply = say(rt, rt.manager.new_session(), "mute")
    assert reply.text.strip()


def test_reset_ends_the_active_skill(make) -> None:  # type: ignore[no-untyped-def]
    rt = make([FixedSkill("triage", trigger="hurts", follow_ups=("How long?", "Fever?"))])
    sid = rt.manager.new_session()
    say(rt, sid, "my back hurts")
    replies = asyncio.run(rt.manager.reset(sid))
    assert replies[0].skill == "system"
    assert asyncio.run(rt.manager.state(sid)).active_skill is None
    say(rt, sid, "start over")  # typed "start over" goes through smalltalk
    assert asyncio.run(rt.manager.state(sid)).active_skill is None


def test_turns_of_one_session_are_serialised(make) -> None:  # type: ignore[no-untyped-def]
    slow = FixedSkill("slow", trigger="go", delay=0.05)
    rt = make([slow])
    sid = rt.manager.new_session()

    async def burst() -> None:
        await asyncio.gather(*(rt.manager.handle(UserMessage(sid, f"go {i}")) for i in range(5)))

    asyncio.run(burst())
    kinds = [type(e).__name__ for e in rt.manager.store.load(sid)]
    assert kinds == ["UserSaid", "BotSaid"] * 5  # never two UserSaid in a row


def test_export_and_erase(make) -> None:  # type: ignore[no-untyped-def]
    rt = make([])
    sid = rt.manager.new_session()
    say(rt, sid, "hello")
    data = asyncio.run(rt.manager.export(sid))
    assert data is not None and data["transcript"][0] == {
        "role": "user",
        "ts": data["transcript"][0]["ts"],
        "text": "hello",
    }
    assert asyncio.run(rt.manager.erase(sid)) is True
    assert asyncio.run(rt.manager.export(sid)) is None


def test_sessions_survive_a_restart(tmp_path: Path) -> None:
    settings = settings_for_tests(tmp_path, session_store="sqlite")
    first = runtime_for_tests(
        settings, [FixedSkill("triage", trigger="hurts", follow_ups=("How long?",))]
    )
    first.warm_up()
    sid = first.manager.new_session()
    assert say(first, sid, "my ankle hurts").text == "How long?"
    first.close()
    second = runtime_for_tests(
        settings, [FixedSkill("triage", trigger="hurts", text="done", follow_ups=("How long?",))]
    )
    second.warm_up()
    assert say(second, sid, "since Monday").text == "done"  # the follow-up continued after restart
    assert isinstance(second.manager.store, SQLiteSessionStore)
    assert sum(isinstance(e, UserSaid) for e in second.manager.store.load(sid)) == 2
    second.close()
