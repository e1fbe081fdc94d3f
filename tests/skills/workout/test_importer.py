"""The free-exercise-db importer: mapping, inference, defaults and the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skills.workout.catalogue import CatalogueError, check_catalogue, load_catalogue
from skills.workout.importer import import_entries, import_file, write_catalogue
from skills.workout.planner import build_plan
from skills.workout.profile import Profile
from skills.workout.validate import validate
from tests.conftest import SHARED_DATA

from .conftest import FIXTURES

SMALL = FIXTURES / "free_exercise_db.json"
SHARED = SHARED_DATA / "exercises" / "exercises.json"


def test_small_fixture_maps_into_our_vocabulary(tmp_path: Path) -> None:
    catalogue, report = import_file(SMALL)
    ids = {e.id for e in catalogue}
    assert report.total == 13
    goblet = catalogue["test_goblet_squat"]
    assert goblet.pattern == "squat" and goblet.equipment == ("kettlebell",)
    assert goblet.primary == ("quads",) and goblet.secondary == ("glutes",)
    bench = catalogue["test_barbell_bench_press"]
    assert bench.pattern == "horizontal_push"
    assert set(bench.equipment) == {"barbell", "bench", "rack"}
    assert "front_delts" in bench.secondary
    assert catalogue["test_side_lateral_raise"].primary == ("side_delts",)
    mystery = catalogue["test_mystery_pull"]  # null equipment, expert, no name rule
    assert mystery.equipment == ("bodyweight",) and mystery.level == "advanced"
    assert mystery.pattern == "horizontal_pull" and mystery.primary == ("upper_back",)
    jump = catalogue["test_box_jump"]  # "other" equipment but the name says box
    assert jump.pattern == "plyometric" and jump.impact == "high" and "box" in jump.equipment
    assert "knee" in jump.unsafe_for
    assert catalogue["test_hamstring_stretch"].kind == "mobility"
    bike = catalogue["test_recumbent_bike"]
    assert bike.kind == "cardio" and "cardio_machine" in bike.equipment
    # skipped: a strongman stone, a foam roller, no muscles, a duplicate, junk, no name
    assert not {"test_atlas_stone", "test_calf_smr", "test_no_muscles"} & ids
    reasons = " ".join(why for _, why in report.skipped)
    assert "'other' is not in our vocabulary" in reasons and "'foam roll'" in reasons
    assert "no primary muscle" in reasons and "duplicate" in reasons
    assert "not an object" in reasons and "no id or name" in reasons
    assert len(report.skipped) == 6 and report.imported == 7
    assert any("None -> bodyweight" in line for line in report.lines())
    out = tmp_path / "imported.yaml"
    write_catalogue(catalogue, out)
    assert len(load_catalogue(out)) == 7


@pytest.mark.parametrize("junk", [{}, "text", 3, None])
def test_not_a_list_is_refused(junk: object) -> None:
    with pytest.raises(CatalogueError):
        import_entries(junk)


def test_unreadable_files_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\x00\xff not json")
    with pytest.raises(CatalogueError, match="cannot read"):
        import_file(bad)
    with pytest.raises(CatalogueError):
        import_file(tmp_path / "missing.json")


@pytest.mark.skipif(not SHARED.is_file(), reason=f"free-exercise-db not found at {SHARED}")
def test_the_real_free_exercise_db_imports_and_plans(tmp_path: Path) -> None:
    catalogue, report = import_file(SHARED)
    data = json.loads(SHARED.read_text(encoding="utf-8"))
    assert report.total == len(data) and report.imported >= 0.8 * len(data)
    assert check_catalogue({"version": 1, "exercises": [e.to_dict() for e in catalogue]}) == []
    for goal, kit in (
        ("muscle", ("dumbbell", "bench")),
        ("fat_loss", ()),
        ("strength", ("barbell", "rack", "bench")),
    ):
        profile = Profile(goal=goal, experience="intermediate", days_per_week=4,
                          minutes_per_session=45, equipment=kit, conditions=("knee",))  # fmt: skip
        assert validate(build_plan(profile, catalogue), profile) == []
