from __future__ import annotations

import random
from pathlib import Path

from assistant import nlu
from assistant.config import PROJECT_ROOT
from assistant.prompts import Prompts
from assistant.skill import SkillContext
from assistant.state import DialogueState
from assistant.testing import settings_for_tests
from assistant.types import ImageData, Reset, UserMessage
from skills.smalltalk.skill import SmalltalkSkill


def _run(
    text: str,
    tmp_path: Path,
    skills: tuple[str, ...] = ("smalltalk",),
    turns: int = 0,
    image: bool = False,
):  # type: ignore[no-untyped-def]
    settings = settings_for_tests(tmp_path, skills=skills)
    skill = SmalltalkSkill(settings)
    ctx = SkillContext(
        settings=settings, prompts=Prompts(PROJECT_ROOT / "prompts"), rng=random.Random(0)
    )
    msg = UserMessage(
        "s", text, nlu=nlu.analyse(text), image=ImageData(b"x", "image/png") if image else None
    )
    state = DialogueState("s", user_turns=turns)
    return skill.score(msg, state), skill.run(msg, state, ctx)


def test_greeting(tmp_path: Path) -> None:
    score, reply = _run("hello!", tmp_path)
    assert score >= 0.9 and "Vita" in reply.text and reply.done
    assert [q.value for q in reply.quick_replies] == ["What can you do?"]
    _, again = _run("hi", tmp_path, turns=3)
    assert "again" in again.text


def test_help_lists_only_enabled_skills(tmp_path: Path) -> None:
    _, bare = _run("what can you do?", tmp_path)
    assert "emergency" in bare.text and "Workouts" not in bare.text
    _, more = _run("what can you do?", tmp_path, skills=("smalltalk", "triage", "workout"))
    assert "**Symptoms**" in more.text and "**Workouts**" in more.text and "Skin" not in more.text
    assert [q.label for q in more.quick_replies] == [
        "I have a symptom",
        "Plan my workouts",
    ]
    assert "not a doctor" in more.text


def test_thanks_goodbye_reset(tmp_path: Path) -> None:
    assert (
        "welcome" in _run("thanks", tmp_path)[1].text.lower()
        or "glad" in _run("thanks", tmp_path)[1].text.lower()
    )
    assert "Take care" in _run("bye", tmp_path)[1].text
    _, reset = _run("start over", tmp_path)
    assert any(isinstance(e, Reset) for e in reset.events)


def test_fallback_is_helpful_not_an_error(tmp_path: Path) -> None:
    score, reply = _run("purple monkey dishwasher", tmp_path)
    assert score == 0.0 and reply.text and reply.quick_replies


def test_domain_request_without_the_skill_is_honest(tmp_path: Path) -> None:
    _, reply = _run("I want a workout plan", tmp_path)
    assert "isn't switched on" in reply.text
    _, photo = _run("", tmp_path, image=True)
    assert "photo" in photo.text
