"""Checkpoint round trip, the urgency rule, and the check path on the tiny checkpoint."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageFilter

from assistant.validation import InputError
from skills.image_check.data import CLASSES
from skills.image_check.infer import (
    ImageChecker,
    Predictor,
    load_checkpoint,
    save_checkpoint,
    urgency,
)
from tests.skills.image_check.photos import encode, skin_photo


def test_checkpoint_round_trip(tiny_checkpoint: Path, tmp_path: Path) -> None:
    predictor, record = load_checkpoint(tiny_checkpoint)
    assert predictor.classes == CLASSES and predictor.tta == 2
    assert record["config"]["widths"] == "8,16,16" and record["licence"].startswith("CC BY-NC")
    assert predictor.refusal is not None and "stats" in predictor.refusal
    images = torch.randint(0, 256, (4, 3, 28, 28), dtype=torch.uint8)
    before = predictor.probabilities(images)
    copy = tmp_path / "copy.pt"
    save_checkpoint(copy, predictor, record)
    again, _ = load_checkpoint(copy)
    assert np.allclose(again.probabilities(images), before, atol=1e-3)
    assert again.temperature == predictor.temperature
    assert again.refer_threshold == predictor.refer_threshold
    assert (tiny_checkpoint.parent / "MODEL_CARD.md").read_text().count("CC BY-NC 4.0") >= 1


def test_bad_checkpoints_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "missing.pt")
    other = tmp_path / "other.pt"
    torch.save({"format": "something-else"}, other)
    with pytest.raises(ValueError):
        load_checkpoint(other)


def test_urgency_rule() -> None:
    probs = dict.fromkeys(CLASSES, 0.0)
    assert urgency(probs | {"nv": 0.7, "mel": 0.3}, 0.25) == "doctor_2_weeks"
    assert urgency(probs | {"nv": 0.5, "bcc": 0.15, "akiec": 0.15}, 0.25) == "doctor_2_weeks"
    assert urgency(probs | {"nv": 0.95, "mel": 0.05}, 0.25) == "monitor"
    assert urgency(probs | {"nv": 0.8, "mel": 0.2}, 0.25) == "routine"
    assert urgency(probs | {"bkl": 0.9, "mel": 0.05}, 0.25) == "routine"


def test_check_a_photo_end_to_end(tiny_checkpoint: Path) -> None:
    checker = ImageChecker.load(tiny_checkpoint)
    checker.predictor.refusal = None  # the tiny model's refusal is not what is tested here
    result = checker.check(encode(skin_photo(3)))
    assert result.refused is None and result.urgency in ("doctor_2_weeks", "routine", "monitor")
    assert abs(sum(result.probabilities.values()) - 1) < 1e-4
    assert set(result.probabilities) == set(CLASSES) and len(result.ranked(3)) == 3
    assert result.heatmap_png is not None and result.heatmap_png.startswith(b"\x89PNG")
    body = result.to_json()
    assert body["top"] == result.top and body["refused"] is False
    assert {"decode", "quality", "network", "heatmap"} <= set(result.timings_ms)


def test_quality_problems_refuse_before_the_network(tiny_checkpoint: Path) -> None:
    checker = ImageChecker.load(tiny_checkpoint)
    blurry = Image.fromarray(skin_photo(4)).filter(ImageFilter.GaussianBlur(8))
    result = checker.check(encode(np.asarray(blurry)))
    assert result.refused == "too_blurry" and result.probabilities == {}
    assert result.heatmap_png is None and result.to_json()["top"] is None
    with pytest.raises(InputError):
        checker.check(b"\xff\xd8\xff\xe0 not really a jpeg")


def test_predictor_views_shapes(tiny_checkpoint: Path) -> None:
    predictor, _ = load_checkpoint(tiny_checkpoint)
    fmaps, pooled, logits = predictor.views(torch.zeros(3, 3, 28, 28, dtype=torch.uint8))
    assert fmaps.shape[:2] == (2, 3) and pooled.shape == (2, 3, 16) and logits.shape == (2, 3, 7)
    assert isinstance(predictor, Predictor)
