"""Rank exercises for a person: content-based on the profile, blended with collaborative filtering.

``Recommender(catalogue, model).for_user(profile, feedback)`` gives a :class:`UserScores` with a
score for every exercise the person may do (equipment, conditions, level); the planner ranks each
slot's candidates with it, and swaps pick the best alternative with it.

Decisions:
    * Content score = goal fit (what the goal asks of an exercise: heavy loading for strength,
      stable loading for muscle, energy cost for fat loss and endurance, low skill and impact
      for general health, gentleness for mobility) + level fit (below one's level costs little,
      as load scales the difficulty) + small bonuses for using more of the equipment the person
      owns and for exercises they said they like.
    * Both scores are z-normalised over the person's allowed exercises and blended as
      ``(1 - w) * content + w * cf`` with ``w = max_weight * n / (n + half)``, ``n`` being the
      person's feedback count: cold start is content only, and CF earns trust as feedback grows.
    * Ties break on catalogue order, so plans are deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from skills.workout.catalogue import Catalogue, Exercise
from skills.workout.cf import CFModel
from skills.workout.profile import Profile
from skills.workout.vocab import COMPOUND_PATTERNS, LEVEL_RANK, level_allowed

LOADABLE = {
    "barbell": 1.0,
    "dumbbell": 0.8,
    "kettlebell": 0.75,
    "machine": 0.75,
    "cable": 0.75,
    "resistance_band": 0.45,
    "suspension_trainer": 0.5,
    "medicine_ball": 0.5,
}


def allowed(ex: Exercise, profile: Profile) -> bool:
    """Whether the person may be given this exercise at all (hard constraints)."""
    return ex.allowed(profile.kit, profile.conds) and level_allowed(ex.level, profile.level)


def _loading(ex: Exercise) -> float:
    return max((LOADABLE.get(e, 0.35) for e in ex.equipment), default=0.35)


def goal_fit(ex: Exercise, goal: str) -> float:
    """How well an exercise serves a goal, 0..1 (see the module docstring)."""
    compound = ex.pattern in COMPOUND_PATTERNS
    energy = min(1.0, ex.met / 8.0)
    if ex.kind in ("mobility", "cooldown", "warmup"):
        return 1.0 if goal == "mobility" else 0.6
    if goal == "strength":
        return _loading(ex) * (1.0 if compound else 0.6)
    if goal == "muscle":
        return 0.5 + 0.5 * _loading(ex)
    if goal in ("fat_loss", "endurance"):
        return 0.6 * energy + (0.3 if compound else 0.1) + (0.1 if ex.kind == "cardio" else 0)
    if goal == "mobility":
        return 0.9 if ex.impact == "low" and ex.level == "beginner" else 0.5
    easy = 1.0 - 0.3 * LEVEL_RANK.get(ex.level, 0)
    return 0.6 * easy + (0.4 if ex.impact == "low" else 0.1)


def level_fit(ex: Exercise, level: str) -> float:
    gap = LEVEL_RANK.get(ex.level, 0) - LEVEL_RANK.get(level, 0)
    # below one's level is fine (load scales the difficulty); above it is a stretch
    return {0: 1.0, -1: 0.9, -2: 0.75, 1: 0.45}.get(gap, 0.2)


def content_score(ex: Exercise, profile: Profile) -> float:
    """The content-based score of one exercise for a profile (higher is better)."""
    score = 0.6 * goal_fit(ex, profile.goal or "general_health") + 0.4 * level_fit(
        ex, profile.level
    )
    owned = set(profile.equipment or ())
    score += min(0.2, 0.08 * sum(e in owned for e in ex.equipment))
    if ex.id in profile.likes:
        score += 0.4
    if ex.id in profile.swaps.values():
        score += 0.6
    if profile.conds and ex.impact == "low":
        score += 0.05
    return score


def _z(values: np.ndarray) -> np.ndarray:
    std = float(values.std())
    return (values - values.mean()) / std if std > 1e-9 else np.zeros_like(values)


@dataclass(frozen=True)
class UserScores:
    """Blended scores for one person over the exercises they may do."""

    scores: dict[str, float]
    content: dict[str, float]
    cf: dict[str, float] | None
    weight: float

    def score(self, ex: Exercise) -> float:
        return self.scores.get(ex.id, float("-inf"))

    def rank(self, exercises: Iterable[Exercise]) -> list[Exercise]:
        """Allowed exercises, best first (unallowed ones are dropped)."""
        items = [e for e in exercises if e.id in self.scores]
        return sorted(items, key=lambda e: -self.scores[e.id])


class Recommender:
    """Content + collaborative ranking over one catalogue."""

    def __init__(
        self,
        catalogue: Catalogue,
        model: CFModel | None = None,
        half_feedback: float = 8.0,
        max_weight: float = 0.7,
    ) -> None:
        self.catalogue = catalogue
        self.model = model
        self.half_feedback = half_feedback
        self.max_weight = max_weight

    def weight(self, n_feedback: int) -> float:
        """CF weight for a person with ``n_feedback`` feedback events (0 without a model)."""
        if self.model is None or n_feedback <= 0:
            return 0.0
        return self.max_weight * n_feedback / (n_feedback + self.half_feedback)

    def for_user(
        self,
        profile: Profile,
        feedback: Sequence[tuple[str, str]] = (),
        mode: str = "hybrid",
    ) -> UserScores:
        """Scores for every allowed exercise. ``mode``: hybrid, content, cf or popularity."""
        items = [e for e in self.catalogue if allowed(e, profile)]
        ids = [e.id for e in items]
        content = np.array([content_score(e, profile) for e in items], dtype=np.float64)
        cf_raw = self.model.scores(feedback) if self.model is not None else None
        cf = np.array([cf_raw.get(i, 0.0) for i in ids]) if cf_raw is not None else None
        w = self.weight(len(feedback)) if cf is not None else 0.0
        if mode == "content" or (mode == "hybrid" and cf is None):
            blended = _z(content)
        elif mode == "cf":
            blended = _z(cf) if cf is not None else np.zeros(len(ids))
        elif mode == "popularity":
            blended = self._popularity(ids)
        else:
            assert cf is not None
            blended = (1.0 - w) * _z(content) + w * _z(cf)
        # a vanishing tie-breaker on catalogue order keeps rankings deterministic
        order = np.array([self.catalogue.index[i] for i in ids], dtype=np.float64)
        blended = blended - order * 1e-9
        return UserScores(
            scores=dict(zip(ids, blended.tolist(), strict=True)),
            content=dict(zip(ids, content.tolist(), strict=True)),
            cf=dict(zip(ids, cf.tolist(), strict=True)) if cf is not None else None,
            weight=w if mode == "hybrid" else float(mode == "cf"),
        )

    def _popularity(self, ids: list[str]) -> np.ndarray:
        if self.model is None:
            return np.zeros(len(ids))
        row = {item: i for i, item in enumerate(self.model.item_ids)}
        return np.array(
            [float(self.model.popularity[row[i]]) if i in row else 0.0 for i in ids],
            dtype=np.float64,
        )


def alternatives(
    current: Exercise, scores: UserScores, catalogue: Catalogue, exclude: Iterable[str] = ()
) -> list[Exercise]:
    """Replacements for ``current``: same pattern and overlapping primary muscles, best first.

    Falls back to the same pattern alone, then to any exercise sharing a primary muscle group.
    """
    skip = {current.id, *exclude}
    pool = [e for e in catalogue if e.id not in skip and e.kind == current.kind]
    same = [e for e in pool if e.pattern == current.pattern]
    tiers = (
        [e for e in same if set(e.primary) & set(current.primary)],
        same,
        [e for e in pool if set(e.groups) & set(current.groups)],
    )
    for tier in tiers:
        ranked = scores.rank(tier)
        if ranked:
            return ranked
    return []


def easier(current: Exercise, scores: UserScores, catalogue: Catalogue) -> list[Exercise]:
    """Easier replacements: the catalogue's regression first, then lower-level alternatives."""
    options = [e for e in alternatives(current, scores, catalogue) if _harder(current, e)]
    reg = catalogue.get(current.regression or "")
    if reg is not None and reg.id in scores.scores:
        options = [reg, *[e for e in options if e.id != reg.id]]
    return options


def harder(current: Exercise, scores: UserScores, catalogue: Catalogue) -> list[Exercise]:
    """Harder replacements: the progression first, then higher-level alternatives."""
    options = [e for e in alternatives(current, scores, catalogue) if _harder(e, current)]
    prog = catalogue.get(current.progression or "")
    if prog is not None and prog.id in scores.scores:
        options = [prog, *[e for e in options if e.id != prog.id]]
    return options


def _harder(a: Exercise, b: Exercise) -> bool:
    """``a`` is at a higher level than ``b``."""
    return LEVEL_RANK.get(a.level, 0) > LEVEL_RANK.get(b.level, 0)
