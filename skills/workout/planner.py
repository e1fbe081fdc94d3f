"""Build a four-week plan for a profile: split, exercises, sets, cardio, progression and notes.

``build_plan(profile, catalogue, recommender, feedback)`` is deterministic: the same profile,
feedback and model give the same plan, so a plan can always be rebuilt from the session's events
instead of being stored. Every plan is checked by :mod:`skills.workout.validate` before anyone
sees it (see :func:`skills.workout.service.make_plan`).

Steps:
    1. the split for the days per week (:mod:`split`) and the goal's prescription;
    2. cardio minutes per day (:mod:`sessions`), which leaves each day a time budget for strength;
    3. one exercise per slot: allowed (equipment, conditions, level, not disliked or swapped out),
       right pattern, only muscle groups the day may train, best by the recommender, with a small
       penalty for repeating an exercise within the week (variety);
    4. sets shared out by :mod:`volume` (time, weekly volume, push:pull);
    5. weeks 1-3 progress and week 4 deloads; notes explain what could not be met and why.
"""

from __future__ import annotations

from collections.abc import Sequence

from skills.workout.catalogue import Catalogue, Exercise
from skills.workout.plan import CardioBlock, Note, Plan, Prescribed, Session, Week
from skills.workout.prescription import (
    DELOAD_RIR,
    RIR_BY_WEEK,
    Dose,
    GoalRx,
    deload_sets,
    prescription,
    work_seconds,
)
from skills.workout.profile import Profile
from skills.workout.recommender import Recommender, UserScores
from skills.workout.sessions import (
    INTERVAL_MOVES,
    cooldown_seconds,
    pick_cardio,
    pick_timed,
    plan_cardio,
    warmup_seconds,
)
from skills.workout.split import DayTemplate, Slot, week_templates
from skills.workout.vocab import COMPOUND_PATTERNS, HARD_GROUPS, PULL_PATTERNS, PUSH_PATTERNS
from skills.workout.volume import Allocator, Draft, DraftDay

MOBILITY_DOSE = Dose(2, ((1, 1), (1, 1), (1, 1)), 15, hold_s=(30, 40, 45))
MOBILITY_RIR = 6
REPEAT_PENALTY = 0.75
_TIMED_WORDS = ("plank", "hold", "wall_sit", "hang", "isometric", "hollow", "carry", "bridge_hold")
_NOT_FOR_SLOTS = frozenset({"plyometric", "cardio", "mobility", "balance"})


def is_timed(ex: Exercise) -> bool:
    """Holds, carries and stretches are prescribed in seconds, not reps."""
    return (
        ex.kind != "strength"
        or ex.pattern in ("carry", "balance", "mobility")
        or any(w in ex.id for w in _TIMED_WORDS)
    )


def _dose(rx: GoalRx, role: str, goal: str) -> Dose:
    if role == "mobility":
        return MOBILITY_DOSE
    dose = rx.dose(role)
    if goal == "endurance":
        return Dose(dose.sets, dose.reps, dose.rest_s, hold_s=(30, 45, 60))
    return dose


def make_draft(ex: Exercise, role: str, rx: GoalRx, goal: str) -> Draft:
    timed = is_timed(ex)
    if timed and role == "main":
        role = "secondary"  # a hold is never the heavy lift of the day
    dose = _dose(rx, role, goal)
    highs = dose.hold_s if timed else tuple(r[1] for r in dose.reps)
    work = max(work_seconds(h, timed, ex.unilateral) for h in highs)
    return Draft(ex, role, dose.sets, work + dose.rest_s, timed)


def _fits_day(ex: Exercise, template: DayTemplate) -> bool:
    hard = {g for g in ex.groups if g in HARD_GROUPS}
    return ex.kind != "strength" or hard <= template.allowed


