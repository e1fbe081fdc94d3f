"""Share out sets: fit each session's time, reach the weekly volume range, balance push and pull.

The planner hands over draft days (chosen exercises with starting sets and a time budget for
strength work). :func:`allocate` changes the sets, adds an exercise where a muscle group has too
little work, and reports the groups that could not reach the goal's range and why.

Decisions:
    * Time is a hard limit: sets are only ever added when they fit the session's budget, and
      :func:`fit_time` trims lowest-priority work first (core, accessories, then secondary lifts).
    * The upper end of the volume range and the push:pull ratio are hard limits too; the lower end
      is a target. A group that cannot reach it is reported with a reason — ``time`` (no room
      left), ``exercises`` (nothing safe with this equipment trains it) or ``balance`` (more
      would overload another group or tip the push:pull ratio) — and becomes a note in the plan.
    * Greedy, one set at a time, preferring sets that only help groups still under target; the
      numbers involved are tiny (a few dozen exercises), so clarity beats cleverness.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from skills.workout.catalogue import Exercise
from skills.workout.split import DayTemplate
from skills.workout.vocab import HARD_GROUPS, MAJOR_GROUPS, PULL_PATTERNS, PUSH_PATTERNS

RATIO_LOW, RATIO_HIGH = 0.75, 1.33
ROLE_RANK = {"main": 0, "mobility": 1, "secondary": 1, "accessory": 2, "core": 3}
MAX_ITEMS_PER_DAY = 9


@dataclass
class Draft:
    """An exercise being planned: its sets and the seconds one set takes (work + rest)."""

    exercise: Exercise
    role: str
    sets: int
    set_s: int
    timed: bool = False

    @property
    def side(self) -> str | None:
        if self.exercise.pattern in PUSH_PATTERNS:
            return "push"
        if self.exercise.pattern in PULL_PATTERNS:
            return "pull"
        return None

    @property
    def major(self) -> tuple[str, ...]:
        if self.exercise.kind != "strength":
            return ()
        return tuple(g for g in self.exercise.groups if g in MAJOR_GROUPS)


@dataclass
class DraftDay:
    weekday: int
    template: DayTemplate
    budget_s: int
    items: list[Draft] = field(default_factory=list)

    @property
    def used_s(self) -> int:
        return sum(d.sets * d.set_s for d in self.items)

    def room(self, seconds: int) -> bool:
        return self.used_s + seconds <= self.budget_s

    def allows(self, group: str) -> bool:
        return group in self.template.allowed or group not in HARD_GROUPS


# (day, group) -> candidate drafts (best first) that could be added to train ``group``
Adder = Callable[[DraftDay, str], Sequence[Draft]]


def fit_time(day: DraftDay) -> None:
    """Trim until the day fits its budget, lowest priority first: sets down to two, then whole
    exercises down to three, then single sets, then exercises (two sets of three exercises beat
    one set of six)."""
    while day.used_s > day.budget_s and day.items:
        order = sorted(
            range(len(day.items)), key=lambda i: (-ROLE_RANK.get(day.items[i].role, 2), -i)
        )
        victim = next((i for i in order if day.items[i].sets > 2), None)
        if victim is None and len(day.items) > 3:
            day.items.pop(order[0])
            continue
        if victim is None:
            victim = next((i for i in order if day.items[i].sets > 1), None)
        if victim is None:
            day.items.pop(order[0])
        else:
            day.items[victim].sets -= 1


def totals(days: Sequence[DraftDay]) -> dict[str, int]:
    out = dict.fromkeys(MAJOR_GROUPS, 0)
    for day in days:
        for d in day.items:
            for g in d.major:
                out[g] += d.sets
    return out


def push_pull(days: Sequence[DraftDay]) -> tuple[int, int]:
    push = sum(d.sets for day in days for d in day.items if d.side == "push")
    pull = sum(d.sets for day in days for d in day.items if d.side == "pull")
    return push, pull


def imbalance(push: int, pull: int) -> float:
    """How far the push:pull ratio is outside [0.75, 1.33] (0 when inside or both are zero)."""
    if push == 0 and pull == 0:
        return 0.0
    if push == 0 or pull == 0:
        return float(push + pull)
    ratio = push / pull
    return max(0.0, ratio - RATIO_HIGH, RATIO_LOW - ratio)


class Allocator:
    """The greedy loop (see the module docstring)."""

    def __init__(
        self, days: list[DraftDay], low: int, high: int, max_sets: int, adder: Adder
    ) -> None:
        self.days = days
        self.low = low
        self.high = high
        self.max_sets = max_sets
        self.adder = adder
        self.short: dict[str, str] = {}

    # ------------------------------------------------------------------ checks

    def _fits(self, day: DraftDay, d: Draft, extra: int, counts: dict[str, int]) -> bool:
        """Whether ``extra`` more sets of ``d`` keep time, the volume ceiling and the ratio."""
        if not day.room(extra * d.set_s):
            return False
        if any(counts[g] + extra > self.high for g in d.major):
            return False
        push, pull = push_pull(self.days)
        before = imbalance(push, pull)
        push += extra if d.side == "push" else 0
        pull += extra if d.side == "pull" else 0
        after = imbalance(push, pull)
        # a first set on one side is always allowed: the other side's turn comes next
        return after <= before or after == 0.0 or (push + pull) <= 2

    def _increment(self, group: str, counts: dict[str, int]) -> bool:
        best: tuple[tuple[int, int, int], DraftDay, Draft] | None = None
        for day in self.days:
            for d in day.items:
                if group not in d.major or d.sets >= self.max_sets:
                    continue
                if not self._fits(day, d, 1, counts):
                    continue
                satisfied = sum(counts[g] >= self.low for g in d.major)
                key = (satisfied, ROLE_RANK.get(d.role, 2), -(day.budget_s - day.used_s))
                if best is None or key < best[0]:
                    best = (key, day, d)
        if best is None:
            return False
        best[2].sets += 1
        return True

    def _add(self, group: str, counts: dict[str, int]) -> bool:
        for day in sorted(self.days, key=lambda dd: dd.used_s - dd.budget_s):
            if not day.allows(group) or len(day.items) >= MAX_ITEMS_PER_DAY:
                continue
            taken = {d.exercise.id for d in day.items}
            for cand in self.adder(day, group):
                if cand.exercise.id in taken:
                    continue
                for sets in (2, 1):
                    if self._fits(day, cand, sets, counts):
                        cand.sets = sets
                        day.items.append(cand)
                        return True
        return False

    def _reason(self, group: str) -> str:
        days = [day for day in self.days if day.allows(group)]
        if not any(self.adder(day, group) for day in days):
            return "exercises"
        spare = max((day.budget_s - day.used_s for day in days), default=0)
        return "time" if spare < 120 else "balance"

    def _decrement(self, pick: Callable[[Draft], bool]) -> bool:
        options = [(day, d) for day in self.days for d in day.items if pick(d)]
        if not options:
            return False
        day, d = max(options, key=lambda o: (o[1].sets, ROLE_RANK.get(o[1].role, 2)))
        d.sets -= 1
        if d.sets == 0:
            day.items.remove(d)
        return True

    # ------------------------------------------------------------------ loop

    def run(self) -> dict[str, str]:
        """Adjust the days in place; returns ``{group: reason}`` for groups left under target."""
        for day in self.days:
            fit_time(day)
        for _ in range(600):
            if not self._step():
                break
        self._final_balance()
        counts = totals(self.days)
        for group in MAJOR_GROUPS:
            if counts[group] < self.low and group not in self.short:
                self.short[group] = self._reason(group)
        return {g: r for g, r in self.short.items() if counts[g] < self.low}

    def _step(self) -> bool:
        counts = totals(self.days)
        over = [g for g in MAJOR_GROUPS if counts[g] > self.high]
        if over:
            return self._decrement(lambda d: over[0] in d.major)
        push, pull = push_pull(self.days)
        if imbalance(push, pull) > 0 and push and pull:
            heavy = "push" if push > pull else "pull"
            light = "pull" if heavy == "push" else "push"
            if self._grow_side(light, counts):
                return True
            return self._decrement(lambda d: d.side == heavy)
        for group in MAJOR_GROUPS:
            if counts[group] >= self.low or group in self.short:
                continue
            if self._increment(group, counts) or self._add(group, counts):
                return True
            if self._unblock(group, counts):
                return True
            self.short[group] = self._reason(group)
        return False

    def _grow_side(self, side: str, counts: dict[str, int]) -> bool:
        for day in self.days:
            for d in day.items:
                if d.side == side and d.sets < self.max_sets and self._fits(day, d, 1, counts):
                    d.sets += 1
                    return True
        return False

    def _unblock(self, group: str, counts: dict[str, int]) -> bool:
        """More work for ``group`` is blocked: grow the other side of the push:pull ratio, or
        free a full group by moving a set away from an exercise that does not train ``group``
        (glutes fill up from squats and hinges before the hamstrings reach their target)."""
        helpers = [d for day in self.days for d in day.items if group in d.major]
        for side in {d.side for d in helpers} - {None}:
            other = "pull" if side == "push" else "push"
            if self._grow_side(other, counts):
                return True
        if self._make_time(group, counts, helpers):
            return True
        full = {g for d in helpers for g in d.major if g != group and counts[g] >= self.high}
        for blocker in full:
            if self._decrement(
                lambda d, b=blocker: (
                    b in d.major  # type: ignore[misc]
                    and group not in d.major
                    and all(counts[g] - 1 >= self.low for g in d.major if g != b)
                    and d.side is None
                )
            ):
                return True
        return False

    def _make_time(self, group: str, counts: dict[str, int], helpers: list[Draft]) -> bool:
        """Time blocks ``group``: take a set from work that no under-target group needs (arms,
        core, calves, or a group above target) on a day where ``group`` is trained."""
        for day in self.days:
            mine = [d for d in day.items if d in helpers and d.sets < self.max_sets]
            if not mine or day.room(min(d.set_s for d in mine)):
                continue
            spare = [
                d
                for d in day.items
                if d not in helpers
                and d.sets > 1
                and d.side is None
                and all(counts[g] - 1 >= self.low for g in d.major)
            ]
            if spare:
                victim = max(spare, key=lambda d: (d.sets, ROLE_RANK.get(d.role, 2)))
                victim.sets -= 1
                return True
        return False

    def _final_balance(self) -> None:
        """Last resort: make sure neither side is missing, then trim the heavier side."""
        push, pull = push_pull(self.days)
        if (push == 0) != (pull == 0):
            missing = "pull" if pull == 0 else "push"
            if not self._add_side(missing):
                # nothing to balance with: drop the lone side rather than plan a lopsided week,
                # unless the person cannot do the other side at all (the plan then says so)
                if self._side_possible(missing):
                    for day in self.days:
                        day.items = [d for d in day.items if d.side is None]
                return
        for _ in range(200):
            push, pull = push_pull(self.days)
            if imbalance(push, pull) == 0 or not (push and pull):
                return
            heavy = "push" if push > pull else "pull"
            if not self._decrement(lambda d, h=heavy: d.side == h):  # type: ignore[misc]
                return

    def _side_candidates(self, day: DraftDay, side: str) -> list[Draft]:
        groups = ("back",) if side == "pull" else ("chest", "shoulders")
        return [c for g in groups for c in self.adder(day, g) if c.side == side]

    def _side_possible(self, side: str) -> bool:
        return any(self._side_candidates(day, side) for day in self.days)

    def _add_side(self, side: str) -> bool:
        counts = totals(self.days)
        for day in self.days:
            taken = {d.exercise.id for d in day.items}
            for cand in self._side_candidates(day, side):
                ok_volume = all(counts[g] + 1 <= self.high for g in cand.major)
                if cand.exercise.id not in taken and ok_volume and day.room(cand.set_s):
                    cand.sets = 1
                    day.items.append(cand)
                    return True
        return False
