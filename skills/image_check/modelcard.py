"""The model card (``checkpoint/MODEL_CARD.md``) and the BENCHMARKS.md section.

``vita train image`` writes the card from the training record; ``vita eval image`` saves the
test metrics to ``checkpoint/metrics.json`` and rewrites the card with them, so the card always
describes the committed checkpoint.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from skills.image_check.data import CLASSES, LICENCE

PUBLISHED = (
    ("MedMNIST v2 ResNet-18 (28x28)", 0.735, 0.917),
    ("MedMNIST v2 ResNet-50 (28x28)", 0.735, 0.913),
    ("MedMNIST v2 Google AutoML Vision", 0.768, 0.914),
    ("best published at 28x28 (about)", 0.77, 0.93),
)


def _pct(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{float(value):.1%}"


def _num(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{float(value):.{digits}f}"


def metrics_table(test: dict[str, Any]) -> str:
    """Our test metrics beside the published 28x28 results."""
    rows = ["| model | test accuracy | test macro AUC |", "|---|---|---|"]
    rows += [f"| {name} | {acc:.3f} | {auc:.3f} |" for name, acc, auc in PUBLISHED]
    rows.append(
        f"| **Vita SkinNet + 8-view TTA (this checkpoint)** | **{_num(test['accuracy'])}** | "
        f"**{_num(test['macro_auc'])}** |"
    )
    return "\n".join(rows)


def per_class_table(test: dict[str, Any]) -> str:
    referral = test.get("referral", {}).get("referred_by_class", {})
    rows = ["| class | recall | AUC | referred within 2 weeks |", "|---|---|---|---|"]
    for c in CLASSES:
        rows.append(
            f"| {c} | {_pct(test['recall'][c])} | {_num(test['auc'][c])} | "
            f"{_pct(referral.get(c))} |"
        )
    return "\n".join(rows)


def confusion_table(test: dict[str, Any]) -> str:
    rows = [
        "| true \\ predicted | " + " | ".join(CLASSES) + " |",
        "|---" * (len(CLASSES) + 1) + "|",
    ]
    for c, row in zip(CLASSES, test["confusion"], strict=True):
        rows.append(f"| {c} | " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(rows)


def summary(test: dict[str, Any], photos: dict[str, Any] | None) -> str:
    """The BENCHMARKS.md body: headline metrics, comparison, per class, photos."""
    ref = test["referral"]
    parts = [
        metrics_table(test),
        "",
        f"Balanced accuracy {_num(test['balanced_accuracy'])}; melanoma recall (top class) "
        f"{_pct(test['recall']['mel'])}; ECE {_num(test['ece_before_temperature'])} before and "
        f'{_num(test["ece"])} after temperature scaling. "Within 2 weeks" advice for '
        f"{_pct(ref['sensitivity'])} of melanomas, basal cell carcinomas and actinic keratoses "
        f"(specificity {_pct(ref['specificity'])}). The refusal turned away "
        f"{_pct(test['refused_real'])} of the real test photos and "
        f"{_pct(test['refused_constructed'])} of constructed non-skin pictures.",
        "",
        per_class_table(test),
    ]
    if photos:
        parts += ["", photo_line(photos)]
    return "\n".join(parts)


def photo_line(photos: dict[str, Any]) -> str:
    refused = ", ".join(f"{k} {v}" for k, v in sorted(photos["refused"].items())) or "none"
    return (
        f"Full-size HAM10000 photos (`../shared/data/ham10000_sample`, {photos['photos']} photos, "
        f"600x450, through the user's path): {photos['judged']} judged, refused: {refused}; "
        f"accuracy {_num(photos.get('accuracy'))}, balanced accuracy "
        f'{_num(photos.get("balanced_accuracy"))}, "within 2 weeks" for '
        f"{_pct(photos.get('cancer_referred'))} of mel/bcc/akiec photos; "
        f"{_num(photos.get('ms_mean'), 1)} ms per photo on average."
    )


def write_card(path: Path, record: dict[str, Any], evaluation: dict[str, Any] | None) -> None:
    """Write MODEL_CARD.md from the training record and (optionally) the evaluation."""
    cfg = record.get("config", {})
    ood_info = record.get("ood") or {}
    referral = record.get("referral", {})
    val = record.get("val", {})
    lines = [
        "# Model card: Vita image check (skin-lesion CNN)",
        "",
        "**Not a diagnosis.** This network says which of seven kinds of skin lesion a close-up "
        "photo looks most like, so Vita can suggest how soon to see a doctor. It can miss skin "
        "cancers and flag harmless spots. It was trained on dermatoscopic photos of lesions "
        "(mostly fair skin, European clinics) and has not been validated on phone photos or on "
        "darker skin.",
        "",
        "## Data",
        "",
        f"DermaMNIST (MedMNIST v2), official split, 28x28 RGB: train {sum(record.get('train_counts', []))}, "
        f"validation {sum(record.get('val_counts', []))}. Classes {', '.join(CLASSES)}; training "
        f"counts {record.get('train_counts')}. Weights were trained on the train split; the "
        "epoch, temperature, refusal threshold and referral threshold were chosen on the "
        "validation split; the test split was used only for the figures below.",
        "",
        f"Licence of the training data: **{LICENCE}**. The weights are derived from it, so "
        "this checkpoint is for non-commercial use. Cite MedMNIST v2 (Yang et al., Scientific "
        "Data 2023) and HAM10000 (Tschandl et al., Scientific Data 2018).",
        "",
        "## Model and training",
        "",
        f"SkinNet (`skills/image_check/model.py`): a small wide ResNet written for this project, "
        f"widths {cfg.get('widths')}, blocks {cfg.get('blocks')}, strides {cfg.get('strides')}, "
        f"{record.get('parameters', 0):,} parameters, float16 weights. AdamW (lr {cfg.get('lr')}, "
        f"weight decay {cfg.get('weight_decay')}), cosine schedule, batch {cfg.get('batch')}, "
        f"label smoothing {cfg.get('label_smoothing')}, class weights count^-"
        f"{cfg.get('class_weight_power')}, flips, quarter turns, rotations, zoom, colour jitter, "
        f"weight EMA {cfg.get('ema')}; seed {cfg.get('seed')}. Trained on CPU "
        f"({record.get('threads')} thread(s)) for {record.get('epochs_run')} epochs "
        f"(planned {cfg.get('epochs')}; best epoch {record.get('best_epoch')}) in "
        f"{record.get('minutes')} minutes on {record.get('date')}. "
        + (f"Note: {record['stopped']}. " if record.get("stopped") else "")
        + f"Predictions average the {cfg.get('tta')} flips and quarter turns.",
        "",
        "## Calibration, refusal, referral (validation split)",
        "",
        f"- Temperature {_num(record.get('temperature'))}: ECE "
        f"{_num(val.get('before', {}).get('ece'))} -> {_num(val.get('after', {}).get('ece'))}.",
        f"- Refusal: {ood_info.get('method')} score, threshold {_num(ood_info.get('threshold'))}, "
        f"keeps {_pct(ood_info.get('val_kept'))} of validation photos, refuses "
        f"{_pct(ood_info.get('negatives_refused'))} of constructed non-skin pictures (AUROC "
        + ", ".join(f"{k} {_num(v)}" for k, v in (ood_info.get("auroc") or {}).items())
        + ").",
        f'- "Within 2 weeks" when P(mel) + P(bcc) + P(akiec) >= '
        f"{_num(referral.get('threshold'))}: validation sensitivity "
        f"{_pct(referral.get('sensitivity'))}, specificity {_pct(referral.get('specificity'))}.",
        "",
    ]
    if evaluation and "test" in evaluation:
        test = evaluation["test"]
        lines += [
            "## Test split (`vita eval image`)",
            "",
            summary(test, None),
            "",
            "Refused, by kind of constructed picture (second, held-out set): "
            + ", ".join(f"{k} {_pct(v)}" for k, v in test["refused_constructed_by_kind"].items())
            + ".",
            "",
            "Confusion matrix (rows: true class):",
            "",
            confusion_table(test),
            "",
        ]
        if evaluation.get("photos"):
            lines += ["## Full-size photos", "", photo_line(evaluation["photos"]), ""]
    else:
        lines += ["## Test split", "", "Not evaluated yet: run `vita eval image`.", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def save_metrics(path: Path, evaluation: dict[str, Any]) -> None:
    path.write_text(json.dumps(evaluation, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def load_metrics(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
