"""``vita train workout``: fit the collaborative-filtering model and write it with its model card.

Usage: ``vita train workout [--simulate USERS] [--factors 24] [--iterations 15] [--seed 7]
[-o FILE]``. Without ``--simulate`` it learns from the feedback stored by the chat
(``<data_dir>/workout/feedback.sqlite3``) and refuses when there is too little of it; with
``--simulate N`` it learns from N synthetic users (:mod:`skills.workout.simulate`), which is what
a fresh installation can do before it has real feedback.

The model goes to ``workout_model`` (default ``<data_dir>/workout/cf.npz``) with a JSON model card
beside it (data, size, hyper-parameters, date, licence of the data). The skill loads it at warm-up;
a running server picks up a new model on restart.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from assistant.config import Settings
from skills.workout.catalogue import load_catalogue
from skills.workout.cf import CFConfig, CFModel, train
from skills.workout.feedback import FeedbackStore
from skills.workout.service import feedback_path, model_path

MIN_EVENTS = 50
MIN_USERS = 5


class TrainError(RuntimeError):
    """Training cannot start (too little feedback, unreadable catalogue...)."""


def train_model(
    settings: Settings,
    simulate: int | None = None,
    factors: int = 24,
    iterations: int = 15,
    seed: int = 7,
    output: Path | None = None,
    progress: bool = True,
) -> tuple[Path, dict[str, Any]]:
    """Train and save the model; returns its path and model card."""
    catalogue = load_catalogue(settings.workout_catalogue or None)
    if simulate is not None:
        if not 10 <= simulate <= 1_000_000:
            raise TrainError("--simulate takes between 10 and 1,000,000 users")
        from skills.workout.simulate import simulate_feedback

        lists = simulate_feedback(catalogue, simulate, seed)
        source, licence = f"{simulate} simulated users (skills/workout/simulate.py)", "synthetic"
    else:
        store = FeedbackStore(feedback_path(settings))
        try:
            lists = list(store.by_user().values())
        finally:
            store.close()
        events = sum(len(x) for x in lists)
        if events < MIN_EVENTS or len(lists) < MIN_USERS:
            raise TrainError(
                f"only {events} feedback events from {len(lists)} users are stored "
                f"(need {MIN_EVENTS} from {MIN_USERS}); chat more, or use --simulate USERS"
            )
        source, licence = "feedback stored by this installation", "the installation's own data"
    config = CFConfig(factors=factors, iterations=iterations, seed=seed)
    model = _fit(lists, [e.id for e in catalogue], config, progress)
    card = {
        "model": "implicit ALS (Hu, Koren & Volinsky 2008) with fold-in for new users",
        "data": source,
        "data_licence": licence,
        "users": len(lists),
        "events": sum(len(x) for x in lists),
        "items": len(catalogue),
        "catalogue": catalogue.source,
        "config": config.__dict__,
        "date": dt.date.today().isoformat(),
        "evaluation": "see BENCHMARKS.md, 'Workout recommender' (make bench)",
    }
    model.card = card
    path = output or model_path(settings)
    model.save(path)
    return path, card


def _fit(lists: Any, ids: list[str], config: CFConfig, progress: bool) -> CFModel:
    if not progress:
        return train(lists, ids, config)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("ALS"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns) as bar:
        task = bar.add_task("training", total=config.iterations)
        return train(lists, ids, config, on_iteration=lambda i: bar.update(task, completed=i + 1))
