"""The parts of a session around the strength work: warm-up, cool-down and cardio minutes.

Decisions:
    * Warm-up and cool-down scale with the session: 5 + 4 minutes in a session of 45 minutes or
      more, down to 2 + 1 in a ten-minute one, so short sessions still start and end properly.
    * Cardio follows the WHO guideline for the goals that call for it (fat loss, general health,
      endurance): the weekly target is spread evenly over the training days, keeping at least
      30 % of each session's free time (20 % for endurance) for strength work. When moderate
      minutes cannot reach the target, vigorous minutes count double — but only for people who
      are not beginners and have no condition that calls for moderate effort (pregnancy, high
      blood pressure, a heart condition). Whatever is still missing is said in a note; the
      person's minutes are never exceeded.
    * The active-recovery day of a 7-day week gets easy cardio (moderate when the goal needs the
      minutes) and mobility work.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from skills.workout.catalogue import Catalogue, Exercise
from skills.workout.plan import Note, Timed
from skills.workout.prescription import CARDIO_GOALS, GoalRx
from skills.workout.profile import Profile
from skills.workout.recommender import UserScores
from skills.workout.split import DayTemplate
from skills.workout.vocab import MODERATE_ONLY, groups_of

MIN_BLOCK = 10  # shortest cardio block worth planning, minutes
INTERVAL_MOVES = re.compile(r"burpee|climber|jack|high_?knee|sprint|tuck|skater|jump")
RECOVERY_CARDIO = 20


def warmup_seconds(minutes: int) -> int:
    return 300 if minutes >= 30 else 180 if minutes >= 20 else 120


def cooldown_seconds(minutes: int) -> int:
    return 240 if minutes >= 45 else 180 if minutes >= 30 else 120 if minutes >= 20 else 60


def vigorous_ok(profile: Profile) -> bool:
    """Vigorous cardio is planned only for non-beginners without a moderate-only condition."""
    if profile.level == "beginner" or set(profile.conds) & MODERATE_ONLY:
        return False
    return "heart" not in profile.other_conditions


@dataclass(frozen=True)
class CardioPlan:
    minutes: tuple[int, ...]  # per training day, in week order
    intensities: tuple[str, ...]
    note: Note | None = None


def plan_cardio(
    profile: Profile, rx: GoalRx, templates: list[DayTemplate], vigorous_possible: bool = True
) -> CardioPlan:
    """Cardio minutes and intensity for each day of the week (see the module docstring).

    ``vigorous_possible`` is False when no allowed activity can be done vigorously.
    """
    m = profile.minutes
    free = (m * 60 - warmup_seconds(m) - cooldown_seconds(m)) // 60
    share = 0.2 if profile.goal == "endurance" else 0.3
    caps = []
    for t in templates:
        cap = int(free * (0.7 if t.focus == "recovery" else 1 - share))
        caps.append(cap if cap >= MIN_BLOCK else 0)
    need = rx.cardio_target if profile.goal in CARDIO_GOALS else 0
    recovery = [t.focus == "recovery" for t in templates]
    if need == 0:
        minutes = [min(c, RECOVERY_CARDIO) if r else 0 for c, r in zip(caps, recovery, strict=True)]
        intens = ["light" if r else "none" for r in recovery]
        return CardioPlan(tuple(minutes), tuple(intens))
    vigorous = vigorous_possible and vigorous_ok(profile) and sum(caps) < need
    factor = [1 if (r or not vigorous) else 2 for r in recovery]
    minutes = _spread(need, caps, factor)
    intens = ["moderate" if f == 1 else "vigorous" for f in factor]
    reached = sum(x * f for x, f in zip(minutes, factor, strict=True))
    note = None
    if reached < need:
        note = Note("cardio_short", {"reached": reached, "target": need, "vigorous": vigorous})
    return CardioPlan(tuple(minutes), tuple(intens), note)


def _spread(need: int, caps: list[int], factor: list[int]) -> list[int]:
    """Whole minutes per day, as even as the caps allow, reaching ``need`` if possible."""
    minutes = [0] * len(caps)
    open_days = [i for i, c in enumerate(caps) if c > 0]
    remaining = need
    while open_days and remaining > 0:
        per_day = math.ceil(remaining / sum(factor[i] for i in open_days))
        still_open = []
        for i in open_days:
            add = min(per_day, caps[i] - minutes[i])
            minutes[i] += add
            remaining -= add * factor[i]
            if minutes[i] < caps[i]:
                still_open.append(i)
        if remaining <= 0 or still_open == open_days:
            break
        open_days = still_open
    return [x if x >= MIN_BLOCK else 0 for x in minutes]


def pick_cardio(
    profile: Profile, scores: UserScores, catalogue: Catalogue, intensity: str, day: int = 0
) -> Exercise | None:
    """The best allowed activity for a continuous block at ``intensity``.

    Interval moves (burpees, mountain climbers, jumping jacks, sprints) are not planned as
    20-minute blocks when a steady activity is allowed; vigorous minutes need an activity of 6 MET
    or more, moderate ones prefer 3-6.5 MET (walking briskly, easy cycling, swimming). The two
    best options alternate from day to day (``day``), for variety.
    """
    options = [e for e in scores.rank(catalogue.of_kind("cardio")) if e.id not in profile.avoided]
    steady = [e for e in options if not INTERVAL_MOVES.search(e.id)]
    options = steady or options
    if intensity == "vigorous":
        options = [e for e in options if e.met >= 6.0]
    elif intensity in ("moderate", "light"):
        options = [e for e in options if 3.0 <= e.met < 6.5] or options
    return options[day % min(2, len(options))] if options else None


def pick_timed(
    kinds: tuple[str, ...],
    total_s: int,
    focus_groups: set[str],
    profile: Profile,
    scores: UserScores,
    catalogue: Catalogue,
    offset: int = 0,
) -> tuple[Timed, ...]:
    """Two or three warm-up (or cool-down) moves sharing ``total_s``, relevant to the day."""
    chosen: list[Exercise] = []
    for kind_group in (kinds, ("mobility",), ("cardio",)):
        pool = [
            e
            for e in scores.rank(catalogue.of_kind(*kind_group))
            if e.id not in profile.avoided and e not in chosen and e.impact == "low"
        ]
        # prefer moves for the muscles the day trains; rotate equals so that days differ
        n = max(1, len(pool))
        order = sorted(
            range(len(pool)),
            key=lambda i: (-len(set(groups_of(pool[i].primary)) & focus_groups), (i - offset) % n),
        )
        chosen += [pool[i] for i in order][: 3 - len(chosen)]
        if len(chosen) >= 2:
            break
    if not chosen:
        return ()
    count = max(1, min(len(chosen), total_s // 30))  # at least 30 s per move
    each = total_s // count
    items = [Timed(e, each) for e in chosen[:count]]
    items[0] = Timed(items[0].exercise, each + total_s - each * count)
    return tuple(items)
