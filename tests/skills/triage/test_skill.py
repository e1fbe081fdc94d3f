"""The triage conversation through the dialogue manager, on the fixture KB and the tiny model."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.runtime import Runtime
from assistant.skill import SkillContext
from assistant.state import DialogueState
from assistant.testing import runtime_for_tests, settings_for_tests
from assistant.types import Reply, UserMessage
from skills.triage.engine import TriageEngine
from skills.triage.questions import MAX_QUESTIONS
from skills.triage.skill import TriageSkill


@pytest.fixture
def rt(tmp_path: Path, tiny_engine: TriageEngine) -> Iterator[Runtime]:
    settings = settings_for_tests(tmp_path, skills=("smalltalk", "triage"))
    runtime = runtime_for_tests(settings, [TriageSkill(settings, engine=tiny_engine)])
    runtime.warm_up()
    yield runtime
    runtime.close()


def say(rt: Runtime, sid: str, text: str, locale: str | None = None) -> Reply:
    msg = rt.user_message(sid, text, locale=locale)
    [reply] = asyncio.run(rt.manager.handle(msg))
    return reply


def cards(reply: Reply, kind: str) -> list[dict[str, object]]:
    return [c for c in reply.to_dict()["cards"] if c["type"] == kind]


def test_complaint_question_then_result(rt: Runtime) -> None:
    sid = rt.manager.new_session()
    first = say(rt, sid, "I have a snotty nose and a scratchy throat since Monday")
    assert first.skill == "triage" and not first.cards
    labels = [q.value for q in first.quick_replies]
    assert "just tell me" in labels or "not sure" in labels
    state = asyncio.run(rt.manager.state(sid))
    assert state.active_skill == "triage"
    final = say(rt, sid, "just tell me")
    [card] = cards(final, "triage")
    assert card["level"] in ("self_care", "routine")
    assert card["causes"] and card["causes"][0]["name"] == "Common cold"  # type: ignore[index]
    assert "not a diagnosis" in final.text.lower()
    assert any("not a doctor" in a.lower() for a in card["advice"])  # type: ignore[union-attr]
    assert asyncio.run(rt.manager.state(sid)).active_skill is None


def test_red_flag_answer_raises_the_level(rt: Runtime) -> None:
    sid = rt.manager.new_session()
    reply = say(rt, sid, "I rolled my ankle playing football, it's puffy and sore")
    for _ in range(MAX_QUESTIONS + 1):
        if cards(reply, "triage"):
            break
        state = asyncio.run(rt.manager.state(sid))
        pending = state.slots_for("triage").get("pending")
        reply = say(rt, sid, "yes" if pending == "cannot_bear_weight" else "no")
    [card] = cards(reply, "triage")
    assert card["level"] in ("urgent", "emergency")  # the red flag's level, never lower
    assert "unable to put weight on it" in str(card["reason"])


def test_emergency_comes_at_once_with_the_emergency_card(rt: Runtime) -> None:
    skill = next(s for s in rt.manager.skills if s.name == "triage")
    ctx = SkillContext(settings=rt.settings, prompts=rt.prompts, rng=random.Random(0))
    text = "crushing chest pain spreading to my arm, cold sweat, I'm 60"
    msg = UserMessage(session_id="s", text=text, locale="en-GB")
    reply = skill.run(msg, DialogueState(session_id="s"), ctx)
    types = [c.to_dict()["type"] for c in reply.cards]
    assert types == ["emergency", "triage"] and reply.done
    assert reply.cards[0].to_dict()["number"] == "999"


def test_at_most_six_questions(rt: Runtime) -> None:
    sid = rt.manager.new_session()
    reply = say(rt, sid, "feeling achy all over with a cough")
    asked = 0
    while not cards(reply, "triage"):
        asked += 1
        assert asked <= MAX_QUESTIONS
        reply = say(rt, sid, "not sure")
    assert cards(reply, "triage")


def test_unclear_answer_is_asked_again_and_contradiction_is_noted(rt: Runtime) -> None:
    sid = rt.manager.new_session()
    question = say(rt, sid, "snotty nose and coughing for two days")
    again = say(rt, sid, "purple")
    assert "yes, no or not sure" in again.text
    state = asyncio.run(rt.manager.state(sid))
    pending = state.slots_for("triage")["pending"]
    assert pending == asyncio.run(rt.manager.state(sid)).slots_for("triage")["asked"][-1]
    assert question.quick_replies == again.quick_replies
    if pending in ("age", "sex"):
        return
    say(rt, sid, "no")
    phrase = rt.manager.skills[0].engine.kb.symptoms[pending].name  # type: ignore[attr-defined]
    later = say(rt, sid, f"actually I do have {phrase}")
    assert "now yes" in later.text or "now yes" in " ".join(
        str(c) for c in later.to_dict()["cards"]
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("asdkj qweoiu zxcmn vbnq", "couldn't make sense"),
        ("tengo dolor de cabeza y fiebre desde ayer", "only check symptoms described in english"),
        ("the weather is grey and the bus was late again today", "couldn't tell which symptoms"),
    ],
)
def test_bad_complaints_get_a_rephrase_request(rt: Runtime, text: str, expected: str) -> None:
    skill = next(s for s in rt.manager.skills if s.name == "triage")
    ctx = SkillContext(settings=rt.settings, prompts=rt.prompts, rng=random.Random(0))
    reply = skill.run(UserMessage(session_id="s", text=text), DialogueState(session_id="s"), ctx)
    assert expected in reply.text.lower()
    assert not reply.cards and not reply.done


def test_five_thousand_words_do_not_break_it(rt: Runtime) -> None:
    skill = next(s for s in rt.manager.skills if s.name == "triage")
    ctx = SkillContext(settings=rt.settings, prompts=rt.prompts, rng=random.Random(0))
    text = "I have a snotty nose and a cough. " + "and then I went to work " * 1000
    reply = skill.run(UserMessage(session_id="s", text=text), DialogueState(session_id="s"), ctx)
    assert reply.text
