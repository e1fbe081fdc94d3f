"""Collaborative filtering over exercise feedback: implicit ALS, with fold-in for new users.

Training uses the ``implicit`` library's alternating least squares (Hu, Koren and Volinsky, 2008)
on a users x exercises confidence matrix. A person in a live session is not in the training
matrix, so their vector is *folded in* at request time: one exact ALS user step against the
trained item factors (the same solve ``implicit`` does for ``recalculate_user``), in numpy.

Decisions:
    * Feedback values map to signed strengths (liked 4, done 2, too easy 1, too hard -1, skipped
      -2, disliked -4); a user's strengths for one exercise are summed. A positive sum becomes
      preference 1 with confidence ``1 + alpha * sum``, a negative one preference 0 with that
      confidence (``implicit`` reads a negative entry exactly so).
    * The checkpoint is a plain ``.npz`` (factors, item ids, popularity) plus a JSON model card,
      so loading it never unpickles anything.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

FEEDBACK_VALUES: tuple[str, ...] = ("done", "skipped", "liked", "disliked", "too_hard", "too_easy")
SIGNAL: dict[str, float] = {
    "liked": 4.0,
    "done": 2.0,
    "too_easy": 1.0,
    "too_hard": -1.0,
    "skipped": -2.0,
    "disliked": -4.0,
}
Array = NDArray[np.float32]


@dataclass(frozen=True)
class CFConfig:
    """Hyper-parameters (defaults tuned on the simulator, see benchmarks/recommender.py)."""

    factors: int = 24
    iterations: int = 15
    regularization: float = 0.1
    alpha: float = 2.0
    seed: int = 7


@dataclass
class CFModel:
    """Trained item factors and what fold-in needs."""

    item_ids: tuple[str, ...]
    item_factors: Array  # (n_items, factors)
    popularity: Array  # (n_items,) positive feedback counts
    config: CFConfig = field(default_factory=CFConfig)
    card: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._row = {item: i for i, item in enumerate(self.item_ids)}
        y = self.item_factors.astype(np.float64)
        self._yty = y.T @ y + self.config.regularization * np.eye(y.shape[1])

    def user_vector(self, feedback: Sequence[tuple[str, str]]) -> NDArray[np.float64] | None:
        """A person's factors from their own feedback (``None`` with no usable feedback)."""
        strengths = aggregate(feedback)
        rows = [(self._row[i], s) for i, s in strengths.items() if i in self._row and s != 0]
        if not rows:
            return None
        y = self.item_factors.astype(np.float64)
        a = self._yty.copy()
        b = np.zeros(y.shape[1])
        for row, strength in rows:
            confidence = 1.0 + self.config.alpha * abs(strength)
            a += (confidence - 1.0) * np.outer(y[row], y[row])
            if strength > 0:
                b += confidence * y[row]
        return np.asarray(np.linalg.solve(a, b), dtype=np.float64)

    def scores(self, feedback: Sequence[tuple[str, str]]) -> dict[str, float] | None:
        """CF score of every known exercise for a person, or ``None`` with no feedback."""
        vector = self.user_vector(feedback)
        if vector is None:
            return None
        values = self.item_factors.astype(np.float64) @ vector
        return {item: float(v) for item, v in zip(self.item_ids, values, strict=True)}

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            np.savez(
                fh,
                item_ids=np.array(self.item_ids),
                item_factors=self.item_factors,
                popularity=self.popularity,
                config=np.array(json.dumps(self.config.__dict__)),
            )
        path.with_suffix(".json").write_text(json.dumps(self.card, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> CFModel:
        with np.load(path, allow_pickle=False) as data:
            config = CFConfig(**json.loads(str(data["config"])))
            model = cls(
                item_ids=tuple(str(i) for i in data["item_ids"]),
                item_factors=data["item_factors"].astype(np.float32),
                popularity=data["popularity"].astype(np.float32),
                config=config,
            )
        card = path.with_suffix(".json")
        if card.is_file():
            model.card = json.loads(card.read_text(encoding="utf-8"))
        return model


def aggregate(feedback: Iterable[tuple[str, str]]) -> dict[str, float]:
    """Summed signal strength per exercise id (unknown feedback values are ignored)."""
    out: dict[str, float] = {}
    for item, value in feedback:
        if value in SIGNAL:
            out[item] = out.get(item, 0.0) + SIGNAL[value]
    return out


def train(
    feedback_by_user: Sequence[Sequence[tuple[str, str]]],
    item_ids: Sequence[str],
    config: CFConfig | None = None,
    on_iteration: Callable[[int], None] | None = None,
) -> CFModel:
    """Fit ALS on per-user feedback lists; ``on_iteration`` is called after each sweep."""
    from implicit.als import AlternatingLeastSquares
    from scipy.sparse import csr_matrix
    from threadpoolctl import threadpool_limits

    cfg = config or CFConfig()
    column = {item: i for i, item in enumerate(item_ids)}
    rows: list[int] = []
    cols: list[int] = []
    values: list[float] = []
    popularity = np.zeros(len(item_ids), dtype=np.float32)
    for u, feedback in enumerate(feedback_by_user):
        for item, strength in aggregate(feedback).items():
            if item not in column or strength == 0:
                continue
            rows.append(u)
            cols.append(column[item])
            values.append(float(np.sign(strength) * (1.0 + cfg.alpha * abs(strength))))
            popularity[column[item]] += strength > 0
    matrix = csr_matrix(
        (np.array(values, dtype=np.float32), (rows, cols)),
        shape=(max(1, len(feedback_by_user)), len(item_ids)),
    )

    def callback(iteration: int, elapsed: float, loss: float) -> None:
        if on_iteration is not None:
            on_iteration(iteration)

    with threadpool_limits(1):  # one BLAS thread: ALS is already the parallel loop
        model = AlternatingLeastSquares(
            factors=cfg.factors,
            regularization=cfg.regularization,
            alpha=1.0,  # confidences are already scaled above
            iterations=cfg.iterations,
            random_state=cfg.seed,
            num_threads=1,
            calculate_training_loss=False,
        )
        model.fit(matrix, show_progress=False, callback=callback)
    factors = np.asarray(model.item_factors, dtype=np.float32)
    return CFModel(tuple(item_ids), factors, popularity, cfg)
