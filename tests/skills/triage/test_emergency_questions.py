"""An emergency the words show ends the questions; one that rests on probability asks red flags."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant.testing import settings_for_tests
from skills.triage import kb as kb_module
from skills.triage.assess import Assessment
from skills.triage.kb import RedFlag
from skills.triage.questions import Question
from skills.triage.skill import MAX_EMERGENCY_QUESTIONS, TriageSkill


class FixedQuestions:
    """An engine stand-in whose chooser always offers the same question."""

    def __init__(self, question: Question) -> None:
        self.next = question

    def question(self, *_: Any) -> Question:
        return self.next


def _assessment(
    kb: kb_module.KnowledgeBase, lead_level: str, flags: tuple[RedFlag, ...]
) -> Assessment:
    lead = next(c for c in kb.conditions if c.level == lead_level)
    return Assessment(
        level="emergency",
        model_level="emergency",
        confidence=0.6,
        rounded_up=False,
        red_flags=flags,
        differential=((lead, 0.5),),
        attention=(),
        present=(),
        negated=(),
        risk_level="emergency",
    )


def _skill(tmp_path: Path, question: Question) -> TriageSkill:
    return TriageSkill(settings_for_tests(tmp_path), engine=FixedQuestions(question))  # type: ignore[arg-type]


def test_probability_only_emergency_asks_red_flags_then_stops(
    tmp_path: Path, small_kb: kb_module.KnowledgeBase
) -> None:
    a = _assessment(small_kb, "self_care", ())
    assert not a.emergency_shown
    red = _skill(tmp_path, Question("red_flag", "x"))
    assert red._next_question(a, None, None, []) == Question("red_flag", "x")
    asked = ["s"] * MAX_EMERGENCY_QUESTIONS
    assert red._next_question(a, None, None, asked) is None
    # only red-flag questions: no information-gain or age question keeps an emergency waiting
    assert _skill(tmp_path, Question("symptom", "y"))._next_question(a, None, None, []) is None


def test_shown_emergency_asks_nothing(tmp_path: Path, small_kb: kb_module.KnowledgeBase) -> None:
    skill = _skill(tmp_path, Question("red_flag", "x"))
    flagged = _assessment(small_kb, "self_care", (RedFlag("x", "emergency", "why"),))
    leading = _assessment(small_kb, "emergency", ())
    for a in (flagged, leading):
        assert a.emergency_shown
        assert skill._next_question(a, None, None, []) is None
    # below emergency, the chooser decides as usual
    calm = replace(flagged, level="routine", red_flags=())
    assert skill._next_question(calm, None, None, []) == Question("red_flag", "x")
