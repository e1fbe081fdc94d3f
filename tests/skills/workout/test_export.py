"""Exports parsed back: Markdown table lines, CSV with the csv module, iCalendar with icalendar."""

from __future__ import annotations

import csv
import datetime as dt
import io

import icalendar
import pytest

from assistant.prompts import Prompts
from skills.workout.catalogue import Catalogue
from skills.workout.export import CSV_COLUMNS, to_csv, to_ics, to_markdown
from skills.workout.plan import Plan, plan_to_dict
from skills.workout.planner import build_plan
from skills.workout.profile import Profile

PROFILE = Profile(goal="fat_loss", experience="intermediate", days_per_week=3,
                  minutes_per_session=50, equipment=("dumbbell", "bench"), conditions=("knee",))  # fmt: skip


@pytest.fixture(scope="module")
def plan(catalogue: Catalogue) -> Plan:
    return build_plan(PROFILE, catalogue)


def test_markdown_has_a_table_per_session(plan: Plan, prompts: Prompts) -> None:
    md = to_markdown(plan, prompts)
    assert md.startswith("# ") and md.count("## Week") == 4
    headers = [line for line in md.splitlines() if line.startswith("| Exercise |")]
    assert len(headers) == 4 * PROFILE.days
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in md.splitlines()
        if line.startswith("| ") and not line.startswith("| Exercise")
    ]
    week1 = plan.weeks[0].sessions[0].exercises
    assert rows[0][0] == week1[0].exercise.name and rows[0][1] == str(week1[0].sets)
    assert all(len(r) == 5 for r in rows)


def test_csv_round_trip(plan: Plan, prompts: Prompts) -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(plan, prompts))))
    assert rows and tuple(rows[0]) == CSV_COLUMNS
    exercises = [r for r in rows if r["block"] == "exercise"]
    expected = sum(len(s.exercises) for w in plan.weeks for s in w.sessions)
    assert len(exercises) == expected
    first = plan.weeks[0].sessions[0].exercises[0]
    assert (exercises[0]["exercise_id"], int(exercises[0]["sets"]), exercises[0]["reps"]) == (
        first.exercise.id, first.sets, first.reps,
    )  # fmt: skip
    assert {r["week"] for r in rows} == {"1", "2", "3", "4"}
    assert {r["deload"] for r in rows if r["week"] == "4"} == {"true"}
    cardio = [r for r in rows if r["block"] == "cardio"]
    assert cardio and all(int(r["minutes"]) > 0 for r in cardio)


def test_ics_has_a_weekly_event_per_session(plan: Plan, prompts: Prompts) -> None:
    monday = dt.date(2030, 1, 7)
    cal = icalendar.Calendar.from_ical(to_ics(plan, prompts, start=monday))
    events = list(cal.walk("VEVENT"))
    assert len(events) == PROFILE.days
    for event, session in zip(events, plan.weeks[0].sessions, strict=True):
        start = event.decoded("dtstart")
        assert start.weekday() == session.weekday and start.date() >= monday
        assert event["rrule"]["FREQ"] == ["WEEKLY"] and event["rrule"]["COUNT"] == [4]
        assert (event.decoded("dtend") - start) == dt.timedelta(minutes=session.minutes)
        assert session.exercises[0].exercise.name in str(event["description"])
    assert len({str(e["uid"]) for e in events}) == len(events)


def test_plan_json_matches_the_documented_schema(plan: Plan, prompts: Prompts) -> None:
    data = plan_to_dict(plan, prompts)
    assert set(data) == {"profile", "weeks", "weekly_sets", "notes"}
    assert [w["week"] for w in data["weeks"]] == [1, 2, 3, 4] and data["weeks"][3]["deload"]
    day = data["weeks"][0]["days"][0]
    assert {"day", "focus", "minutes", "warmup", "exercises", "cardio"} <= set(day)
    item = day["exercises"][0]
    assert {
        "id",
        "name",
        "sets",
        "reps",
        "rest_s",
        "effort",
        "primary_muscles",
        "equipment",
    } <= set(item)
    assert set(day["cardio"]) >= {"minutes", "intensity"}
    assert all(isinstance(n, str) and n for n in data["notes"])
    assert data["weekly_sets"]["chest"] == plan.weekly_sets()["chest"]
