from __future__ import annotations

from assistant.router import choose
from assistant.state import DialogueState
from assistant.testing import FixedSkill
from assistant.types import UserMessage

KW = {"threshold": 0.35, "switch_margin": 0.25, "fallback": "fallback"}


def _msg(text: str) -> UserMessage:
    return UserMessage(session_id="s", text=text)


def _skills() -> list[FixedSkill]:
    return [
        FixedSkill("fallback", score_value=0.0),
        FixedSkill("triage", trigger="hurt|pain", score_value=0.7),
        FixedSkill("workout", trigger="plan|gym", score_value=0.6),
        FixedSkill("help", trigger="what can you do", score_value=0.95),
    ]


def test_best_score_wins() -> None:
    route = choose(_skills(), _msg("my knee hurts"), DialogueState("s"), **KW)
    assert (route.skill.name, route.reason) == ("triage", "best")
    assert dict(route.scores)["workout"] == 0.0


def test_fallback_below_threshold() -> None:
    route = choose(_skills(), _msg("purple elephants"), DialogueState("s"), **KW)
    assert (route.skill.name, route.reason) == ("fallback", "fallback")


def test_active_skill_keeps_the_turn() -> None:
    # "a gym plan" scores 0.6 for workout, but triage is active and still claims the turn (0.7)
    state = DialogueState("s", active_skill="triage")
    route = choose(_skills(), _msg("yes, since my gym plan"), state, **KW)
    assert (route.skill.name, route.reason) == ("triage", "active")


def test_much_better_skill_takes_over_from_active() -> None:
    skills = _skills()
    skills[1] = FixedSkill("triage", trigger="hurt", score_value=0.4)
    state = DialogueState("s", active_skill="triage")
    route = choose(skills, _msg("what can you do"), state, **KW)
    assert route.skill.name == "help"


def test_ties_broken_by_priority_then_order() -> None:
    a = FixedSkill("a", score_value=0.5, priority=1)
    b = FixedSkill("b", score_value=0.5, priority=5)
    c = FixedSkill("c", score_value=0.5, priority=5)
    assert choose([a, b, c], _msg("x"), DialogueState("s"), **{**KW, "fallback": "a"}).skill is b


class _Broken(FixedSkill):
    def score(self, msg: UserMessage, state: DialogueState) -> float:
        raise RuntimeError("boom")


def test_a_skill_that_raises_in_score_is_skipped() -> None:
    skills = [*_skills(), _Broken("broken")]
    route = choose(skills, _msg("my back hurts"), DialogueState("s"), **KW)
    assert route.skill.name == "triage" and dict(route.scores)["broken"] == 0.0
