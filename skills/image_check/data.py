"""Training data: DermaMNIST (JPEG folder or the official ``.npz``) and folder-per-class photos.

Every loader returns a :class:`Split`: ``images`` (N, 3, S, S) uint8 and ``labels`` (N,) int64
over :data:`CLASSES`, in MedMNIST's label order.

Sources (``vita train image --source ...``):

* ``dermamnist`` — a folder holding ``labels.csv`` (``image_id,dx,...``) and the JPEG files
  ``DermaMNIST_{train,val,test}_NNNNN.jpg`` (directly or under ``images/``), as in
  ``../shared/data/dermamnist``. The official split is kept.
* ``npz`` — the official ``dermamnist.npz`` of MedMNIST v2 (``train_images`` (N, 28, 28, 3),
  ``train_labels`` (N, 1), and ``val_`` / ``test_``), read with numpy.
* ``medmnist`` — downloads ``dermamnist.npz`` with the ``medmnist`` package (needs it installed
  and internet) into the given folder, then reads it as ``npz``. Without either it fails with a
  clear :class:`DataError`.
* ``classes`` — your own photos, one folder per class code (``akiec/``, ``bcc/``, ...; any class
  may be missing), optionally already split into ``train/``, ``val/``, ``test/``. Unsplit folders
  are split 80/10/10 by a hash of each file name (stable when files are added). Photos go through
  the same decoding and resizing as a user's photo (:mod:`skills.image_check.photo`).

The training data (DermaMNIST / HAM10000) is licensed CC BY-NC 4.0: non-commercial use only.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from assistant.validation import InputError
from skills.image_check.photo import open_photo, to_model_input

CLASSES: tuple[str, ...] = ("akiec", "bcc", "bkl", "df", "mel", "nv", "vasc")
SPLITS = ("train", "val", "test")
SOURCES = ("auto", "dermamnist", "npz", "medmnist", "classes")
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}
LICENCE = "CC BY-NC 4.0 (non-commercial)"


class DataError(RuntimeError):
    """The training data cannot be found or read; the message says what to do."""


@dataclass(frozen=True)
class Split:
    """One split of a data set: uint8 images (N, 3, S, S), int64 labels (N,), and their ids."""

    images: torch.Tensor
    labels: torch.Tensor
    ids: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def counts(self) -> list[int]:
        """Examples per class, in :data:`CLASSES` order."""
        return [int((self.labels == i).sum()) for i in range(len(CLASSES))]

    def subset(self, count: int, seed: int = 0) -> Split:
        """A random subset of ``count`` examples (for quick experiments and tests)."""
        if count >= len(self):
            return self
        gen = torch.Generator().manual_seed(seed)
        idx = torch.randperm(len(self), generator=gen)[:count]
        return Split(self.images[idx], self.labels[idx], tuple(self.ids[i] for i in idx.tolist()))


def _from_arrays(images: np.ndarray, labels: np.ndarray, ids: list[str]) -> Split:
    """(N, H, W, 3) uint8 and (N,) labels -> Split with channels first."""
    pixels = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).contiguous()
    return Split(pixels, torch.as_tensor(labels, dtype=torch.int64).reshape(-1), tuple(ids))


def detect_source(path: Path) -> str:
    """Guess the source kind of a path (``npz`` file, DermaMNIST folder, or class folders)."""
    if path.suffix == ".npz":
        return "npz"
    if (path / "labels.csv").is_file():
        return "dermamnist"
    if path.is_dir() and any((path / c).is_dir() for c in (*CLASSES, *SPLITS)):
        return "classes"
    raise DataError(
        f"{path}: not a DermaMNIST folder (labels.csv), a dermamnist.npz file, or a folder with "
        f"one sub-folder per class ({', '.join(CLASSES)})"
    )


def load_split(path: Path, split: str, source: str = "auto", size: int = 28) -> Split:
    """Load one split (``train``, ``val`` or ``test``) of the data at ``path``."""
    if split not in SPLITS:
        raise DataError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
    if source == "medmnist":
        path = download_medmnist(path)
        source = "npz"
    if not path.exists():
        raise DataError(f"{path}: no such file or folder (pass --data PATH)")
    kind = detect_source(path) if source == "auto" else source
    loaders: dict[str, Callable[[Path, str, int], Split]] = {
        "dermamnist": _load_dermamnist,
        "npz": _load_npz,
        "classes": _load_classes,
    }
    if kind not in loaders:
        raise DataError(f"unknown source {source!r}; use one of {', '.join(SOURCES)}")
    return loaders[kind](path, split, size)


def _load_dermamnist(root: Path, split: str, size: int) -> Split:
    folder = root / "images" if (root / "images").is_dir() else root
    images, labels, ids = [], [], []
    with (root / "labels.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            image_id = row["image_id"]
            if f"_{split}_" not in image_id:
                continue
            if row["dx"] not in CLASSES:
                raise DataError(f"{root}/labels.csv: unknown class {row['dx']!r} for {image_id}")
            with Image.open(folder / f"{image_id}.jpg") as img:
                rgb = img.convert("RGB")
                if rgb.size != (size, size):
                    rgb = rgb.resize((size, size), Image.Resampling.BICUBIC)
                images.append(np.asarray(rgb, dtype=np.uint8))
            labels.append(CLASSES.index(row["dx"]))
            ids.append(image_id)
    if not images:
        raise DataError(f"{root}: no {split} images listed in labels.csv")
    return _from_arrays(np.stack(images), np.array(labels), ids)


def _load_npz(path: Path, split: str, size: int) -> Split:
    try:
        with np.load(path) as data:
            images, labels = data[f"{split}_images"], data[f"{split}_labels"]
    except (OSError, KeyError, ValueError) as exc:
        raise DataError(f"{path}: not a MedMNIST .npz with {split}_images ({exc})") from exc
    if images.ndim != 4 or images.shape[1] != size or images.shape[-1] != 3:
        raise DataError(f"{path}: expected ({split}) images of shape (N, {size}, {size}, 3)")
    ids = [f"{path.stem}_{split}_{i:05d}" for i in range(len(images))]
    return _from_arrays(images.astype(np.uint8), labels.astype(np.int64), ids)


def download_medmnist(root: Path) -> Path:
    """Fetch ``dermamnist.npz`` into ``root`` with the ``medmnist`` package; returns its path."""
    target = root / "dermamnist.npz" if root.suffix != ".npz" else root
    if target.is_file():
        return target
    try:
        import medmnist  # optional: `pip install medmnist`
    except ImportError:
        raise DataError(
            "--source medmnist needs the medmnist package and internet access "
            "(pip install medmnist); or pass --source npz --data PATH/dermamnist.npz, or the "
            "DermaMNIST JPEG folder with --data"
        ) from None
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        medmnist.DermaMNIST(split="train", download=True, root=str(target.parent), size=28)
    except Exception as exc:  # network errors come in many types; all mean the same here
        raise DataError(f"could not download DermaMNIST with medmnist: {exc}") from exc
    if not target.is_file():
        raise DataError(f"medmnist did not write {target}")
    return target


def _split_of(name: str) -> str:
    """Stable 80/10/10 assignment from the file name's hash."""
    bucket = int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) % 10
    return "test" if bucket == 0 else "val" if bucket == 1 else "train"


def _load_classes(root: Path, split: str, size: int) -> Split:
    presplit = (root / split).is_dir()
    base = root / split if presplit else root
    files: list[tuple[Path, int]] = []
    for index, code in enumerate(CLASSES):
        folder = base / code
        if folder.is_dir():
            for file in sorted(folder.iterdir()):
                if file.suffix.lower() in PHOTO_SUFFIXES and (
                    presplit or _split_of(file.name) == split
                ):
                    files.append((file, index))
    if not files:
        raise DataError(f"{root}: no {split} photos in class folders ({', '.join(CLASSES)})")
    images, labels, ids = [], [], []
    for file, index in files:
        try:
            img = open_photo(file.read_bytes(), max_pixels=40_000_000)
        except (InputError, OSError) as exc:
            raise DataError(f"{file}: cannot be read as a photo ({exc})") from exc
        images.append(to_model_input(img, size))
        labels.append(index)
        ids.append(str(file.relative_to(root)))
    return _from_arrays(np.stack(images), np.array(labels), ids)


def encode_jpeg(pixels: np.ndarray, quality: int = 90) -> bytes:
    """(H, W, 3) uint8 -> JPEG bytes (tests and benchmarks build photos with it)."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()
