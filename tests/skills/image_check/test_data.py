"""Loaders: the official .npz, folder-per-class photos, DermaMNIST JPEGs, medmnist offline."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from skills.image_check.data import CLASSES, DataError, detect_source, download_medmnist, load_split
from tests.skills.image_check.conftest import DERMAMNIST, needs_dermamnist
from tests.skills.image_check.photos import skin_photo


def test_npz_splits(synthetic_npz: Path) -> None:
    train = load_split(synthetic_npz, "train")
    assert detect_source(synthetic_npz) == "npz"
    assert train.images.shape == (16 * 7, 3, 28, 28) and train.counts() == [16] * 7
    assert len(load_split(synthetic_npz, "val", "npz")) == 6 * 7
    sub = train.subset(10, seed=1)
    assert len(sub) == 10 and len(set(sub.ids)) == 10
    with pytest.raises(DataError):
        load_split(synthetic_npz, "holdout")


def test_class_folders_split_by_name_or_by_folder(tmp_path: Path) -> None:
    for code in ("mel", "nv"):
        (tmp_path / code).mkdir()
        for i in range(30):
            Image.fromarray(skin_photo(i, (120, 90))).save(tmp_path / code / f"{code}_{i}.jpg")
    (tmp_path / "nv" / "README.txt").write_text("not a photo")
    assert detect_source(tmp_path) == "classes"
    splits = {s: load_split(tmp_path, s) for s in ("train", "val", "test")}
    assert sum(len(v) for v in splits.values()) == 60
    assert len(splits["train"]) > len(splits["val"])
    assert set(splits["train"].ids).isdisjoint(splits["test"].ids)
    assert splits["train"].images.shape[1:] == (3, 28, 28)
    assert set(splits["train"].labels.tolist()) == {CLASSES.index("mel"), CLASSES.index("nv")}
    # pre-split layout: train/<class>/...
    split_root = tmp_path / "presplit"
    (split_root / "train" / "df").mkdir(parents=True)
    Image.fromarray(skin_photo(1, (100, 100))).save(split_root / "train" / "df" / "a.png")
    assert load_split(split_root, "train").counts()[CLASSES.index("df")] == 1


def test_unreadable_photo_in_class_folder_is_named(tmp_path: Path) -> None:
    (tmp_path / "bcc").mkdir()
    bad = tmp_path / "bcc" / "broken.jpg"
    bad.write_bytes(b"not an image")
    with pytest.raises(DataError, match=r"broken\.jpg"):
        for split in ("train", "val", "test"):
            load_split(tmp_path, split)


def test_unknown_paths_and_sources_fail_clearly(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        load_split(tmp_path / "missing", "train")
    with pytest.raises(DataError, match="not a DermaMNIST folder"):
        load_split(tmp_path, "train")
    with pytest.raises(DataError, match="unknown source"):
        load_split(tmp_path, "train", source="imagenet")


def test_medmnist_source_fails_cleanly_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "medmnist", None)  # as if not installed
    with pytest.raises(DataError, match="medmnist"):
        download_medmnist(tmp_path)
    with pytest.raises(DataError, match="medmnist"):
        load_split(tmp_path, "train", source="medmnist")


@needs_dermamnist
def test_dermamnist_jpeg_folder() -> None:
    val = load_split(DERMAMNIST, "val")
    assert len(val) == 1003 and val.images.shape[1:] == (3, 28, 28)
    assert all("_val_" in i for i in val.ids)
    assert val.counts()[CLASSES.index("nv")] > 500
    assert np.isclose(val.images.float().mean().item() / 255, 0.62, atol=0.05)
