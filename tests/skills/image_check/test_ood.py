"""Constructed non-skin pictures, the two refusal scores and the threshold choice."""

from __future__ import annotations

import torch

from skills.image_check import ood


def test_constructed_pictures_cover_every_kind() -> None:
    skin = torch.randint(0, 256, (5, 3, 28, 28), dtype=torch.uint8)
    made = ood.non_skin_images(24, seed=1, skin=skin)
    assert made.images.shape == (24, 3, 28, 28) and made.images.dtype == torch.uint8
    assert set(made.kinds) == set(ood.KINDS)
    again = ood.non_skin_images(24, seed=1, skin=skin)
    assert torch.equal(made.images, again.images)  # seeded
    without_skin = ood.non_skin_images(10, seed=2)
    assert "dark" not in without_skin.kinds


def test_mahalanobis_separates_far_points_and_threshold_keeps_the_share() -> None:
    gen = torch.Generator().manual_seed(0)
    labels = torch.arange(700) % 7
    centres = torch.randn(7, 16, generator=gen) * 3
    feats = centres[labels] + torch.randn(700, 16, generator=gen)
    stats = ood.fit(feats, labels, 7)
    logits = torch.randn(700, 7, generator=gen)
    val_feats = centres[labels[:300]] + torch.randn(300, 16, generator=gen)
    far = torch.randn(100, 16, generator=gen) * 3 + 20
    kinds = tuple(ood.KINDS[i % 8] for i in range(100))
    refusal = ood.calibrate(stats, logits[:300], val_feats, logits[:100], far, kinds, 0.95)
    assert refusal["method"] == "mahalanobis" and refusal["auroc"]["mahalanobis"] > 0.99
    assert abs(refusal["val_kept"] - 0.95) < 0.01
    assert refusal["negatives_refused"] == 1.0
    refusal["stats"] = stats
    assert ood.is_refused(refusal, logits[:100], far).all()
    kept = ~ood.is_refused(refusal, logits[:300], val_feats)
    assert abs(float(kept.float().mean()) - 0.95) < 0.01
    assert not ood.is_refused(None, logits[:3], val_feats[:3]).any()
