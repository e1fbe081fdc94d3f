"""Synthetic users with hidden preferences, their feedback, and the offline evaluation.

Each simulated user has a random profile (goal, level, equipment, conditions) and a hidden
utility for every exercise they may do:

    utility = fit(exercise, profile) + taste(archetype, exercise) + noise

* ``fit`` is what a coach would expect from the profile (heavy compound lifts for strength,
  energetic moves for fat loss, gentle ones for general health...). It is written here
  independently of the recommender's content score, which only approximates it.
* ``taste`` is shared by the users of one of eight hidden *archetypes* (some love kettlebells,
  some hate lunges...): a preference over exercise features plus an item-specific part that no
  feature explains. Only collaborative filtering can learn it, and only from other users.

Users are shown exercises the way the planner shows them (mostly well-ranked ones, some
exploration) and give feedback by utility: the top fifth ``liked``, then ``done``, then
``skipped`` (or ``too_hard`` / ``too_easy`` when the level does not match), the bottom quarter
``disliked``.

Evaluation: 80 % of users train the CF model; each remaining user's feedback is their history
(folded in), and the exercises they were never shown but would *like* (top 10 % utility) are
the relevant items. Every method ranks the same candidates (allowed, not yet shown), and we
report NDCG@10 and hit rate@10 for popularity, content only, collaborative only and hybrid.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from skills.workout.catalogue import Catalogue, Exercise
from skills.workout.cf import CFConfig, train
from skills.workout.profile import Profile
from skills.workout.recommender import Recommender, allowed, content_score
from skills.workout.vocab import (
    COMPOUND_PATTERNS,
    CONDITIONS,
    EQUIPMENT,
    GOALS,
    KINDS,
    LEVEL_RANK,
    LEVELS,
    PATTERNS,
)

ARCHETYPES = 8
K = 10
METHODS = ("popularity", "content", "cf", "hybrid")
KITS = (
    (),
    ("dumbbell",),
    ("dumbbell", "bench"),
    ("resistance_band",),
    ("kettlebell",),
    ("dumbbell", "bench", "pullup_bar", "resistance_band"),
    ("barbell", "rack", "bench", "dumbbell"),
    tuple(e for e in EQUIPMENT if e != "bodyweight"),
)


@dataclass
class SimUser:
    """A synthetic person: a profile, a hidden archetype and hidden utilities (-inf: not allowed)."""

    profile: Profile
    archetype: int
    utility: np.ndarray
    feedback: list[tuple[str, str]]


def features(ex: Exercise) -> np.ndarray:
    """A fixed feature vector of an exercise (pattern, equipment, kind, impact, level, MET)."""
    vec = [float(ex.pattern == p) for p in PATTERNS]
    vec += [float(e in ex.equipment) for e in EQUIPMENT]
    vec += [float(ex.kind == k) for k in KINDS]
    vec += [float(ex.impact == "high"), LEVEL_RANK.get(ex.level, 0) / 2, float(ex.unilateral)]
    vec.append(min(1.0, ex.met / 10))
    return np.array(vec)


def true_fit(ex: Exercise, profile: Profile) -> float:
    """What the profile implies about liking an exercise (hidden; see the module docstring)."""
    goal = profile.goal
    compound = ex.pattern in COMPOUND_PATTERNS
    loaded = any(
        e in ex.equipment for e in ("barbell", "dumbbell", "kettlebell", "machine", "cable")
    )
    fit = {
        "strength": 0.8 * compound + 0.6 * loaded,
        "muscle": 0.4 * compound + 0.5 * loaded + 0.3 * (ex.pattern == "isolation"),
        "fat_loss": ex.met / 7 + 0.3 * compound,
        "endurance": ex.met / 6 + 0.2 * (ex.kind == "cardio"),
        "general_health": 0.6 * (ex.impact == "low") + 0.4 * (ex.level == "beginner"),
        "mobility": 0.8 * (ex.kind in ("mobility", "cooldown", "warmup"))
        + 0.3 * (ex.impact == "low"),
    }.get(goal or "", 0.0)
    gap = LEVEL_RANK.get(ex.level, 0) - LEVEL_RANK.get(profile.level, 0)
    return float(fit) - 0.4 * max(0, gap) - 0.15 * max(0, -gap)


class World:
    """The catalogue, the archetypes' tastes, and a random generator."""

    def __init__(self, catalogue: Catalogue, seed: int = 7) -> None:
        self.catalogue = catalogue
        self.items = list(catalogue)
        self.rng = np.random.default_rng(seed)
        feats = np.stack([features(e) for e in self.items])
        weights = self.rng.normal(0, 1.0, size=(ARCHETYPES, feats.shape[1]))
        taste = feats @ weights.T / math.sqrt(feats.shape[1]) * 2.0  # (items, archetypes)
        taste += self.rng.normal(0, 0.9, size=taste.shape)  # what no feature explains
        self.taste = (taste - taste.mean(0)) / taste.std(0)

    def user(self) -> SimUser:
        rng = self.rng
        conds = tuple(
            c for c in CONDITIONS if rng.random() < (0.12 if c in ("knee", "lower_back") else 0.04)
        )
        profile = Profile(
            goal=str(rng.choice(GOALS)),
            experience=str(rng.choice(LEVELS, p=[0.45, 0.35, 0.2])),
            days_per_week=3,
            minutes_per_session=45,
            equipment=KITS[int(rng.integers(len(KITS)))],
            conditions=conds,
        )
        archetype = int(rng.integers(ARCHETYPES))
        utility = np.full(len(self.items), -np.inf)
        for i, ex in enumerate(self.items):
            if allowed(ex, profile):
                noise = rng.normal(0, 0.3)
                utility[i] = true_fit(ex, profile) + self.taste[i, archetype] + noise
        return SimUser(profile, archetype, utility, [])

    def give_feedback(self, user: SimUser, shown: int | None = None) -> None:
        """Show the user some exercises and record their feedback (see the module docstring)."""
        rng = self.rng
        ok = np.flatnonzero(np.isfinite(user.utility))
        if len(ok) < 5:
            return
        count = min(len(ok) // 2, shown or int(rng.integers(12, 36)))
        content = np.array([content_score(self.items[i], user.profile) for i in ok])
        weights = np.exp(2.0 * (content - content.max()))
        weights = 0.6 * weights / weights.sum() + 0.4 / len(ok)  # mostly planned, some exploration
        picks = rng.choice(ok, size=count, replace=False, p=weights / weights.sum())
        values = user.utility[ok]
        high, mid, low = np.quantile(values, [0.8, 0.5, 0.25])
        level = LEVEL_RANK.get(user.profile.level, 0)
        for i in picks:
            ex, u = self.items[i], user.utility[i]
            gap = LEVEL_RANK.get(ex.level, 0) - level
            if u >= high:
                value = "liked"
            elif u >= mid:
                value = "done"
            elif u < low:
                value = "disliked"
            elif gap > 0 and rng.random() < 0.6:
                value = "too_hard"
            elif gap < 0 and rng.random() < 0.4:
                value = "too_easy"
            else:
                value = "skipped"
            user.feedback.append((ex.id, value))


def simulate_feedback(
    catalogue: Catalogue, users: int, seed: int = 7
) -> list[list[tuple[str, str]]]:
    """Feedback lists of ``users`` simulated people (for ``vita train workout --simulate``)."""
    world = World(catalogue, seed)
    out = []
    for _ in range(users):
        user = world.user()
        world.give_feedback(user)
        out.append(user.feedback)
    return out


def _ndcg_hit(ranked: Sequence[int], relevant: set[int]) -> tuple[float, float]:
    gains = [1.0 / math.log2(r + 2) for r, i in enumerate(ranked[:K]) if i in relevant]
    ideal = sum(1.0 / math.log2(r + 2) for r in range(min(K, len(relevant))))
    return (sum(gains) / ideal if ideal else 0.0), float(bool(gains))


def evaluate(
    catalogue: Catalogue,
    users: int = 1200,
    seed: int = 7,
    config: CFConfig | None = None,
    progress: bool = False,
    on_step: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """Offline metrics of the four methods (see the module docstring)."""
    world = World(catalogue, seed)
    people = [world.user() for _ in range(users)]
    for person in people:
        world.give_feedback(person)
    cut = int(users * 0.8)
    train_users, test_users = people[:cut], people[cut:]
    ids = [e.id for e in world.items]
    model = train([u.feedback for u in train_users], ids, config or CFConfig(seed=seed))
    rec = Recommender(catalogue, model)
    index = {e.id: i for i, e in enumerate(world.items)}
    sums = {m: [0.0, 0.0] for m in (*METHODS, "hybrid_cold")}
    counted = 0
    bar = _bar(progress, len(test_users))
    for n, person in enumerate(test_users):
        seen = {index[i] for i, _ in person.feedback}
        ok = np.isfinite(person.utility)
        cutoff = np.quantile(person.utility[ok], 0.9) if ok.any() else np.inf
        relevant = {
            int(i) for i in np.flatnonzero(ok) if i not in seen and person.utility[i] >= cutoff
        }
        if relevant:
            counted += 1
            for method in METHODS:
                scores = rec.for_user(person.profile, person.feedback, mode=method)
                ranked = [index[e.id] for e in scores.rank(world.items) if index[e.id] not in seen]
                ndcg, hit = _ndcg_hit(ranked, relevant)
                sums[method][0] += ndcg
                sums[method][1] += hit
            cold = rec.for_user(person.profile, (), mode="hybrid")
            ranked = [index[e.id] for e in cold.rank(world.items) if index[e.id] not in seen]
            ndcg, hit = _ndcg_hit(ranked, relevant)
            sums["hybrid_cold"][0] += ndcg
            sums["hybrid_cold"][1] += hit
        if bar is not None:
            bar(n + 1)
        if on_step is not None:
            on_step("evaluate", n + 1, len(test_users))
    events = sum(len(u.feedback) for u in people)
    return {
        "users": users,
        "train_users": cut,
        "test_users": counted,
        "feedback_events": events,
        "mean_history": round(float(np.mean([len(u.feedback) for u in test_users])), 1),
        "k": K,
        "metrics": {
            m: {
                "ndcg": round(s[0] / max(1, counted), 4),
                "hit_rate": round(s[1] / max(1, counted), 4),
            }
            for m, s in sums.items()
        },
    }


def _bar(enabled: bool, total: int) -> Callable[[int], None] | None:
    if not enabled:
        return None
    from rich.progress import Progress

    progress = Progress(transient=True)
    progress.start()
    task = progress.add_task("evaluating", total=total)

    def update(done: int) -> None:
        progress.update(task, completed=done)
        if done >= total:
            progress.stop()

    return update


def metrics_table(result: dict[str, Any]) -> str:
    """A Markdown table of the metrics (used by the CLI and the benchmark)."""
    names = {
        "popularity": "Popularity",
        "content": "Content only",
        "cf": "Collaborative only (ALS)",
        "hybrid": "Hybrid (content + ALS)",
        "hybrid_cold": "Hybrid, cold start (no history = content)",
    }
    lines = [f"| Method | NDCG@{result['k']} | Hit rate@{result['k']} |", "|---|---:|---:|"]
    for key, label in names.items():
        m = result["metrics"][key]
        lines.append(f"| {label} | {m['ndcg']:.3f} | {m['hit_rate']:.3f} |")
    return "\n".join(lines)
