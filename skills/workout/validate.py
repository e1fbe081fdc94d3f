"""Check a plan against everything the planner promises; a violation is a bug.

``validate(plan, profile) -> list[Violation]`` re-derives each rule from the plan's own contents
(not from how the planner built it): the split, warm-up and cool-down, session length,
equipment and safety of every exercise, rep ranges and rest by goal, weekly sets per major group,
push:pull ratio, no group trained hard on consecutive days (fewer than 6 training days), WHO
cardio minutes for the goals that call for them, progression and the deload.

Decisions:
    * A group under its weekly range, a push or pull side missing, or cardio minutes short of
      the WHO range are not violations when the plan *says so* in a note; a missing side is
      only excused when the person really can do no exercise of that side, which is checked
      against the catalogue here, independently of the planner.
    * Violation messages are for logs and tests (developers), so they are not in prompts/.
"""

from __future__ import annotations

from dataclasses import dataclass

from skills.workout.plan import Plan, Session
from skills.workout.prescription import (
    CARDIO_GOALS,
    MAX_REST_S,
    REP_RANGES,
    WHO_MODERATE_MAX,
    WHO_MODERATE_MIN,
    prescription,
)
from skills.workout.profile import Profile
from skills.workout.sessions import vigorous_ok
from skills.workout.split import SCHEDULE, consecutive
from skills.workout.vocab import (
    COMPOUND_PATTERNS,
    HARD_GROUPS,
    MAJOR_GROUPS,
    PULL_PATTERNS,
    PUSH_PATTERNS,
    has_equipment,
    is_safe,
    level_allowed,
)

RATIO_LOW, RATIO_HIGH = 0.75, 1.33
EXPECTED_FOCUS = {
    1: ("full_body",),
    2: ("full_body",),
    3: ("full_body",),
    4: ("upper", "lower", "upper", "lower"),
    5: ("push", "pull", "legs", "upper", "lower"),
    6: ("push", "pull", "legs", "push", "pull", "legs"),
    7: ("push", "pull", "legs", "push", "pull", "legs", "recovery"),
}


@dataclass(frozen=True)
class Violation:
    """One broken rule: a stable ``code``, where it happened, and a developer-facing message."""

    code: str
    message: str
    week: int | None = None
    day: int | None = None

    def __str__(self) -> str:
        where = f" (week {self.week}, weekday {self.day})" if self.week else ""
        return f"{self.code}: {self.message}{where}"


def validate(plan: Plan, profile: Profile) -> list[Violation]:
    """Every rule the plan breaks for ``profile`` (empty when the plan is valid)."""
    profile = profile.filled()
    out: list[Violation] = []
    out += _structure(plan, profile)
    for week in plan.weeks:
        for s in week.sessions:
            out += _session(s, profile, week.number, week.deload)
        out += _consecutive(week.sessions, profile, week.number)
    for w in range(min(3, len(plan.weeks))):
        out += _volume(plan, profile, w)
        out += _balance(plan, profile, w)
    out += _cardio(plan, profile)
    out += _progression(plan)
    return out


def _structure(plan: Plan, profile: Profile) -> list[Violation]:
    out = []
    if [w.number for w in plan.weeks] != [1, 2, 3, 4] or [w.deload for w in plan.weeks] != [
        False,
        False,
        False,
        True,
    ]:
        out.append(Violation("weeks", "expected weeks 1-3 then a deload week 4"))
    expected_days = SCHEDULE[profile.days]
    for week in plan.weeks:
        weekdays = tuple(s.weekday for s in week.sessions)
        if weekdays != expected_days:
            out.append(
                Violation("schedule", f"weekdays {weekdays} != {expected_days}", week.number)
            )
        focus = tuple(s.focus for s in week.sessions)
        wanted = EXPECTED_FOCUS[profile.days]
        ok = all(f.startswith(wanted[0]) for f in focus) if len(wanted) == 1 else focus == wanted
        if not ok:
            out.append(Violation("split", f"focus {focus} for {profile.days} days", week.number))
        ids = [tuple(p.exercise.id for p in s.exercises) for s in week.sessions]
        first = [tuple(p.exercise.id for p in s.exercises) for s in plan.weeks[0].sessions]
        if ids != first:
            out.append(Violation("exercises_change", "exercises differ between weeks", week.number))
    if not plan.has_note("after"):
        out.append(Violation("no_after_note", "the plan must say what to do after week 4"))
    return out


def _session(s: Session, profile: Profile, week: int, deload: bool) -> list[Violation]:
    out = []
    where = {"week": week, "day": s.weekday}
    if not s.warmup or not s.cooldown:
        out.append(Violation("warmup_cooldown", "every session needs both", **where))
    seconds = sum(t.seconds for t in (*s.warmup, *s.cooldown))
    seconds += sum(p.sets * (p.work_s + p.rest_s) for p in s.exercises)
    seconds += s.cardio.minutes * 60 if s.cardio else 0
    if seconds > profile.minutes * 60:
        out.append(Violation("too_long", f"{seconds / 60:.1f} > {profile.minutes} min", **where))
    for ex in s.everything():
        if ex.id in profile.avoided:
            out.append(Violation("avoided", f"{ex.id} was disliked or swapped out", **where))
        if not has_equipment(ex.equipment, profile.kit):
            out.append(Violation("equipment", f"{ex.id} needs {ex.equipment}", **where))
        if not is_safe(ex.unsafe_for, ex.impact, profile.conds):
            out.append(Violation("unsafe", f"{ex.id} is unsafe for {profile.conds}", **where))
        if not level_allowed(ex.level, profile.level):
            out.append(Violation("level", f"{ex.id} is {ex.level}", **where))
    for p in s.exercises:
        if p.sets < 1:
            out.append(Violation("sets", f"{p.exercise.id} has {p.sets} sets", **where))
    out += _reps(s, profile, where, deload)
    if s.cardio and s.cardio.intensity == "vigorous" and not vigorous_ok(profile):
        out.append(Violation("vigorous", "vigorous cardio for this person", **where))
    return out


