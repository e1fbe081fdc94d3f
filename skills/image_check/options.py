"""Training options and default paths, kept free of torch so ``vita --help`` stays fast.

:class:`TrainConfig` is the single list of training choices: ``vita train image`` turns every
field into a ``--key=value`` flag, and the checkpoint records the values used.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_CHECKPOINT = PACKAGE_DIR / "checkpoint" / "image_check.pt"
DEFAULT_DATA = PACKAGE_DIR.parents[2] / "shared" / "data" / "dermamnist"


@dataclass
class TrainConfig:
    """Every training choice, with its default (override with ``--key=value``)."""

    data: str = str(DEFAULT_DATA)  # DermaMNIST folder, dermamnist.npz, or class folders
    source: str = "auto"  # auto, dermamnist, npz, medmnist, classes
    out: str = str(DEFAULT_CHECKPOINT)
    epochs: int = 25
    batch: int = 128
    lr: float = 3e-3
    weight_decay: float = 0.05
    warmup_epochs: float = 1.0
    label_smoothing: float = 0.05
    class_weight_power: float = 0.3  # 0 = plain cross-entropy, 1 = fully balanced
    mixup: float = 0.0  # Beta(alpha, alpha) mixup; 0 switches it off
    ema: float = 0.99
    widths: str = "32,64,128"
    blocks: str = "1,1,1"
    strides: str = "2,2,1"
    dropout: float = 0.2
    tta: int = 8  # views averaged at inference (8 = all flips and quarter turns)
    ood_keep: float = 0.98  # share of real validation photos the refusal must let through
    ood_negatives: int = 800  # constructed non-skin pictures used to choose the refusal score
    refer_sensitivity: float = 0.9  # share of mel/bcc/akiec (validation) told "within 2 weeks"
    seed: int = 7
    max_minutes: float = 40.0
    threads: int = 0  # CPU threads; 0 = time a few steps with 1 and with 2, keep the faster
    train_subset: int = 0  # > 0: train on this many images only (quick experiments)
    val_subset: int = 0

    @classmethod
    def from_overrides(cls, overrides: dict[str, Any]) -> TrainConfig:
        """Defaults with the given fields replaced (values converted to the field's type)."""
        cfg = cls()
        kinds = {f.name: type(getattr(cfg, f.name)) for f in fields(cls)}
        for key, value in overrides.items():
            if key not in kinds:
                raise ValueError(f"unknown setting {key!r}; known: {', '.join(kinds)}")
            if value is not None:
                try:
                    setattr(cfg, key, kinds[key](value))
                except ValueError:
                    raise ValueError(f"bad value for {key}: {value!r}") from None
        return cfg

    def ints(self, name: str) -> tuple[int, ...]:
        """A comma-separated field (``widths``, ``blocks``, ``strides``) as integers."""
        return tuple(int(v) for v in str(getattr(self, name)).split(","))
