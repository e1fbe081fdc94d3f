"""The planner: every generated profile yields a plan with no violation, and the plan is right."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skills.workout.catalogue import Catalogue
from skills.workout.plan import Plan
from skills.workout.planner import build_plan
from skills.workout.profile import Profile
from skills.workout.split import consecutive
from skills.workout.validate import validate
from skills.workout.vocab import CONDITIONS, EQUIPMENT, GOALS, HARD_GROUPS, LEVELS, is_safe

KIT = [e for e in EQUIPMENT if e != "bodyweight"]
profiles = st.builds(
    Profile,
    goal=st.sampled_from(GOALS),
    experience=st.sampled_from(LEVELS),
    days_per_week=st.integers(1, 7),
    minutes_per_session=st.integers(10, 180),
    equipment=st.lists(st.sampled_from(KIT), unique=True, max_size=6).map(tuple),
    conditions=st.lists(st.sampled_from(CONDITIONS), unique=True, max_size=4).map(tuple),
)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(profile=profiles)
def test_every_profile_gets_a_valid_plan(catalogue: Catalogue, profile: Profile) -> None:
    plan = build_plan(profile, catalogue)
    assert validate(plan, profile) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profile=profiles)
def test_every_profile_gets_a_valid_plan_from_the_shipped_catalogue(
    real_catalogue: Catalogue, profile: Profile
) -> None:
    plan = build_plan(profile, real_catalogue)
    assert validate(plan, profile) == []


def _ids(plan: Plan) -> set[str]:
    return {e.id for w in plan.weeks for s in w.sessions for e in s.everything()}


def test_split_by_days(catalogue: Catalogue) -> None:
    expected = {
        1: ["full_body_a"],
        3: ["full_body_a", "full_body_b", "full_body_c"],
        4: ["upper", "lower", "upper", "lower"],
        5: ["push", "pull", "legs", "upper", "lower"],
        7: ["push", "pull", "legs", "push", "pull", "legs", "recovery"],
    }
    for days, focus in expected.items():
        plan = build_plan(Profile(goal="muscle", days_per_week=days), catalogue)
        assert [s.focus for s in plan.weeks[0].sessions] == focus
        assert all(s.warmup and s.cooldown for w in plan.weeks for s in w.sessions)


def test_muscle_plan_with_a_full_gym_meets_every_target(catalogue: Catalogue) -> None:
    profile = Profile(goal="muscle", experience="intermediate", days_per_week=4,
                      minutes_per_session=60, equipment=tuple(KIT), conditions=())  # fmt: skip
    plan = build_plan(profile, catalogue)
    sets = plan.weekly_sets()
    for group in ("chest", "back", "shoulders", "quads", "hamstrings", "glutes"):
        assert 10 <= sets[group] <= 20, (group, sets)
    push, pull = plan.push_pull()
    assert 0.75 <= push / pull <= 1.33
    assert not plan.has_note("volume_short")
    reps = [p for s in plan.weeks[0].sessions for p in s.exercises if not p.timed]
    assert all(p.reps_low >= 6 and p.reps_high <= 15 for p in reps)
    assert all(s.minutes <= 60 for w in plan.weeks for s in w.sessions)


def test_strength_plan_is_heavy_and_progresses_by_load(catalogue: Catalogue) -> None:
    profile = Profile(goal="strength", experience="intermediate", days_per_week=3,
                      minutes_per_session=60, equipment=("barbell", "rack", "bench", "dumbbell"),
                      conditions=())  # fmt: skip
    plan = build_plan(profile, catalogue)
    for s in plan.weeks[0].sessions:
        main = [p for p in s.exercises if p.role == "main" and not p.timed]
        assert main and all(1 <= p.reps_high <= 6 for p in main)
    squat = [
        p
        for w in plan.weeks
        for p in w.sessions[0].exercises
        if p.exercise.id == "barbell_back_squat"
    ]
    assert [p.reps for p in squat] == ["5", "4", "3", "5"]  # load goes up, then the deload
    assert [p.rir for p in squat] == [3, 2, 1, 4]
    assert squat[3].sets < squat[2].sets


def test_endurance_reps_and_rest(catalogue: Catalogue) -> None:
    profile = Profile(goal="endurance", experience="intermediate", days_per_week=3,
                      minutes_per_session=60, equipment=("dumbbell",), conditions=())  # fmt: skip
    plan = build_plan(profile, catalogue)
    for s in plan.weeks[0].sessions:
        for p in s.exercises:
            assert p.rest_s <= 60
            assert p.timed or p.reps_low >= 12


def test_cardio_reaches_the_who_range_when_time_allows(catalogue: Catalogue) -> None:
    profile = Profile(goal="fat_loss", experience="beginner", days_per_week=5,
                      minutes_per_session=60, equipment=(), conditions=())  # fmt: skip
    plan = build_plan(profile, catalogue)
    equivalent, _ = plan.cardio_minutes()
    assert 150 <= equivalent <= 300 and plan.has_note("cardio_who")
    assert all(s.cardio and s.cardio.intensity == "moderate" for s in plan.weeks[0].sessions)


def test_cardio_shortfall_is_said_not_squeezed_in(catalogue: Catalogue) -> None:
    profile = Profile(goal="general_health", experience="beginner", days_per_week=2,
                      minutes_per_session=20, equipment=(), conditions=())  # fmt: skip
    plan = build_plan(profile, catalogue)
    equivalent, _ = plan.cardio_minutes()
    assert equivalent < 150 and plan.has_note("cardio_short")
    assert all(s.minutes <= 20 for w in plan.weeks for s in w.sessions)


def test_vigorous_minutes_count_double_but_not_in_pregnancy(catalogue: Catalogue) -> None:
    base = dict(goal="fat_loss", experience="intermediate", days_per_week=3, minutes_per_session=45)
    fit = build_plan(Profile(**base, equipment=("cardio_machine",), conditions=()), catalogue)
    assert any(s.cardio and s.cardio.intensity == "vigorous" for s in fit.weeks[0].sessions)
    assert fit.cardio_minutes()[0] >= 150
    pregnant = Profile(**base, equipment=("cardio_machine",), conditions=("pregnancy",))
    plan = build_plan(pregnant, catalogue)
    assert all(s.cardio is None or s.cardio.intensity == "moderate" for s in plan.weeks[0].sessions)
    assert plan.has_note("pregnancy")


def test_never_unsafe_or_unequipped(catalogue: Catalogue) -> None:
    profile = Profile(goal="muscle", experience="advanced", days_per_week=5,
                      minutes_per_session=75, equipment=("dumbbell",),
                      conditions=("knee", "shoulder"))  # fmt: skip
    plan = build_plan(profile, catalogue)
    for ex_id in _ids(plan):
        ex = catalogue[ex_id]
        assert is_safe(ex.unsafe_for, ex.impact, profile.conds), ex_id
        assert set(ex.equipment) <= {"bodyweight", "dumbbell"}, ex_id
    assert not {
        "goblet_squat",
        "bodyweight_squat",
        "reverse_lunge",
        "dumbbell_shoulder_press",
    } & _ids(plan)


def test_no_group_trained_hard_on_consecutive_days(catalogue: Catalogue) -> None:
    for days in (2, 3, 4, 5):
        profile = Profile(goal="muscle", experience="intermediate", days_per_week=days,
                          minutes_per_session=60, equipment=tuple(KIT), conditions=())  # fmt: skip
        sessions = build_plan(profile, catalogue).weeks[0].sessions
        for a in sessions:
            for b in sessions:
                if a.weekday < b.weekday and consecutive(a.weekday, b.weekday):
                    ga = {g for p in a.exercises for g in p.exercise.groups if g in HARD_GROUPS}
                    gb = {g for p in b.exercises for g in p.exercise.groups if g in HARD_GROUPS}
                    assert not ga & gb, (days, a.focus, b.focus, ga & gb)


def test_dislikes_and_swaps_are_respected(catalogue: Catalogue) -> None:
    base = Profile(goal="muscle", experience="intermediate", days_per_week=3,
                   minutes_per_session=60, equipment=("dumbbell", "bench"), conditions=())  # fmt: skip
    first = _ids(build_plan(base, catalogue))
    assert "goblet_squat" in first
    swapped = Profile(**{**base.__dict__, "swaps": {"goblet_squat": "box_squat"}})
    after = _ids(build_plan(swapped, catalogue))
    assert "goblet_squat" not in after
    disliked = Profile(**{**base.__dict__, "dislikes": ("push_up", "goblet_squat")})
    assert not {"push_up", "goblet_squat"} & _ids(build_plan(disliked, catalogue))


def test_plans_are_deterministic(catalogue: Catalogue) -> None:
    profile = Profile(goal="general_health", days_per_week=3, minutes_per_session=40,
                      equipment=("kettlebell",), conditions=("wrist",))  # fmt: skip
    assert build_plan(profile, catalogue) == build_plan(profile, catalogue)
