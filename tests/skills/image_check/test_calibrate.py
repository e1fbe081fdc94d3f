"""Temperature scaling, ECE, AUC, the metric bundle and the referral threshold."""

from __future__ import annotations

import itertools

import numpy as np
import torch

from skills.image_check.calibrate import (
    auc,
    ece,
    fit_temperature,
    metrics,
    referral_metrics,
    referral_threshold,
)


def _pairwise_auc(scores: np.ndarray, positive: np.ndarray) -> float:
    pos, neg = scores[positive], scores[~positive]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in itertools.product(pos, neg))
    return wins / (len(pos) * len(neg))


def test_auc_matches_the_pairwise_definition_with_ties() -> None:
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 5, 60).astype(float)  # many ties
    positive = rng.random(60) < 0.3
    assert abs(auc(scores, positive) - _pairwise_auc(scores, positive)) < 1e-12
    assert np.isnan(auc(scores, np.zeros(60, dtype=bool)))


def test_temperature_cools_overconfident_logits_and_lowers_ece() -> None:
    gen = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 3, (3000,), generator=gen)
    true_logits = torch.randn(3000, 3, generator=gen) + 2 * torch.nn.functional.one_hot(labels, 3)
    # sample labels from the softmax so that true_logits are calibrated, then sharpen them
    sampled = torch.multinomial(true_logits.softmax(1), 1, generator=gen)[:, 0]
    overconfident = true_logits * 3
    t = fit_temperature(overconfident, sampled)
    assert 2.4 < t < 3.6
    before = ece(overconfident.softmax(1).numpy(), sampled.numpy())
    after = ece((overconfident / t).softmax(1).numpy(), sampled.numpy())
    assert after < before / 2


def test_metrics_bundle() -> None:
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    labels = np.array([0, 1, 1, 1])
    m = metrics(probs, labels, ("a", "b"))
    assert m["accuracy"] == 0.75 and m["confusion"] == [[1, 0], [1, 2]]
    assert m["recall"] == {"a": 1.0, "b": 2 / 3}
    assert abs(m["balanced_accuracy"] - (1 + 2 / 3) / 2) < 1e-12
    assert m["macro_auc"] == 1.0


def test_referral_threshold_reaches_the_asked_sensitivity() -> None:
    rng = np.random.default_rng(1)
    concern = rng.random(500)
    positive = rng.random(500) < concern  # higher concern, more often positive
    t = referral_threshold(concern, positive, 0.9)
    assert (concern[positive] >= t).mean() >= 0.9
    labels = np.where(positive, 0, 1)
    r = referral_metrics(concern, labels, ("mel", "nv"), t, ("mel",))
    assert r["sensitivity"] >= 0.9 and 0 < r["specificity"] < 1
    assert r["referred_by_class"]["mel"] == r["sensitivity"]
