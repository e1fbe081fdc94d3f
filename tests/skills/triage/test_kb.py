"""The real knowledge base: schema, coverage, ICD-10 codes checked against ICD-10-CM."""

from __future__ import annotations

from collections import Counter

import icd10
import pytest

from assistant.config import Settings
from assistant.prompts import Prompts
from skills.triage import kb as kb_module
from skills.triage.evaluate import load_vignettes
from skills.triage.extract import SymptomMatcher, normalise


@pytest.fixture(scope="module")
def kb() -> kb_module.KnowledgeBase:
    return kb_module.load()


def test_size_and_levels(kb: kb_module.KnowledgeBase) -> None:
    assert len(kb.conditions) >= 150
    levels = Counter(c.level for c in kb.conditions)
    assert set(levels) == set(kb_module.LEVELS) and min(levels.values()) >= 20
    systems = {c.system for c in kb.conditions}
    for needed in (
        "heart",
        "brain",
        "lungs",
        "ent",
        "eyes",
        "gut",
        "kidney",
        "reproductive",
        "metabolic",
        "skin",
        "msk",
        "infection",
        "mental",
        "poisoning",
        "children",
    ):
        assert needed in systems, needed


def test_every_icd10_code_is_real(kb: kb_module.KnowledgeBase) -> None:
    unknown = [(c.id, c.icd10) for c in kb.conditions if icd10.find(c.icd10) is None]
    assert not unknown


def test_conditions_are_complete(kb: kb_module.KnowledgeBase) -> None:
    for c in kb.conditions:
        assert len(c.symptoms) >= 3, c.id
        assert c.age_min <= c.age_typical[0] <= c.age_typical[1] <= c.age_max, c.id
        assert c.seek_help, c.id
        if c.level != "emergency":
            assert c.red_flags, f"{c.id} has no red flag"
        for flag in c.red_flags:
            assert kb_module.level_rank(flag.level) > kb_module.level_rank(c.level), (c.id, flag)
        if c.level in ("self_care", "routine"):
            assert c.self_care, c.id


def test_symptoms_have_synonyms_and_questions(kb: kb_module.KnowledgeBase) -> None:
    prompts = Prompts(Settings().prompts_dir)
    owner: dict[str, str] = {}
    for sid, sym in kb.symptoms.items():
        assert len(sym.synonyms) >= 4, sid
        assert prompts.has(f"triage_questions.questions.{sid}"), sid
        for phrase in sym.phrases:
            key = normalise(phrase)
            assert owner.setdefault(key, sid) == sid, (
                f"{phrase!r} belongs to {owner[key]} and {sid}"
            )


def test_matcher_finds_everyday_words(kb: kb_module.KnowledgeBase) -> None:
    matcher = SymptomMatcher(kb)
    found = matcher.present(
        "I can't catch my breath and I keep throwing up, with pins and needles in my hand"
    )
    assert len(found) >= 3


def test_vignettes_are_balanced_and_point_at_the_kb(kb: kb_module.KnowledgeBase) -> None:
    vignettes = load_vignettes()
    assert len(vignettes) >= 120
    levels = Counter(v.level for v in vignettes)
    assert set(levels.values()) == {len(vignettes) // 4}
    styles = Counter(v.style for v in vignettes)
    assert styles["lay"] == styles["clinical"]
    codes = {c.icd10 for c in kb.conditions}
    assert all(v.icd10 in codes for v in vignettes)
