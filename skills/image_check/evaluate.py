"""``vita eval image``: test-split metrics, refusal rates, and the full-size photo path.

* DermaMNIST test split (never used for any choice): accuracy, balanced accuracy, macro AUC,
  per-class recall and AUC, confusion matrix, ECE before and after the temperature, the
  "within 2 weeks" referral rate of each class, and how many real test photos the refusal turns
  away;
* a second set of constructed non-skin pictures (seed 2; the threshold was set with seed 1):
  the share refused, by kind;
* the full-resolution HAM10000 photos of ``../shared/data/ham10000_sample`` (one folder per
  class) through exactly the path a user's photo takes (decode, quality checks, resize, network,
  heat map): accuracy over the photos that were not refused, refusals by reason, and timings.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from assistant.validation import InputError
from skills.image_check import ood
from skills.image_check.calibrate import metrics, referral_metrics
from skills.image_check.data import CLASSES, PHOTO_SUFFIXES, load_split
from skills.image_check.infer import CANCER_CLASSES, ImageChecker, Predictor


def evaluate_split(
    predictor: Predictor, data: Path, source: str = "auto", split: str = "test"
) -> dict[str, Any]:
    """All the metrics of the card on one split (``test`` by default)."""
    test = load_split(data, split, source)
    logits, feats = predictor.logits_and_features(test.images)
    labels = test.labels.numpy()
    raw = metrics(logits.softmax(1).numpy(), labels, CLASSES)
    calibrated = logits / predictor.temperature
    probs = calibrated.softmax(1).numpy()
    out = metrics(probs, labels, CLASSES)
    out["ece_before_temperature"] = raw["ece"]
    concern = probs[:, [CLASSES.index(c) for c in CANCER_CLASSES]].sum(1)
    out["referral"] = referral_metrics(
        concern, labels, CLASSES, predictor.refer_threshold, CANCER_CLASSES
    )
    refused = ood.is_refused(predictor.refusal, calibrated, feats).numpy()
    out["refused_real"] = float(refused.mean())
    kept = ~refused
    out["accuracy_not_refused"] = float((probs[kept].argmax(1) == labels[kept]).mean())
    negatives = ood.non_skin_images(800, seed=2, skin=test.images)
    neg_logits, neg_feats = predictor.logits_and_features(negatives.images)
    neg_refused = ood.is_refused(
        predictor.refusal, neg_logits / predictor.temperature, neg_feats
    ).numpy()
    kinds = np.array(negatives.kinds)
    out["refused_constructed"] = float(neg_refused.mean())
    out["refused_constructed_by_kind"] = {
        k: float(neg_refused[kinds == k].mean()) for k in dict.fromkeys(negatives.kinds)
    }
    return out


def evaluate_photos(checker: ImageChecker, folder: Path) -> dict[str, Any]:
    """Full-size photos in class folders through the user's path; accuracy, refusals, timings."""
    files = [
        (f, CLASSES.index(d.name))
        for d in sorted(folder.iterdir())
        if d.is_dir() and d.name in CLASSES
        for f in sorted(d.iterdir())
        if f.suffix.lower() in PHOTO_SUFFIXES
    ]
    if not files:
        raise FileNotFoundError(f"{folder}: no photos in class folders ({', '.join(CLASSES)})")
    probs: list[list[float]] = []
    labels: list[int] = []
    times: list[float] = []
    reasons: dict[str, int] = {}
    urgencies: dict[str, list[str | None]] = {}
    for file, label in files:
        t0 = time.perf_counter()
        try:
            result = checker.check(file.read_bytes())
        except InputError as err:
            reasons[err.code] = reasons.get(err.code, 0) + 1
            continue
        times.append((time.perf_counter() - t0) * 1000)
        if result.refused:
            reasons[result.refused] = reasons.get(result.refused, 0) + 1
            continue
        probs.append([result.probabilities[c] for c in CLASSES])
        labels.append(label)
        urgencies.setdefault(CLASSES[label], []).append(result.urgency)
    out: dict[str, Any] = {"photos": len(files), "judged": len(labels), "refused": reasons}
    if labels:
        m = metrics(np.array(probs), np.array(labels), CLASSES)
        out.update({k: m[k] for k in ("accuracy", "balanced_accuracy", "macro_auc", "recall")})
        cancer = [u for c in CANCER_CLASSES for u in urgencies.get(c, [])]
        out["cancer_referred"] = (
            sum(u == "doctor_2_weeks" for u in cancer) / len(cancer) if cancer else None
        )
    out["ms_mean"] = float(np.mean(times)) if times else None
    out["ms_p95"] = float(np.percentile(times, 95)) if times else None
    return out