def pick(
    slot: Slot,
    template: DayTemplate,
    profile: Profile,
    scores: UserScores,
    catalogue: Catalogue,
    taken: set[str],
    used_week: set[str],
) -> Exercise | None:
    """The best exercise for a slot, trying its patterns in order (None when nothing fits)."""
    kind = ("mobility", "cooldown") if slot.role == "mobility" else ("strength",)
    for pattern in slot.patterns:
        pool = [
            e
            for e in catalogue.of_kind(*kind)
            if e.pattern == pattern
            and e.id not in taken
            and e.id not in profile.avoided
            and _fits_day(e, template)
            and (not slot.groups or set(e.groups) & set(slot.groups))
        ]
        ranked = scores.rank(pool)
        if not ranked:
            continue
        return max(ranked, key=lambda e: _value(e, slot, profile, scores, used_week))
    return None


def _value(
    e: Exercise, slot: Slot, profile: Profile, scores: UserScores, used_week: set[str]
) -> float:
    """A candidate's score for a slot: recommender score minus repeat and hold penalties."""
    repeat_ok = profile.goal == "strength" and slot.role == "main"  # the big lifts recur
    penalty = REPEAT_PENALTY if e.id in used_week and not repeat_ok else 0.0
    if slot.role == "main" and is_timed(e):
        penalty += 1.0  # a loadable lift leads the day when there is one
    return scores.score(e) - penalty


class _Adder:
    """Candidates the allocator may add to a day to train a group that is under target."""

    def __init__(self, profile: Profile, scores: UserScores, catalogue: Catalogue, rx: GoalRx):
        self.profile, self.scores, self.catalogue, self.rx = profile, scores, catalogue, rx

    def __call__(self, day: DraftDay, group: str) -> list[Draft]:
        pool = [
            e
            for e in self.catalogue.of_kind("strength")
            if group in e.groups
            and e.pattern not in _NOT_FOR_SLOTS
            and e.id not in self.profile.avoided
            and _fits_day(e, day.template)
        ]
        ranked = self.scores.rank(pool)
        ranked.sort(key=lambda e: len([g for g in e.groups if g in HARD_GROUPS]))  # stable
        out = []
        for e in ranked[:6]:
            role = "secondary" if e.pattern in COMPOUND_PATTERNS else "accessory"
            out.append(make_draft(e, role, self.rx, self.profile.goal or ""))
        return out


def build_plan(
    profile: Profile,
    catalogue: Catalogue,
    recommender: Recommender | None = None,
    feedback: Sequence[tuple[str, str]] = (),
) -> Plan:
    """A four-week plan for ``profile`` (unknown fields take their defaults)."""
    profile = profile.filled()
    goal = profile.goal or "general_health"
    rx = prescription(goal)
    scores = (recommender or Recommender(catalogue)).for_user(profile, feedback)
    week = week_templates(profile.days, goal)
    templates = [t for _, t in week]
    cardio_options = [
        e for e in scores.rank(catalogue.of_kind("cardio")) if e.id not in profile.avoided
    ]
    steady = [e for e in cardio_options if not INTERVAL_MOVES.search(e.id)] or cardio_options
    cardio = plan_cardio(profile, rx, templates, any(e.met >= 6.0 for e in steady))
    m = profile.minutes
    warm_s, cool_s = warmup_seconds(m), cooldown_seconds(m)
    blocks: list[CardioBlock | None] = []
    pairs = zip(cardio.minutes, cardio.intensities, strict=True)
    for n, (minutes, intensity) in enumerate(pairs):
        activity = pick_cardio(profile, scores, catalogue, intensity, n) if minutes else None
        blocks.append(CardioBlock(activity, minutes, intensity) if activity else None)

    days: list[DraftDay] = []
    used_week: set[str] = set()
    for (weekday, template), block in zip(week, blocks, strict=True):
        budget = m * 60 - warm_s - cool_s - (block.minutes * 60 if block else 0)
        day = DraftDay(weekday, template, budget)
        taken: set[str] = set()
        for slot in template.slots:
            ex = pick(slot, template, profile, scores, catalogue, taken, used_week)
            if ex is not None:
                day.items.append(make_draft(ex, slot.role, rx, goal))
                taken.add(ex.id)
        used_week |= taken
        days.append(day)
    low, high = rx.volume
    adder = _Adder(profile, scores, catalogue, rx)
    short = Allocator(days, low, high, rx.max_sets, adder).run()
    for _ in range(3):  # strength: every day keeps a heavy lift, even after trimming
        if not any(_promote(day, rx, goal) for day in days):
            break
        short = Allocator(days, low, high, rx.max_sets, adder).run()

    weeks = []
    for number in (1, 2, 3, 4):
        sessions = []
        for i, (day, block) in enumerate(zip(days, blocks, strict=True)):
            groups = {g for d in day.items for g in d.exercise.groups}
            warm = pick_timed(("warmup",), warm_s, groups, profile, scores, catalogue, i)
            cool = pick_timed(("cooldown",), cool_s, groups, profile, scores, catalogue, i)
            items = tuple(_prescribe(d, number, rx, goal) for d in day.items)
            sessions.append(Session(day.weekday, day.template.focus, warm, items, cool, block))
        weeks.append(Week(number, number == 4, tuple(sessions)))
    notes = _notes(profile, cardio.note, blocks, short, days, scores, catalogue)
    return Plan(profile, tuple(weeks), tuple(notes), catalogue)


