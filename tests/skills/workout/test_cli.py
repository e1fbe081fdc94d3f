"""`vita plan`, `vita workout import|check`, `vita train workout` and `vita eval workout`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import icalendar
import pytest

from assistant.cli import main
from skills.workout.cf import CFModel

from .conftest import CATALOGUE, FIXTURES


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VITA_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("VITA_SAFETY_SEMANTIC", "false")
    monkeypatch.setenv("VITA_EMBEDDER", "hash")
    monkeypatch.setenv("VITA_WORKOUT_CATALOGUE", str(CATALOGUE))
    monkeypatch.chdir(tmp_path)
    return tmp_path


ARGS = [
    "plan",
    "--goal",
    "muscle",
    "--days",
    "4",
    "--minutes",
    "45",
    "--equipment",
    "dumbbell,bench",
    "--condition",
    "knee",
]


@pytest.mark.parametrize(
    "command",
    [["plan"], ["workout"], ["workout", "import"], ["train", "workout"], ["eval", "workout"]],
)
def test_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0 and "usage: vita" in capsys.readouterr().out


def test_plan_formats(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*ARGS, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["profile"]["conditions"] == ["knee"] and len(data["weeks"][0]["days"]) == 4
    assert main([*ARGS, "--md"]) == 0
    assert "| Exercise | Sets | Reps | Rest | Effort |" in capsys.readouterr().out
    assert main([*ARGS, "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows and {r["week"] for r in rows} == {"1", "2", "3", "4"}
    assert main([*ARGS, "--ics", str(env / "plan.ics")]) == 0
    cal = icalendar.Calendar.from_ical((env / "plan.ics").read_bytes())
    assert len(list(cal.walk("VEVENT"))) == 4
    assert main(ARGS) == 0
    out = capsys.readouterr().out
    assert "Upper body" in out and "Exercise" in out


def test_plan_from_profile_file(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    profile = env / "me.json"
    profile.write_text(
        json.dumps({"goal": "endurance", "days_per_week": 2, "equipment": "nothing"})
    )
    assert main(["plan", "--profile", str(profile), "--json", "-o", str(env / "plan.json")]) == 0
    data = json.loads((env / "plan.json").read_text())
    assert data["profile"]["goal"] == "endurance" and len(data["weeks"][0]["days"]) == 2


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["plan", "--days", "9"], "out of range"),
        (["plan", "--minutes", "2"], "out of range"),
        (["plan", "--condition", "elbow"], "'elbow' is not one of"),
        (["plan", "--profile", "missing.json"], "cannot read"),
    ],
)
def test_plan_errors(
    env: Path, capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    assert main(argv) == 2
    assert needle in capsys.readouterr().err


def test_plan_rejects_junk_profile_files(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (env / "junk.json").write_bytes(b"\xff\x00junk")
    assert main(["plan", "--profile", str(env / "junk.json")]) == 2
    (env / "list.json").write_text("[1, 2]")
    assert main(["plan", "--profile", str(env / "list.json")]) == 2
    assert "JSON object" in capsys.readouterr().err


def test_import_and_check(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = env / "imported.yaml"
    assert main(["workout", "import", str(FIXTURES / "free_exercise_db.json"), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "imported 7, skipped 6" in printed and out.is_file()
    assert main(["workout", "check", str(out)]) == 0
    assert "7 exercises, valid" in capsys.readouterr().out
    assert main(["workout", "check"]) == 0  # the shipped catalogue
    bad = env / "bad.yaml"
    bad.write_text("version: 1\nexercises:\n  - id: x\n")
    assert main(["workout", "check", str(bad)]) == 2
    assert "problem" in capsys.readouterr().err
    # an imported catalogue can be used for planning
    assert (
        main(
            [
                "plan",
                "--catalogue",
                str(out),
                "--goal",
                "strength",
                "--equipment",
                "full_gym",
                "--json",
            ]
        )
        == 0
    )


def test_train_from_simulator_then_from_too_little_feedback(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = env / "model.npz"
    assert (
        main(["train", "workout", "--simulate", "200", "--iterations", "5", "-o", str(model)]) == 0
    )
    loaded = CFModel.load(model)
    assert loaded.card["users"] == 200 and loaded.card["data_licence"] == "synthetic"
    assert len(loaded.item_ids) > 50
    assert main(["train", "workout"]) == 2
    assert "--simulate" in capsys.readouterr().err


def test_eval(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "workout", "--users", "200", "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)["metrics"]
    assert set(metrics) == {"popularity", "content", "cf", "hybrid", "hybrid_cold"}