def _reps(s: Session, profile: Profile, where: dict[str, int], deload: bool) -> list[Violation]:
    goal = profile.goal or "general_health"
    out = []
    low, high = REP_RANGES[goal]
    counted = [p for p in s.exercises if not p.timed and p.exercise.kind == "strength"]
    if goal == "muscle":
        sets_in = sum(p.sets for p in counted if p.reps_low >= 6 and p.reps_high <= 15)
        total = sum(p.sets for p in counted)
        if total and sets_in < 0.8 * total:
            out.append(Violation("reps", "fewer than 80% of sets in 6-15 reps", **where))
    for p in counted:
        if not low <= p.reps_low <= p.reps_high <= high:
            out.append(Violation("reps", f"{p.exercise.id} {p.reps} outside {low}-{high}", **where))
        limit = MAX_REST_S.get(goal)
        if limit is not None and p.rest_s > limit:
            out.append(Violation("rest", f"{p.exercise.id} rests {p.rest_s}s", **where))
    if goal == "strength" and not deload:
        compounds = [p for p in counted if p.exercise.pattern in COMPOUND_PATTERNS]
        if compounds and not any(p.reps_high <= 6 for p in compounds):
            out.append(Violation("strength_heavy", "no compound lift in 1-6 reps", **where))
    return out


def _hard_groups(s: Session) -> set[str]:
    return {
        g
        for p in s.exercises
        if p.exercise.kind == "strength"
        for g in p.exercise.groups
        if g in HARD_GROUPS
    }


def _consecutive(sessions: tuple[Session, ...], profile: Profile, week: int) -> list[Violation]:
    if profile.days >= 6:
        return []
    out = []
    for a in sessions:
        for b in sessions:
            if a.weekday < b.weekday and consecutive(a.weekday, b.weekday):
                both = _hard_groups(a) & _hard_groups(b)
                if both:
                    msg = f"{sorted(both)} on weekdays {a.weekday} and {b.weekday}"
                    out.append(Violation("consecutive", msg, week))
    return out


def _volume(plan: Plan, profile: Profile, w: int) -> list[Violation]:
    low, high = prescription(profile.goal or "general_health").volume
    sets = plan.weekly_sets(w)
    out = []
    for group in MAJOR_GROUPS:
        n = sets.get(group, 0)
        if n > high:
            out.append(Violation("volume_high", f"{group}: {n} > {high}", w + 1))
        noted = any(
            note.code == "volume_short" and group in note.values.get("groups", ())
            for note in plan.notes
        )
        if n < low and not noted:
            out.append(Violation("volume_low", f"{group}: {n} < {low}, no note", w + 1))
    return out


def _balance(plan: Plan, profile: Profile, w: int) -> list[Violation]:
    push, pull = plan.push_pull(w)
    if push and pull:
        ratio = push / pull
        if not RATIO_LOW <= ratio <= RATIO_HIGH:
            return [Violation("push_pull", f"push:pull {push}:{pull} = {ratio:.2f}", w + 1)]
        return []
    if push or pull:
        missing = PULL_PATTERNS if pull == 0 else PUSH_PATTERNS
        possible = any(
            e.pattern in missing
            and e.kind == "strength"
            and e.allowed(profile.kit, profile.conds)
            and level_allowed(e.level, profile.level)
            and e.id not in profile.avoided
            for e in plan.catalogue
        )
        if possible:
            return [Violation("push_pull", f"push {push}, pull {pull}", w + 1)]
    return []


def _cardio(plan: Plan, profile: Profile) -> list[Violation]:
    out = []
    for w in range(len(plan.weeks)):
        equivalent, _ = plan.cardio_minutes(w)
        if profile.goal in CARDIO_GOALS:
            if equivalent < WHO_MODERATE_MIN and not plan.has_note("cardio_short"):
                out.append(Violation("cardio_low", f"{equivalent} min, no note", w + 1))
            if equivalent > WHO_MODERATE_MAX:
                out.append(Violation("cardio_high", f"{equivalent} > {WHO_MODERATE_MAX}", w + 1))
    return out


def _progression(plan: Plan) -> list[Violation]:
    out: list[Violation] = []
    if len(plan.weeks) < 4:
        return out
    for i in range(2):
        changed = False
        for a, b in zip(plan.weeks[i].sessions, plan.weeks[i + 1].sessions, strict=False):
            for p, q in zip(a.exercises, b.exercises, strict=False):
                heavier = q.rir < p.rir or q.reps_high > p.reps_high
                if q.rir > p.rir or (q.reps_high < p.reps_high and q.rir >= p.rir):
                    out.append(Violation("regress", f"{p.exercise.id} gets easier", i + 2))
                changed |= heavier
        has_work = any(s.exercises for s in plan.weeks[i].sessions)
        if has_work and not changed:
            out.append(Violation("no_progress", "nothing progresses", i + 2))
    week3, deload = plan.weeks[2], plan.weeks[3]
    for s3, s4 in zip(week3.sessions, deload.sessions, strict=False):
        for p, q in zip(s3.exercises, s4.exercises, strict=False):
            fewer = q.sets < p.sets or p.sets == 1
            if not fewer or (q.rir <= p.rir and p.role != "mobility"):
                out.append(Violation("deload", f"{q.exercise.id} is not lighter in week 4", 4))
    return out