def _promote(day: DraftDay, rx: GoalRx, goal: str) -> bool:
    """For strength, make a loaded lift the main one when the day has none left (True if so)."""
    if goal != "strength":
        return False
    lifts = [d for d in day.items if d.exercise.pattern in COMPOUND_PATTERNS and not d.timed]
    if not lifts or any(d.role == "main" for d in lifts):
        return False
    fresh = make_draft(lifts[0].exercise, "main", rx, goal)
    lifts[0].role, lifts[0].set_s = "main", fresh.set_s
    return True


def _prescribe(d: Draft, week: int, rx: GoalRx, goal: str) -> Prescribed:
    role = d.role
    dose = _dose(rx, role, goal)
    base = min(week, 3) - 1
    if d.timed:
        low = high = dose.hold_s[0 if week == 4 else base]
    else:
        low, high = dose.reps[0 if week == 4 else base]
    rir = MOBILITY_RIR if role == "mobility" else DELOAD_RIR if week == 4 else RIR_BY_WEEK[base]
    sets = deload_sets(d.sets) if week == 4 else d.sets
    return Prescribed(d.exercise, role, sets, low, high, dose.rest_s, rir, d.timed)


def _notes(
    profile: Profile,
    cardio_note: Note | None,
    blocks: list[CardioBlock | None],
    short: dict[str, str],
    days: list[DraftDay],
    scores: UserScores,
    catalogue: Catalogue,
) -> list[Note]:
    goal = profile.goal or "general_health"
    rx = prescription(goal)
    notes = [Note(f"progression_{rx.progression}"), Note("deload"), Note("after")]
    if rx.cardio_target:
        minutes = sum(b.minutes * (2 if b.intensity == "vigorous" else 1) for b in blocks if b)
        if cardio_note is not None or minutes < rx.cardio_target:
            notes.append(Note("cardio_short", {"reached": minutes, "target": rx.cardio_target}))
        else:
            notes.append(Note("cardio_who", {"minutes": minutes}))
    else:
        notes.append(Note("who_reminder"))
    for reason in ("time", "exercises", "balance"):
        groups = [g for g, r in short.items() if r == reason]
        if groups:
            values = {"groups": groups, "reason": reason, "target": rx.volume[0]}
            notes.append(Note("volume_short", values))
    present = {d.exercise.pattern for day in days for d in day.items}
    possible = {e.pattern for e in scores.rank(catalogue.of_kind("strength"))}
    for side, patterns in (("push", PUSH_PATTERNS), ("pull", PULL_PATTERNS)):
        if not present & patterns:
            reason = "time" if possible & patterns else "exercises"
            notes.append(Note("no_side", {"side": side, "reason": reason}))
    if profile.conds:
        notes.append(Note("conditions", {"conditions": list(profile.conds)}))
    if "pregnancy" in profile.conds:
        notes.append(Note("pregnancy"))
    if "high_blood_pressure" in profile.conds:
        notes.append(Note("blood_pressure"))
    if profile.other_conditions:
        notes.append(Note("other_conditions", {"conditions": list(profile.other_conditions)}))
    if profile.level == "beginner":
        notes.append(Note("technique"))
    return notes
