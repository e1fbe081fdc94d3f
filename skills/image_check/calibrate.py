"""Temperature scaling and the classification metrics reported for the image check.

Guo et al., "On Calibration of Modern Neural Networks" (2017): one scalar ``T`` divides the
logits; it is fitted on the validation split by minimising negative log-likelihood, so the
ranking (accuracy, AUC) is unchanged and only the confidence moves. Expected calibration error
(ECE) uses 15 equal-width confidence bins, as in that paper.

Decision: metrics are written here in numpy (ranks for the AUC) rather than taken from
scikit-learn, which is not a dependency of the package.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F


def fit_temperature(logits: torch.Tensor, labels: torch.Tensor, steps: int = 200) -> float:
    """The temperature minimising the NLL of ``softmax(logits / T)`` (searched on log T)."""
    log_t = torch.zeros(1, requires_grad=True)
    opt = torch.optim.LBFGS([log_t], lr=0.1, max_iter=steps, line_search_fn="strong_wolfe")
    logits, labels = logits.detach().float(), labels.long()

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = F.cross_entropy(logits / log_t.exp(), labels)
        loss.backward()  # type: ignore[no-untyped-call]
        return loss

    opt.step(closure)  # type: ignore[no-untyped-call]
    return float(log_t.detach().exp().clamp(0.05, 20.0))


def ece(probs: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    """Expected calibration error of the top-class confidence, equal-width bins."""
    conf = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == labels).astype(float)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for low, high in itertools.pairwise(edges):
        mask = (conf > low) & (conf <= high)
        if mask.any():
            total += mask.mean() * abs(correct[mask].mean() - conf[mask].mean())
    return float(total)


def auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U with average ranks for ties); nan if one class."""
    pos = positive.astype(bool)
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores), dtype=float)
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):  # average ranks over runs of equal scores
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def metrics(probs: np.ndarray, labels: np.ndarray, classes: tuple[str, ...]) -> dict[str, Any]:
    """Accuracy, balanced accuracy, macro AUC (one-vs-rest), per-class recall, confusion, ECE."""
    pred = probs.argmax(axis=1)
    k = len(classes)
    confusion = np.zeros((k, k), dtype=int)
    np.add.at(confusion, (labels, pred), 1)
    support = confusion.sum(axis=1)
    recall = np.divide(np.diag(confusion), support, out=np.full(k, np.nan), where=support > 0)
    aucs = [auc(probs[:, i], labels == i) for i in range(k)]
    return {
        "n": len(labels),
        "accuracy": float((pred == labels).mean()),
        "balanced_accuracy": float(np.nanmean(recall)),
        "macro_auc": float(np.nanmean(aucs)),
        "auc": {c: a for c, a in zip(classes, aucs, strict=True)},
        "recall": {c: float(r) for c, r in zip(classes, recall, strict=True)},
        "confusion": confusion.tolist(),
        "ece": ece(probs, labels),
        "nll": float(-np.log(np.clip(probs[np.arange(len(labels)), labels], 1e-12, 1)).mean()),
    }


def referral_threshold(concern: np.ndarray, positive: np.ndarray, sensitivity: float) -> float:
    """The highest threshold on ``concern`` that still flags ``sensitivity`` of the positives."""
    pos = np.sort(concern[positive.astype(bool)])
    if len(pos) == 0:
        return 0.5
    index = int(np.floor((1 - sensitivity) * len(pos)))
    return float(pos[min(index, len(pos) - 1)])


def referral_metrics(
    concern: np.ndarray,
    labels: np.ndarray,
    classes: tuple[str, ...],
    threshold: float,
    cancer: tuple[str, ...],
) -> dict[str, Any]:
    """Share of each class referred ("within 2 weeks") at ``threshold``; sensitivity, specificity."""
    referred = concern >= threshold
    positive = np.isin(labels, [classes.index(c) for c in cancer])
    by_class = {
        c: float(referred[labels == i].mean()) if (labels == i).any() else float("nan")
        for i, c in enumerate(classes)
    }
    return {
        "threshold": threshold,
        "sensitivity": float(referred[positive].mean()) if positive.any() else float("nan"),
        "specificity": float((~referred[~positive]).mean()) if (~positive).any() else float("nan"),
        "referred_share": float(referred.mean()),
        "referred_by_class": by_class,
    }
