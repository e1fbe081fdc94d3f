"""The weekly split: which days train, what each day focuses on, and the slots it fills.

Days per week -> split:
    * 1-3: full body (A/B/C variations) on non-consecutive days;
    * 4: upper / lower, twice (Mon, Tue, Thu, Fri);
    * 5: push, pull, legs, upper, lower (Mon, Tue, Wed, Fri, Sat) - a hybrid that keeps every
      group off consecutive days;
    * 6: push, pull, legs, twice;
    * 7: push/pull/legs twice plus an active-recovery day (mobility and easy cardio).

Decisions:
    * Each day lists the muscle groups it may train hard (``allowed``); the planner never places
      an exercise whose primary muscles fall outside them, which is what keeps a group off
      consecutive days (the validator checks the result independently).
    * A slot names movement patterns in order of preference; the planner falls back to the next
      pattern when nothing fits the person's equipment and conditions.
    * For the mobility goal every session also gets mobility slots and fewer strength slots.
"""

from __future__ import annotations

from dataclasses import dataclass

from skills.workout.vocab import HARD_GROUPS

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SCHEDULE: dict[int, tuple[int, ...]] = {
    1: (0,),
    2: (0, 3),
    3: (0, 2, 4),
    4: (0, 1, 3, 4),
    5: (0, 1, 2, 4, 5),
    6: (0, 1, 2, 3, 4, 5),
    7: (0, 1, 2, 3, 4, 5, 6),
}
CORE = ("anti_extension", "anti_rotation", "rotation", "carry")


@dataclass(frozen=True)
class Slot:
    """A place in a session: movement patterns (preferred first), a role, target groups."""

    patterns: tuple[str, ...]
    role: str  # main | secondary | accessory | core | mobility
    groups: tuple[str, ...] = ()  # for isolation slots: the groups it should train


@dataclass(frozen=True)
class DayTemplate:
    """A session type: its focus key (labels live in prompts), allowed hard groups and slots."""

    focus: str
    allowed: frozenset[str]
    slots: tuple[Slot, ...]


def _s(patterns: str, role: str, groups: str = "") -> Slot:
    return Slot(tuple(patterns.split()), role, tuple(groups.split()))


ALL = frozenset(HARD_GROUPS)
UPPER = frozenset({"chest", "back", "shoulders", "biceps", "triceps"})
LOWER = frozenset({"quads", "hamstrings", "glutes"})
PUSH = frozenset({"chest", "shoulders", "triceps"})
PULL = frozenset({"back", "biceps"})

FULL_BODY_A = DayTemplate(
    "full_body_a",
    ALL,
    (
        _s("squat lunge", "main"),
        _s("horizontal_push vertical_push", "main"),
        _s("horizontal_pull vertical_pull", "main"),
        _s("hinge", "secondary"),
        _s("vertical_push horizontal_push", "secondary"),
        _s(" ".join(CORE), "core"),
    ),
)
FULL_BODY_B = DayTemplate(
    "full_body_b",
    ALL,
    (
        _s("hinge", "main"),
        _s("vertical_pull horizontal_pull", "main"),
        _s("vertical_push horizontal_push", "main"),
        _s("lunge squat", "secondary"),
        _s("horizontal_pull vertical_pull", "secondary"),
        _s("anti_rotation anti_extension rotation carry", "core"),
    ),
)
FULL_BODY_C = DayTemplate(
    "full_body_c",
    ALL,
    (
        _s("squat lunge", "main"),
        _s("horizontal_push vertical_push", "main"),
        _s("vertical_pull horizontal_pull", "main"),
        _s("hinge", "secondary"),
        _s("isolation", "accessory", "shoulders back"),
        _s("isolation", "accessory", "biceps triceps"),
        _s("carry anti_extension anti_rotation", "core"),
    ),
)
UPPER_DAY = DayTemplate(
    "upper",
    UPPER,
    (
        _s("horizontal_push vertical_push", "main"),
        _s("horizontal_pull vertical_pull", "main"),
        _s("vertical_push horizontal_push", "secondary"),
        _s("vertical_pull horizontal_pull", "secondary"),
        _s("isolation", "accessory", "shoulders"),
        _s("isolation", "accessory", "biceps"),
        _s("isolation", "accessory", "triceps"),
    ),
)
LOWER_DAY = DayTemplate(
    "lower",
    LOWER,
    (
        _s("squat lunge", "main"),
        _s("hinge", "main"),
        _s("lunge squat", "secondary"),
        _s("isolation hinge", "accessory", "hamstrings glutes"),
        _s("isolation", "accessory", "calves quads"),
        _s(" ".join(CORE), "core"),
    ),
)
PUSH_DAY = DayTemplate(
    "push",
    PUSH,
    (
        _s("horizontal_push", "main"),
        _s("vertical_push", "main"),
        _s("horizontal_push vertical_push", "secondary"),
        _s("isolation", "accessory", "shoulders"),
        _s("isolation", "accessory", "triceps chest"),
    ),
)
PULL_DAY = DayTemplate(
    "pull",
    PULL,
    (
        _s("vertical_pull horizontal_pull", "main"),
        _s("horizontal_pull vertical_pull", "main"),
        _s("horizontal_pull vertical_pull", "secondary"),
        _s("isolation", "accessory", "back"),
        _s("isolation", "accessory", "biceps"),
        _s("anti_extension anti_rotation", "core"),
    ),
)
LEGS_DAY = DayTemplate(
    "legs",
    LOWER,
    (
        _s("squat lunge", "main"),
        _s("hinge", "main"),
        _s("lunge squat", "secondary"),
        _s("isolation hinge", "accessory", "hamstrings glutes"),
        _s("isolation", "accessory", "quads calves"),
        _s(" ".join(CORE), "core"),
    ),
)
RECOVERY_DAY = DayTemplate(
    "recovery",
    frozenset(),
    tuple(_s("mobility", "mobility") for _ in range(4)),
)
FULL_BODY = (FULL_BODY_A, FULL_BODY_B, FULL_BODY_C)
PPL = (PUSH_DAY, PULL_DAY, LEGS_DAY)
SPLITS: dict[int, tuple[DayTemplate, ...]] = {
    1: (FULL_BODY_A,),
    2: FULL_BODY[:2],
    3: FULL_BODY,
    4: (UPPER_DAY, LOWER_DAY, UPPER_DAY, LOWER_DAY),
    5: (*PPL, UPPER_DAY, LOWER_DAY),
    6: (*PPL, *PPL),
    7: (*PPL, *PPL, RECOVERY_DAY),
}
MOBILITY_SLOTS = (
    _s("mobility", "mobility"),
    _s("mobility", "mobility"),
    _s("mobility", "mobility"),
)


def week_templates(days: int, goal: str) -> list[tuple[int, DayTemplate]]:
    """``(weekday, template)`` for each training day of the week (weekday 0 = Monday)."""
    days = min(7, max(1, days))
    out = []
    for weekday, template in zip(SCHEDULE[days], SPLITS[days], strict=True):
        if goal == "mobility" and template.focus != "recovery":
            strength = tuple(s for s in template.slots if s.role in ("main", "core"))[:4]
            template = DayTemplate(template.focus, template.allowed, strength + MOBILITY_SLOTS)
        out.append((weekday, template))
    return out


def consecutive(a: int, b: int) -> bool:
    """Whether weekdays ``a`` and ``b`` are next to each other (Sunday and Monday included)."""
    return (b - a) % 7 in (1, 6)
