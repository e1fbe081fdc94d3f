"""Augmentation: the eight symmetries, their inverses, ranges and reproducibility."""

from __future__ import annotations

import torch

from skills.image_check.augment import (
    AugmentConfig,
    augment,
    colour_jitter,
    dihedral,
    dihedral_views,
    random_affine,
)
from skills.image_check.heatmap import undo_dihedral


def test_the_eight_symmetries_are_distinct_and_invertible() -> None:
    x = torch.arange(2 * 3 * 5 * 5, dtype=torch.float32).reshape(2, 3, 5, 5)
    views = dihedral_views(x)
    assert views.shape == (8, 2, 3, 5, 5)
    flat = {tuple(v.flatten().tolist()) for v in views}
    assert len(flat) == 8
    for k in range(8):
        assert torch.equal(undo_dihedral(dihedral(x, k), k), x)


def test_augment_keeps_shape_and_range_and_is_seeded() -> None:
    x = torch.rand(6, 3, 28, 28)
    a = augment(x, AugmentConfig(), torch.Generator().manual_seed(3))
    b = augment(x, AugmentConfig(), torch.Generator().manual_seed(3))
    c = augment(x, AugmentConfig(), torch.Generator().manual_seed(4))
    assert a.shape == x.shape and float(a.min()) >= 0 and float(a.max()) <= 1
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_switched_off_augmentations_change_nothing() -> None:
    x = torch.rand(4, 3, 28, 28)
    off = AugmentConfig(rotate_deg=0, zoom=0, aspect=0, shift=0, brightness=0, contrast=0,
                        saturation=0, hue=0)  # fmt: skip
    gen = torch.Generator().manual_seed(0)
    assert torch.allclose(random_affine(x, off, gen), x, atol=1e-5)
    assert torch.allclose(colour_jitter(x, off, gen), x, atol=1e-5)


def test_colour_jitter_keeps_gray_gray_under_hue_rotation() -> None:
    gray = torch.full((3, 3, 8, 8), 0.5)
    cfg = AugmentConfig(brightness=0, contrast=0, saturation=0, hue=0.5)
    out = colour_jitter(gray, cfg, torch.Generator().manual_seed(0))
    assert torch.allclose(out, gray, atol=1e-3)
