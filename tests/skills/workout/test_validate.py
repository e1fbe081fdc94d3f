"""The validator catches each kind of broken plan (plans are mutated on purpose)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from skills.workout.catalogue import Catalogue
from skills.workout.plan import CardioBlock, Note, Plan, Prescribed, Session
from skills.workout.planner import build_plan
from skills.workout.profile import Profile
from skills.workout.validate import validate

PROFILE = Profile(
    goal="muscle",
    experience="intermediate",
    days_per_week=3,
    minutes_per_session=60,
    equipment=("dumbbell", "bench"),
    conditions=("knee",),
)


@pytest.fixture(scope="module")
def plan(catalogue: Catalogue) -> Plan:
    built = build_plan(PROFILE, catalogue)
    assert validate(built, PROFILE) == []
    return built


def _every_week(plan: Plan, change: Callable[[Session], Session]) -> Plan:
    weeks = tuple(replace(w, sessions=tuple(change(s) for s in w.sessions)) for w in plan.weeks)
    return replace(plan, weeks=weeks)


def _first_session(plan: Plan, change: Callable[[Session], Session]) -> Plan:
    weeks = []
    for w in plan.weeks:
        sessions = (change(w.sessions[0]), *w.sessions[1:])
        weeks.append(replace(w, sessions=sessions))
    return replace(plan, weeks=tuple(weeks))


def _codes(plan: Plan, profile: Profile = PROFILE) -> set[str]:
    return {v.code for v in validate(plan, profile)}


def test_unsafe_and_unequipped_exercises(plan: Plan, catalogue: Catalogue) -> None:
    def add(ex_id: str) -> Callable[[Session], Session]:
        def change(s: Session) -> Session:
            extra = Prescribed(catalogue[ex_id], "accessory", 1, 10, 12, 60, 2)
            return replace(s, exercises=(*s.exercises, extra))

        return change

    assert "unsafe" in _codes(_first_session(plan, add("bodyweight_squat")))  # knee-unsafe
    assert "equipment" in _codes(_first_session(plan, add("barbell_row")))
    assert "level" in _codes(
        _first_session(plan, add("pull_up")), replace(PROFILE, experience="beginner")
    )
    disliked = replace(PROFILE, dislikes=(plan.weeks[0].sessions[0].exercises[0].exercise.id,))
    assert "avoided" in _codes(plan, disliked)


def test_too_long_and_missing_warmup(plan: Plan) -> None:
    longer = _first_session(
        plan, lambda s: replace(s, warmup=(replace(s.warmup[0], seconds=3600),))
    )
    assert "too_long" in _codes(longer)
    assert "warmup_cooldown" in _codes(_first_session(plan, lambda s: replace(s, cooldown=())))


def test_volume_too_high_and_unexplained_shortfall(plan: Plan) -> None:
    heavy = _every_week(
        plan, lambda s: replace(s, exercises=tuple(replace(p, sets=8) for p in s.exercises))
    )
    assert "volume_high" in _codes(heavy)
    light = _every_week(
        plan, lambda s: replace(s, exercises=tuple(replace(p, sets=1) for p in s.exercises))
    )
    assert "volume_low" in _codes(replace(light, notes=()))


def test_push_pull_imbalance(plan: Plan) -> None:
    def more_push(s: Session) -> Session:
        return replace(s, exercises=tuple(
            replace(p, sets=5) if "push" in p.exercise.pattern else replace(p, sets=1)
            for p in s.exercises
        ))  # fmt: skip

    assert "push_pull" in _codes(_every_week(plan, more_push))


def test_consecutive_days(plan: Plan) -> None:
    def move(s: Session) -> Session:
        return replace(s, weekday=1) if s.weekday == 2 else s

    weeks = tuple(replace(w, sessions=tuple(move(s) for s in w.sessions)) for w in plan.weeks)
    codes = _codes(replace(plan, weeks=weeks))
    assert {"consecutive", "schedule"} <= codes


def test_reps_rest_and_heavy_work_by_goal(plan: Plan) -> None:
    high = _every_week(
        plan,
        lambda s: replace(
            s, exercises=tuple(replace(p, reps_low=20, reps_high=30) for p in s.exercises)
        ),
    )
    assert "reps" in _codes(high)
    strength = replace(PROFILE, goal="strength")
    assert "strength_heavy" in _codes(plan, strength)
    assert "rest" in _codes(plan, replace(PROFILE, goal="endurance"))


def test_cardio_rules(plan: Plan, catalogue: Catalogue) -> None:
    walk = catalogue["brisk_walking"]
    # a fat-loss profile without cardio and without a note breaks the WHO rule
    assert "cardio_low" in _codes(plan, replace(PROFILE, goal="fat_loss"))
    vigorous = _every_week(plan, lambda s: replace(s, cardio=CardioBlock(walk, 5, "vigorous")))
    assert "vigorous" in _codes(vigorous, replace(PROFILE, conditions=("pregnancy",)))
    too_much = _every_week(plan, lambda s: replace(s, cardio=CardioBlock(walk, 120, "moderate")))
    assert "cardio_high" in _codes(
        too_much, replace(PROFILE, goal="fat_loss", minutes_per_session=180)
    )


def test_progression_and_deload(plan: Plan) -> None:
    flat = replace(plan, weeks=(plan.weeks[0], replace(plan.weeks[0], number=2),
                                replace(plan.weeks[0], number=3), plan.weeks[3]))  # fmt: skip
    assert "no_progress" in _codes(flat)
    no_deload = replace(
        plan, weeks=(*plan.weeks[:3], replace(plan.weeks[2], number=4, deload=True))
    )
    assert "deload" in _codes(no_deload)
    assert "weeks" in _codes(replace(plan, weeks=plan.weeks[:3]))
    assert "no_after_note" in _codes(
        replace(plan, notes=tuple(n for n in plan.notes if n.code != "after"))
    )


def test_missing_pull_side_is_excused_only_when_impossible(
    catalogue: Catalogue, plan: Plan
) -> None:
    no_pull = _every_week(plan, lambda s: replace(s, exercises=tuple(
        p for p in s.exercises if "pull" not in p.exercise.pattern)))  # fmt: skip
    assert "push_pull" in _codes(no_pull)


def test_a_note_must_name_the_short_group(plan: Plan) -> None:
    light = _every_week(
        plan, lambda s: replace(s, exercises=tuple(replace(p, sets=1) for p in s.exercises))
    )
    note = Note("volume_short", {"groups": ["chest"], "reason": "time", "target": 10})
    problems = validate(replace(light, notes=(*plan.notes, note)), PROFILE)
    short = {v.message.split(":")[0] for v in problems if v.code == "volume_low"}
    assert "chest" not in short and short


def test_weeks_must_keep_the_same_exercises(plan: Plan) -> None:
    changed = replace(plan, weeks=(plan.weeks[0], replace(plan.weeks[1], sessions=(
        replace(plan.weeks[1].sessions[0], exercises=plan.weeks[1].sessions[0].exercises[1:]),
        *plan.weeks[1].sessions[1:])), *plan.weeks[2:]))  # fmt: skip
    assert "exercises_change" in _codes(changed)
