"""Sets, reps, rest, effort, weekly volume and cardio targets by goal.

Sources for the numbers (summarised in our own words in the README):
    * ACSM position stand on progression models in resistance training (2009): heavy loads in the
      1-6 rep range with long rests for strength; moderate loads (about 6-12, up to 15) for muscle
      growth; light loads, 12-25 reps and short rests for local muscular endurance.
    * Schoenfeld et al. (2017) and Pelland et al. (2024) meta-analyses: roughly 10-20 weekly sets
      per muscle group for hypertrophy, with diminishing returns beyond that.
    * WHO guidelines on physical activity (2020): 150-300 minutes of moderate (or 75-150 of
      vigorous) aerobic activity a week, plus muscle strengthening of all major groups on 2+ days.

Decisions:
    * Weeks 1-3 progress and week 4 is a deload. Strength progresses by load (reps fall 5-4-3 as the
      weight rises); the other goals use double progression (reps climb to the top of the range,
      then the weight goes up and reps start again at the bottom).
    * Effort is given as RPE (10 minus reps in reserve): 7 in week 1, 8 in week 2, 9 in week 3,
      6 in the deload. Nobody is asked to train to failure.
    * The session-length estimate uses 3 seconds per repetition (twice for one-sided exercises)
      and the longest week's reps, so every week of the block fits the minutes asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from skills.workout.vocab import Goal

SECONDS_PER_REP = 3
MIN_WORK_S = 15
DELOAD_RIR = 4
RIR_BY_WEEK = (3, 2, 1)
CARDIO_GOALS = frozenset({"fat_loss", "general_health", "endurance"})
WHO_MODERATE_MIN = 150
WHO_MODERATE_MAX = 300


@dataclass(frozen=True)
class Dose:
    """What one exercise in a role gets: sets, reps by week (weeks 1-3), rest, and hold seconds."""

    sets: int
    reps: tuple[tuple[int, int], tuple[int, int], tuple[int, int]]
    rest_s: int
    hold_s: tuple[int, int, int] = (20, 30, 40)


@dataclass(frozen=True)
class GoalRx:
    """The prescription for one goal."""

    main: Dose
    secondary: Dose
    accessory: Dose
    volume: tuple[int, int]  # weekly sets per major muscle group
    max_sets: int  # per exercise per session
    cardio_target: int  # moderate-equivalent minutes a week (0: no cardio block)
    strength_share: float  # least share of the free session time kept for strength work
    progression: str  # "load" or "reps"

    def dose(self, role: str) -> Dose:
        if role == "main":
            return self.main
        if role == "secondary":
            return self.secondary
        return self.accessory


def _r(*weeks: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    a, b, c = weeks
    return (a, b, c)


PRESCRIPTIONS: dict[str, GoalRx] = {
    "strength": GoalRx(
        main=Dose(4, _r((5, 5), (4, 4), (3, 3)), 180),
        secondary=Dose(3, _r((6, 8), (6, 8), (6, 8)), 120),
        accessory=Dose(2, _r((8, 10), (8, 10), (8, 10)), 75),
        volume=(6, 15),
        max_sets=5,
        cardio_target=0,
        strength_share=1.0,
        progression="load",
    ),
    "muscle": GoalRx(
        main=Dose(3, _r((6, 8), (7, 9), (8, 10)), 120),
        secondary=Dose(3, _r((8, 10), (9, 11), (10, 12)), 90),
        accessory=Dose(3, _r((10, 12), (11, 13), (12, 15)), 60),
        volume=(10, 20),
        max_sets=5,
        cardio_target=0,
        strength_share=1.0,
        progression="reps",
    ),
    "endurance": GoalRx(
        main=Dose(2, _r((12, 15), (14, 17), (15, 20)), 45),
        secondary=Dose(2, _r((15, 20), (17, 22), (20, 25)), 40),
        accessory=Dose(2, _r((15, 20), (17, 22), (20, 25)), 30),
        volume=(4, 12),
        max_sets=4,
        cardio_target=200,
        strength_share=0.3,
        progression="reps",
    ),
    "fat_loss": GoalRx(
        main=Dose(3, _r((8, 10), (9, 11), (10, 12)), 75),
        secondary=Dose(2, _r((10, 12), (11, 13), (12, 15)), 60),
        accessory=Dose(2, _r((12, 15), (13, 15), (15, 15)), 45),
        volume=(6, 15),
        max_sets=4,
        cardio_target=WHO_MODERATE_MIN,
        strength_share=0.45,
        progression="reps",
    ),
    "general_health": GoalRx(
        main=Dose(2, _r((8, 10), (9, 11), (10, 12)), 90),
        secondary=Dose(2, _r((8, 10), (9, 11), (10, 12)), 75),
        accessory=Dose(2, _r((10, 12), (11, 13), (12, 15)), 60),
        volume=(4, 12),
        max_sets=4,
        cardio_target=WHO_MODERATE_MIN,
        strength_share=0.45,
        progression="reps",
    ),
    "mobility": GoalRx(
        main=Dose(2, _r((10, 12), (11, 13), (12, 15)), 60),
        secondary=Dose(2, _r((10, 12), (11, 13), (12, 15)), 45),
        accessory=Dose(2, _r((10, 12), (11, 13), (12, 15)), 45),
        volume=(2, 10),
        max_sets=3,
        cardio_target=0,
        strength_share=1.0,
        progression="reps",
    ),
}
# The rep range every non-timed strength exercise must stay in, by goal (checked by validate.py).
REP_RANGES: dict[str, tuple[int, int]] = {
    "strength": (1, 10),
    "muscle": (6, 15),
    "endurance": (12, 25),
    "fat_loss": (8, 15),
    "general_health": (8, 15),
    "mobility": (8, 15),
}
MAX_REST_S: dict[str, int] = {"endurance": 60}


def prescription(goal: Goal | str) -> GoalRx:
    """The prescription for ``goal`` (``general_health`` for anything unknown)."""
    return PRESCRIPTIONS.get(goal, PRESCRIPTIONS["general_health"])


def deload_sets(sets: int) -> int:
    """About half the sets, never fewer than one (3 -> 2, 4 -> 2, 5 -> 3)."""
    return max(1, (sets + 1) // 2)


def work_seconds(reps_high: int, timed: bool, per_side: bool) -> int:
    """Seconds of work in one set: reps x 3 s, or the hold; doubled for one-sided exercises."""
    base = reps_high if timed else reps_high * SECONDS_PER_REP
    return max(MIN_WORK_S, base) * (2 if per_side else 1)


def effort(rir: int) -> str:
    """Effort as RPE, e.g. ``RPE 8`` for two reps in reserve."""
    return f"RPE {10 - rir}"
