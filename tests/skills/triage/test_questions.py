"""Follow-up questions: red flags first, information gain, age and sex when they matter."""

from __future__ import annotations

from skills.triage.kb import KnowledgeBase
from skills.triage.questions import MAX_QUESTIONS, information_gain, next_question


def test_red_flag_of_a_leading_condition_comes_first(small_kb: KnowledgeBase) -> None:
    posterior = {"gerd": 0.7, "common_cold": 0.2, "influenza": 0.1}
    q = next_question(posterior, small_kb, known={"heartburn"}, asked=[], age=40, sex="male")
    assert q is not None and q.kind == "red_flag" and q.symptom == "chest_pain_spreading_to_arm"


def test_information_gain_prefers_a_separating_symptom(small_kb: KnowledgeBase) -> None:
    posterior = {"common_cold": 0.5, "influenza": 0.5}
    # a high fever or a runny nose separates a cold from flu; a sore throat (0.6 vs 0.4) barely does
    gains = {
        s: information_gain(posterior, small_kb, s)
        for s in ("high_fever", "runny_nose", "sore_throat", "cough")
    }
    assert min(gains["high_fever"], gains["runny_nose"]) > 3 * max(
        gains["sore_throat"], gains["cough"]
    )
    q = next_question(
        posterior,
        small_kb,
        known={"shortness_of_breath", "chest_pain"},
        asked=["shortness_of_breath", "chest_pain"],
        age=30,
        sex="female",
    )
    assert q is not None and q.kind == "symptom" and q.symptom == max(gains, key=lambda s: gains[s])


def test_no_question_twice_and_at_most_six(small_kb: KnowledgeBase) -> None:
    posterior = {"common_cold": 0.5, "influenza": 0.5}
    asked: list[str] = []
    known: set[str] = set()
    while (q := next_question(posterior, small_kb, known, asked, 30, "male")) is not None:
        key = q.symptom or q.kind
        assert key not in asked
        asked.append(key)
    assert len(asked) <= MAX_QUESTIONS


def test_age_asked_when_it_separates_candidates(small_kb: KnowledgeBase) -> None:
    posterior = {"heart_attack": 0.5, "gerd": 0.5}
    q = next_question(
        posterior,
        small_kb,
        known={"chest_pain", "chest_pain_spreading_to_arm"},
        asked=[],
        age=None,
        sex=None,
    )
    assert q is not None and q.kind == "age"
    settled = next_question(
        {"ankle_sprain": 0.97, "gerd": 0.03},
        small_kb,
        known={"cannot_bear_weight"},
        asked=[],
        age=30,
        sex="male",
    )
    assert settled is None
