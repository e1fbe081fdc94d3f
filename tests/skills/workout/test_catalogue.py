"""The catalogue schema: the shipped catalogue and the fixture load; broken documents are refused."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import pytest
import yaml

from skills.workout.catalogue import (
    PACKAGED,
    Catalogue,
    CatalogueError,
    check_catalogue,
    load_catalogue,
)
from skills.workout.vocab import KINDS, PATTERNS

from .conftest import CATALOGUE


@functools.lru_cache(maxsize=2)
def _parsed(path: Path) -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    return data


def _doc(path: Path = CATALOGUE) -> dict[str, Any]:
    return copy.deepcopy(_parsed(path))


def test_shipped_catalogue_is_valid_and_covers_the_vocabulary(real_catalogue: Catalogue) -> None:
    assert check_catalogue(_doc(PACKAGED)) == []
    assert len(real_catalogue) >= 150
    assert {e.kind for e in real_catalogue} == set(KINDS)
    strength_patterns = {e.pattern for e in real_catalogue if e.kind == "strength"}
    for pattern in ("squat", "hinge", "lunge", "horizontal_push", "vertical_push"):
        assert pattern in strength_patterns
    assert {"horizontal_pull", "vertical_pull", "anti_extension"} <= strength_patterns
    assert set(PATTERNS) >= {e.pattern for e in real_catalogue}


def test_shipped_catalogue_has_something_for_nobody_with_anything(
    real_catalogue: Catalogue,
) -> None:
    """A person with no equipment and many conditions still gets warm-ups, pulls and cardio."""
    conds = ("knee", "shoulder", "wrist", "lower_back")
    ok = [e for e in real_catalogue if e.allowed(("bodyweight",), conds)]
    kinds = {e.kind for e in ok}
    assert {"warmup", "cooldown", "cardio", "strength"} <= kinds
    assert any(e.pattern in ("horizontal_pull", "vertical_pull") for e in ok)


def test_fixture_loads(catalogue: Catalogue) -> None:
    assert len(catalogue) > 50 and "goblet_squat" in catalogue
    assert catalogue["goblet_squat"].groups == ("quads", "glutes")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda e: e[0].update(primary=["quadriceps"]), "primary has unknown item"),
        (lambda e: e[0].update(equipment=["trx"]), "equipment has unknown item"),
        (lambda e: e[0].update(pattern="jumping"), "pattern 'jumping' is not one of"),
        (lambda e: e[0].update(regression="no_such_move"), "is not an exercise id"),
        (lambda e: e[1].update(id=e[0]["id"]), "duplicate id"),
        (lambda e: e[1].update(name=e[0]["name"]), "duplicate name"),
        (lambda e: e[0].update(met="lots"), "met must be a number"),
        (lambda e: e[0].update(unsafe_for=["elbow"]), "unsafe_for has unknown item"),
        (lambda e: e[0].update(extra=1), "unknown field"),
        (lambda e: e[0].update(equipment=[]), "equipment must not be empty"),
        (lambda e: e[0].update(kind="cardio"), "pattern cardio and kind cardio go together"),
    ],
)
def test_broken_entries_are_reported(change: Any, expected: str) -> None:
    doc = _doc()
    change(doc["exercises"])
    problems = check_catalogue(doc)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize("doc", [None, [], {"version": 2, "exercises": []}, {"version": 1}])
def test_broken_documents_are_reported(doc: Any) -> None:
    assert check_catalogue(doc)


def test_load_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nexercises: [", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"bad\.yaml"):
        load_catalogue(bad)
    with pytest.raises(CatalogueError, match="not found"):
        load_catalogue(tmp_path / "missing.yaml")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(CatalogueError):
        load_catalogue(binary)


def test_find_by_name_alias_head_word_and_pattern(catalogue: Catalogue) -> None:
    assert [e.id for e in catalogue.find("I hate burpees")] == ["burpee"]
    assert [e.id for e in catalogue.find("the goblet squat please")] == ["goblet_squat"]
    pool = [catalogue["goblet_squat"], catalogue["push_up"], catalogue["wall_sit"]]
    assert [e.id for e in catalogue.find("swap the squats", pool)] == ["goblet_squat"]
    # a wall sit is a squat pattern: "squats" finds it when it is the only squat in the plan
    assert [e.id for e in catalogue.find("swap the squats", pool[1:])] == ["wall_sit"]
    assert catalogue.find("tell me a joke") == []
