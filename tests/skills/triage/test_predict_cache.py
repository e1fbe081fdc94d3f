"""Repeated predictions for one complaint (each follow-up answer) run the model once."""

from __future__ import annotations

from pathlib import Path

import pytest

from skills.triage import infer
from skills.triage.infer import Prediction, TriageModel


def test_repeated_predictions_come_from_a_bounded_cache(
    tiny_checkpoint: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = TriageModel.load(tiny_checkpoint)
    runs: list[str] = []
    real = model._predict

    def counting(text: str, beam: int, k: int) -> Prediction:
        runs.append(text)
        return real(text, beam, k)

    monkeypatch.setattr(model, "_predict", counting)
    monkeypatch.setattr(infer, "PREDICTION_CACHE_SIZE", 2)
    text = "sore throat and a fever"
    first = model.predict(text, k=5)
    assert model.predict(text, k=5) is first and runs == [text]
    assert len(model.predict(text, k=2).conditions) <= 2  # k is part of the key
    model.predict("a runny nose", k=5)  # evicts the oldest entry
    assert model.predict(text, k=5) == first and len(runs) == 4
