"""The lexicon matcher: synonyms, whole words, negation within a clause."""

from __future__ import annotations

import pytest

from skills.triage.extract import SymptomMatcher
from skills.triage.kb import KnowledgeBase


@pytest.fixture(scope="module")
def matcher(small_kb: KnowledgeBase) -> SymptomMatcher:
    return SymptomMatcher(small_kb)


@pytest.mark.parametrize(
    ("text", "present", "negated"),
    [
        (
            "I can't catch my breath and have a tight chest",
            ["shortness_of_breath", "chest_pain"],
            [],
        ),
        ("Snotty nose, no fever though. Coughing a lot", ["runny_nose", "cough"], []),
        ("I don't have a cough but my throat hurts", ["sore_throat"], ["cough"]),
        ("no cough or runny nose, just a sore throat", ["sore_throat"], ["cough", "runny_nose"]),
        ("Denies chest pain. Reports heartburn.", ["heartburn"], ["chest_pain"]),
        ("I rolled my ankle and can't walk on it", ["ankle_pain", "cannot_bear_weight"], []),
        ("nothing relevant here at all", [], []),
        ("i dont have a cough", [], ["cough"]),
        ("no cough, snotty nose", ["runny_nose"], ["cough"]),
    ],
)
def test_find(matcher: SymptomMatcher, text: str, present: list[str], negated: list[str]) -> None:
    assert matcher.present(text) == present
    assert matcher.negated(text) == negated


def test_whole_words_only(matcher: SymptomMatcher) -> None:
    assert matcher.present("my coughingly long story") == []
