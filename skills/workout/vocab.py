"""The fixed vocabularies of the workout skill and the rules that use only them.

The catalogue schema (``exercises.yaml``) names its patterns, muscles, equipment and conditions
from these tuples; the importer maps other vocabularies onto them; the planner and the validator
share :func:`is_safe` and :func:`has_equipment`, so "never an exercise the user cannot do" has one
definition.

Decisions:
    * Muscles roll up into *groups* for weekly volume. Rear delts count as back (they are trained
      by pulling), so a pull day never "trains the shoulders" the day after a push day.
    * A set counts once for every group that one of the exercise's *primary* muscles belongs to;
      secondary muscles do not count. This is the simple, conservative counting most programmes
      use, and it makes the numbers easy to check by hand.
    * High-impact moves (jumping, running, landing) are treated as unsafe for knee, ankle and hip
      problems and in pregnancy, whatever an entry's ``unsafe_for`` says: being conservative costs
      little, a bad landing costs a lot.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

PATTERNS: tuple[str, ...] = (
    "squat", "hinge", "lunge", "horizontal_push", "vertical_push", "horizontal_pull",
    "vertical_pull", "carry", "anti_extension", "anti_rotation", "rotation", "cardio",
    "plyometric", "mobility", "balance", "isolation",
)  # fmt: skip
MUSCLES: tuple[str, ...] = (
    "chest", "upper_back", "lats", "front_delts", "side_delts", "rear_delts", "biceps", "triceps",
    "forearms", "abs", "obliques", "lower_back", "glutes", "quads", "hamstrings", "adductors",
    "abductors", "calves", "hip_flexors", "neck",
)  # fmt: skip
EQUIPMENT: tuple[str, ...] = (
    "bodyweight", "dumbbell", "barbell", "rack", "bench", "kettlebell", "resistance_band", "cable",
    "machine", "pullup_bar", "box", "medicine_ball", "stability_ball", "suspension_trainer",
    "cardio_machine",
)  # fmt: skip
CONDITIONS: tuple[str, ...] = (
    "knee", "shoulder", "lower_back", "wrist", "ankle", "hip", "neck", "pregnancy",
    "high_blood_pressure",
)  # fmt: skip
LEVELS: tuple[str, ...] = ("beginner", "intermediate", "advanced")
KINDS: tuple[str, ...] = ("strength", "cardio", "mobility", "warmup", "cooldown")
IMPACTS: tuple[str, ...] = ("low", "high")
GOALS: tuple[str, ...] = (
    "fat_loss", "muscle", "strength", "endurance", "general_health", "mobility",
)  # fmt: skip

Goal = Literal["fat_loss", "muscle", "strength", "endurance", "general_health", "mobility"]
Level = Literal["beginner", "intermediate", "advanced"]

# Muscle -> group, for weekly volume and the "not on consecutive days" rule.
GROUP_OF: dict[str, str] = {
    "chest": "chest",
    "upper_back": "back",
    "lats": "back",
    "rear_delts": "back",
    "front_delts": "shoulders",
    "side_delts": "shoulders",
    "quads": "quads",
    "hamstrings": "hamstrings",
    "glutes": "glutes",
    "biceps": "biceps",
    "triceps": "triceps",
    "abs": "core",
    "obliques": "core",
    "lower_back": "lower_back",
    "calves": "calves",
    "adductors": "hips",
    "abductors": "hips",
    "hip_flexors": "hips",
    "forearms": "forearms",
    "neck": "neck",
}
# Groups whose weekly sets must fall in the goal's range.
MAJOR_GROUPS: tuple[str, ...] = ("chest", "back", "shoulders", "quads", "hamstrings", "glutes")
# Groups that must not be trained hard on consecutive days (fewer than 6 training days).
HARD_GROUPS: tuple[str, ...] = (*MAJOR_GROUPS, "biceps", "triceps")
PUSH_PATTERNS = frozenset({"horizontal_push", "vertical_push"})
PULL_PATTERNS = frozenset({"horizontal_pull", "vertical_pull"})
COMPOUND_PATTERNS = frozenset(
    {"squat", "hinge", "lunge", *PUSH_PATTERNS, *PULL_PATTERNS}
)  # multi-joint lifts that can be loaded heavily
HIGH_IMPACT_UNSAFE = frozenset({"knee", "ankle", "hip", "pregnancy"})
# Conditions for which only moderate cardio is planned (no vigorous intervals).
MODERATE_ONLY = frozenset({"pregnancy", "high_blood_pressure"})
LEVEL_RANK = {name: i for i, name in enumerate(LEVELS)}


def groups_of(muscles: Iterable[str]) -> tuple[str, ...]:
    """The distinct groups of some muscles, in first-seen order."""
    return tuple(dict.fromkeys(GROUP_OF[m] for m in muscles if m in GROUP_OF))


def has_equipment(needed: Iterable[str], available: Iterable[str]) -> bool:
    """True when every item in ``needed`` (``bodyweight`` aside) is in ``available``."""
    have = set(available) | {"bodyweight"}
    return all(item in have for item in needed)


def is_safe(unsafe_for: Iterable[str], impact: str, conditions: Iterable[str]) -> bool:
    """True when an exercise is safe for all of a person's conditions (see module docstring)."""
    conds = set(conditions)
    if conds & set(unsafe_for):
        return False
    return not (impact == "high" and conds & HIGH_IMPACT_UNSAFE)


def level_allowed(exercise_level: str, person_level: str) -> bool:
    """Beginners never get advanced exercises; otherwise one level above is allowed."""
    return LEVEL_RANK.get(exercise_level, 0) <= LEVEL_RANK.get(person_level, 0) + 1 and not (
        person_level == "beginner" and exercise_level == "advanced"
    )
