"""Image-check fixtures: a synthetic data set, a tiny checkpoint trained on it, photo paths.

The tiny checkpoint is trained for a few seconds on coloured blobs, so the fast tests exercise
the real training, calibration, refusal and checkpoint code without the DermaMNIST files. Tests
of the committed checkpoint are marked ``model``; tests that read ``../shared/data`` skip with a
reason when it is absent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.config import Settings
from assistant.testing import settings_for_tests
from skills.image_check.options import DEFAULT_CHECKPOINT, TrainConfig
from tests.conftest import SHARED_DATA
from tests.skills.image_check.photos import synthetic_npz_arrays

DERMAMNIST = SHARED_DATA / "dermamnist"
HAM_SAMPLE = SHARED_DATA / "ham10000_sample"
REAL_CHECKPOINT = DEFAULT_CHECKPOINT

needs_dermamnist = pytest.mark.skipif(
    not (DERMAMNIST / "labels.csv").is_file(), reason=f"DermaMNIST not found at {DERMAMNIST}"
)
needs_sample = pytest.mark.skipif(
    not HAM_SAMPLE.is_dir(), reason=f"HAM10000 sample photos not found at {HAM_SAMPLE}"
)


@pytest.fixture(scope="session")
def synthetic_npz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A MedMNIST-layout .npz of coloured 28x28 blobs (train 16, val 6, test 6 per class)."""
    path = tmp_path_factory.mktemp("npz") / "dermamnist.npz"
    arrays: dict[str, Any] = {}
    for split, count, seed in (("train", 16, 1), ("val", 6, 2), ("test", 6, 3)):
        images, labels = synthetic_npz_arrays(count, seed)
        arrays[f"{split}_images"], arrays[f"{split}_labels"] = images, labels
    np.savez_compressed(path, **arrays)
    return path


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory, synthetic_npz: Path) -> Path:
    """A checkpoint trained for a few seconds on the synthetic data (narrow net, 2 views)."""
    from skills.image_check.train import train

    out = tmp_path_factory.mktemp("ckpt") / "image_check.pt"
    cfg = TrainConfig(
        data=str(synthetic_npz), source="npz", out=str(out), epochs=3, batch=32,
        widths="8,16,16", tta=2, threads=1, max_minutes=3, lr=1e-2, ood_negatives=80,
    )  # fmt: skip
    train(cfg, log=lambda *args: None)
    return out


@pytest.fixture(scope="session")
def lenient_checkpoint(tmp_path_factory: pytest.TempPathFactory, tiny_checkpoint: Path) -> Path:
    """The tiny checkpoint without its refusal, so a synthetic photo always gets classes."""
    from skills.image_check.infer import load_checkpoint, save_checkpoint

    predictor, record = load_checkpoint(tiny_checkpoint)
    predictor.refusal = None
    out = tmp_path_factory.mktemp("lenient") / "image_check.pt"
    save_checkpoint(out, predictor, record)
    return out


@pytest.fixture
def image_settings(tmp_path: Path, lenient_checkpoint: Path) -> Settings:
    """Test settings with the image check switched on over the tiny checkpoint."""
    return settings_for_tests(
        tmp_path,
        skills="smalltalk,image_check",
        image_check_checkpoint=lenient_checkpoint,
        rate_limit_burst=1000,
    )
