"""The committed checkpoint: size and contents, refusals of constructed non-skin pictures at full
size, and the full-resolution HAM10000 sample photos through the user's path."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest
from PIL import Image

from skills.image_check import ood
from skills.image_check.data import CLASSES
from skills.image_check.infer import ImageChecker, load_checkpoint
from tests.skills.image_check.conftest import HAM_SAMPLE, REAL_CHECKPOINT, needs_sample
from tests.skills.image_check.photos import encode, skin_photo

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def checker() -> ImageChecker:
    return ImageChecker.load(REAL_CHECKPOINT)


def _skin() -> Image.Image:
    """A real full-size photo when the sample is present, a generated one otherwise."""
    files = sorted(HAM_SAMPLE.glob("nv/*.jpg")) if HAM_SAMPLE.is_dir() else []
    if files:
        return Image.open(files[0]).convert("RGB")
    return Image.fromarray(skin_photo(1))


def test_committed_checkpoint_is_small_and_complete() -> None:
    assert REAL_CHECKPOINT.stat().st_size <= 10 * 1024 * 1024
    predictor, record = load_checkpoint(REAL_CHECKPOINT)
    assert predictor.classes == CLASSES and predictor.tta == 8
    assert 0.2 < predictor.temperature < 5 and 0 < predictor.refer_threshold < 1
    assert predictor.refusal is not None and predictor.refusal["method"] in (
        "energy",
        "mahalanobis",
    )
    assert record["licence"].startswith("CC BY-NC 4.0") and record["history"]
    card = (REAL_CHECKPOINT.parent / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "CC BY-NC 4.0" in card and "Not a diagnosis" in card and "Test split" in card


def test_constructed_non_skin_pictures_are_refused(checker: ImageChecker) -> None:
    rng = random.Random(5)
    refused: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for i in range(6):
        for kind in ("noise", "flat", "gradient", "text", "shapes"):
            picture = ood.draw(kind, rng, 480, 360)
            total[kind] += 1
            refused[kind] += checker.check(encode(np.asarray(picture))).refused is not None
        for kind in ("blurred", "dark", "overexposed"):
            picture = ood.spoil(_skin(), kind, random.Random(i))
            total[kind] += 1
            refused[kind] += checker.check(encode(np.asarray(picture))).refused is not None
    rates = {k: refused[k] / total[k] for k in total}
    assert sum(refused.values()) / sum(total.values()) >= 0.9, rates
    for kind in ("flat", "gradient", "blurred", "dark", "overexposed"):
        assert rates[kind] == 1.0, rates  # caught by the quality checks, always


@needs_sample
def test_full_size_sample_photos_through_the_users_path(checker: ImageChecker) -> None:
    files = sorted(HAM_SAMPLE.glob("*/*.jpg"))
    assert len(files) == 70
    judged, correct, referred, cancers = 0, 0, 0, 0
    for file in files:
        truth = file.parent.name
        result = checker.check(file.read_bytes())
        assert result.quality is not None and result.quality.width == 600
        if result.refused:
            continue
        judged += 1
        correct += result.top == truth
        assert result.heatmap_png is not None
        if truth in ("mel", "bcc", "akiec"):
            cancers += 1
            referred += result.urgency == "doctor_2_weeks"
    assert judged >= 60  # real dermatoscopic photos are rarely refused
    assert correct / judged > 0.4  # 7 balanced classes: chance is 0.14
    assert referred / max(1, cancers) >= 0.6
