"""``vita train image``: train the skin-lesion CNN on CPU, calibrate it, fit the refusal, save.

Defaults (each is a ``--key=value`` flag of ``vita train image``; see :class:`TrainConfig`):

- data: DermaMNIST's official train split for the weights, its validation split for choosing the
  epoch, the temperature and the refusal threshold; the test split is never read here;
- network: :class:`~skills.image_check.model.SkinNet`, widths 32/64/128, one block per stage,
  strides 2/2/1 (about 0.3 M parameters: the 2-core CPU budget buys epochs rather than width);
- 25 epochs of AdamW, learning rate 3e-3 with a one-epoch warm-up and a cosine decay, weight
  decay 0.05, batch 128, label smoothing 0.05, class weights proportional to count^-0.3 (a mild correction
  of the 59:1 imbalance between naevi and dermatofibromas: full re-weighting costs accuracy),
  augmentation from :mod:`~skills.image_check.augment`, an exponential moving average of the
  weights (decay 0.99) which is what gets evaluated and saved;
- the epoch with the best validation score (mean of accuracy and macro AUC) is kept;
- ``max_minutes`` (40) bounds the whole run: after the first epoch the cosine schedule is
  shortened if the planned epochs would not fit, and the loop stops before an epoch that would
  not fit, keeping time for the calibration and refusal fit (about 1.2 epochs, from the slowest
  epoch so far); a shortened run says so in the model card;
- seeded (``seed``): the same seed and thread count give the same weights, unless the time
  guard shortens one of the runs; ``threads``: 1 or 2
  CPU threads, by default whichever is faster on the machine at the time (on a busy 2-core
  machine one thread was several times faster than two).

After training: a temperature is fitted on the validation logits (averaged over the eight flips
and quarter turns, as at inference) and the refusal (:mod:`~skills.image_check.ood`) is fitted on
training features and thresholded on validation images against constructed non-skin images. The
checkpoint carries the config, class names, float16 weights, temperature, refusal statistics
and the training record; ``vita eval image`` adds the test metrics to the model card.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from skills.image_check import ood
from skills.image_check.augment import AugmentConfig, augment
from skills.image_check.calibrate import (
    fit_temperature,
    metrics,
    referral_metrics,
    referral_threshold,
)
from skills.image_check.data import CLASSES, LICENCE, Split, load_split
from skills.image_check.infer import CANCER_CLASSES, Predictor, save_checkpoint
from skills.image_check.model import NetConfig, SkinNet, channels_last, count_parameters
from skills.image_check.modelcard import write_card
from skills.image_check.options import TrainConfig


class _Ema:
    """Exponential moving average of the weights and batch-norm statistics."""

    def __init__(self, model: SkinNet, decay: float) -> None:
        self.decay = decay
        self.steps = 0
        self.model = SkinNet(model.config)
        self.model.load_state_dict(model.state_dict())
        self.model.eval()

    @torch.no_grad()
    def update(self, model: SkinNet) -> None:
        # the usual warm-up: early averages forget the random initial weights quickly
        self.steps += 1
        decay = min(self.decay, (1 + self.steps) / (10 + self.steps))
        for ema_v, v in zip(
            self.model.state_dict().values(), model.state_dict().values(), strict=True
        ):
            if ema_v.dtype.is_floating_point:
                ema_v.mul_(decay).add_(v.detach(), alpha=1 - decay)
            else:
                ema_v.copy_(v)


def _lr_at(cfg: TrainConfig, step: int, total: int, per_epoch: int) -> float:
    warm = max(1, int(cfg.warmup_epochs * per_epoch))
    if step < warm:
        return cfg.lr * (step + 1) / warm
    progress = min(1.0, (step - warm) / max(1, total - warm))
    return cfg.lr * 0.5 * (1 + math.cos(math.pi * progress))


def pick_threads(model: SkinNet, batch: int) -> int:
    """1 or 2 CPU threads, whichever trains faster right now.

    On a shared 2-core machine, two threads that wait for each other at every operation can be
    several times slower than one; on an idle one, two are faster.
    """
    with torch.random.fork_rng(devices=[]):  # leave the seeded random stream untouched
        probe = SkinNet(model.config)
    probe.load_state_dict(model.state_dict())
    probe = channels_last(probe.train())
    opt = torch.optim.SGD(probe.parameters(), lr=0.0)
    x = torch.rand(batch, 3, model.config.image_size, model.config.image_size)
    x = x.contiguous(memory_format=torch.channels_last)
    y = torch.zeros(batch, dtype=torch.long)
    timing: dict[int, float] = {}
    for threads in (1, 2, 1, 2):
        torch.set_num_threads(threads)
        t0 = time.perf_counter()
        for _ in range(2):
            opt.zero_grad()
            F.cross_entropy(probe(x), y).backward()  # type: ignore[no-untyped-call]
            opt.step()
        timing[threads] = min(timing.get(threads, math.inf), time.perf_counter() - t0)
    return min(timing, key=lambda t: timing[t])


def class_weights(counts: list[int], power: float) -> torch.Tensor:
    """Loss weights proportional to count^-power, normalised to average 1 over examples."""
    c = torch.tensor([max(1, n) for n in counts], dtype=torch.float32)
    w = c.pow(-power)
    return w * c.sum() / (w * c).sum()


@torch.no_grad()
def evaluate_plain(model: SkinNet, split: Split, batch: int = 512) -> dict[str, Any]:
    """Metrics of one forward pass per image (used to pick the epoch; cheap)."""
    model.eval()
    logits = torch.cat(
        [model(split.images[i : i + batch].float() / 255) for i in range(0, len(split), batch)]
    )
    probs = logits.softmax(1).numpy()
    return metrics(probs, split.labels.numpy(), CLASSES)


def train(cfg: TrainConfig, progress: Any = None, log: Any = print) -> dict[str, Any]:
    """Train, calibrate, fit the refusal and save the checkpoint; returns the training record.

    Args:
        cfg: the training settings.
        progress: a ``rich.progress.Progress`` to draw a bar on, or None.
        log: where one-line messages go (``print`` by default).
    """
    start = time.perf_counter()
    budget = cfg.max_minutes * 60
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    data = Path(cfg.data)
    train_set = load_split(data, "train", cfg.source)
    val_set = load_split(data, "val", cfg.source)
    if cfg.train_subset:
        train_set = train_set.subset(cfg.train_subset, cfg.seed)
    if cfg.val_subset:
        val_set = val_set.subset(cfg.val_subset, cfg.seed)
    pixels = train_set.images.float() / 255
    mean, std = pixels.mean(dim=(0, 2, 3)), pixels.std(dim=(0, 2, 3))
    m, sd = mean.tolist(), std.tolist()
    model = SkinNet(
        NetConfig(
            num_classes=len(CLASSES),
            widths=cfg.ints("widths"),
            blocks=cfg.ints("blocks"),
            strides=cfg.ints("strides"),
            dropout=cfg.dropout,
            mean=(m[0], m[1], m[2]),
            std=(sd[0], sd[1], sd[2]),
        )
    )
    model = channels_last(model)
    ema = _Ema(model, cfg.ema)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    weights = class_weights(train_set.counts(), cfg.class_weight_power)
    aug = AugmentConfig()
    per_epoch = math.ceil(len(train_set) / cfg.batch)
    threads = cfg.threads or pick_threads(model, cfg.batch)
    torch.set_num_threads(threads)
    epochs = cfg.epochs
    total = epochs * per_epoch
    log(
        f"training on {len(train_set)} images ({train_set.counts()}), validating on "
        f"{len(val_set)}; {count_parameters(model):,} parameters; {threads} CPU thread(s)"
    )
    task = progress.add_task("training", total=total) if progress else None
    best: dict[str, Any] = {"score": -1.0}
    history: list[dict[str, Any]] = []
    step, stopped = 0, ""
    epoch_times: list[float] = []
    for epoch in range(1, cfg.epochs + 1):
        if epoch > epochs:
            break
        if epoch_times:
            # what is left must fit this epoch plus the final calibration (about one epoch)
            per = max(epoch_times)
            if time.perf_counter() - start + per * 2.2 > budget:
                stopped = f"time limit: stopped before epoch {epoch} of {epochs}"
                log(stopped)
                break
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(len(train_set), generator=gen)
        total_loss = 0.0
        for i in range(per_epoch):
            idx = order[i * cfg.batch : (i + 1) * cfg.batch]
            x = augment(train_set.images[idx].float() / 255, aug, gen)
            x = x.contiguous(memory_format=torch.channels_last)
            y = train_set.labels[idx]
            for group in opt.param_groups:
                group["lr"] = _lr_at(cfg, step, total, per_epoch)
            if cfg.mixup > 0:
                lam = float(np.random.default_rng(cfg.seed + step).beta(cfg.mixup, cfg.mixup))
                perm = torch.randperm(len(idx), generator=gen)
                logits = model(lam * x + (1 - lam) * x[perm])
                loss = lam * F.cross_entropy(
                    logits, y, weight=weights, label_smoothing=cfg.label_smoothing
                )
                loss = loss + (1 - lam) * F.cross_entropy(
                    logits, y[perm], weight=weights, label_smoothing=cfg.label_smoothing
                )
            else:
                loss = F.cross_entropy(
                    model(x), y, weight=weights, label_smoothing=cfg.label_smoothing
                )
            opt.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            opt.step()
            ema.update(model)
            step += 1
            total_loss += loss.item()
            if progress is not None:
                progress.update(
                    task,
                    advance=1,
                    description=f"epoch {epoch}/{epochs} loss {total_loss / (i + 1):.3f}",
                )
        val = evaluate_plain(ema.model, val_set)
        epoch_times.append(time.perf_counter() - t0)
        score = (val["accuracy"] + val["macro_auc"]) / 2
        row = {
            "epoch": epoch,
            "loss": total_loss / per_epoch,
            "val_accuracy": val["accuracy"],
            "val_macro_auc": val["macro_auc"],
            "val_balanced_accuracy": val["balanced_accuracy"],
            "seconds": round(epoch_times[-1], 1),
        }
        history.append(row)
        log(
            f"epoch {epoch}: loss {row['loss']:.3f}, val accuracy {val['accuracy']:.3f}, "
            f"macro AUC {val['macro_auc']:.3f}, {row['seconds']:.0f} s"
        )
        if score > best["score"]:
            best = {
                "score": score,
                "epoch": epoch,
                "state": {k: v.clone() for k, v in ema.model.state_dict().items()},
            }
        if epoch == 1:
            fit = int((budget - (time.perf_counter() - start)) / (epoch_times[0] * 1.1)) - 1
            if fit < epochs - 1:
                epochs = max(2, fit + 1)
                total = epochs * per_epoch
                log(f"time limit: the schedule is shortened to {epochs} epochs")
                if progress is not None:
                    progress.update(task, total=total)
    model = SkinNet(model.config)
    model.load_state_dict(best["state"])
    model.eval()
    record = finish(model, cfg, train_set, val_set, log)
    record.update(
        best_epoch=best["epoch"],
        epochs_planned=cfg.epochs,
        epochs_run=len(history),
        stopped=stopped,
        history=history,
        minutes=round((time.perf_counter() - start) / 60, 1),
        train_counts=train_set.counts(),
        val_counts=val_set.counts(),
        parameters=count_parameters(model),
        config=asdict(cfg),
        threads=threads,
        date=dt.date.today().isoformat(),
        licence=LICENCE,
    )
    predictor = Predictor(
        model,
        record["temperature"],
        record["ood"],
        cfg.tta,
        refer_threshold=record["referral"]["threshold"],
    )
    save_checkpoint(Path(cfg.out), predictor, record)
    card = record | {"ood": {k: v for k, v in record["ood"].items() if k != "stats"}}
    write_card(Path(cfg.out).parent / "MODEL_CARD.md", card, None)
    log(f"saved {cfg.out} after {record['minutes']} minutes (best epoch {best['epoch']})")
    return record


def finish(
    model: SkinNet, cfg: TrainConfig, train_set: Split, val_set: Split, log: Any = print
) -> dict[str, Any]:
    """Temperature on validation, refusal statistics on train, refusal threshold on validation."""
    raw = Predictor(model, 1.0, None, cfg.tta)
    val_logits, val_feats = raw.logits_and_features(val_set.images)
    labels = val_set.labels.numpy()
    before = metrics(val_logits.softmax(1).numpy(), labels, CLASSES)
    temperature = fit_temperature(val_logits, val_set.labels)
    after = metrics((val_logits / temperature).softmax(1).numpy(), labels, CLASSES)
    log(f"temperature {temperature:.3f}: validation ECE {before['ece']:.3f} -> {after['ece']:.3f}")
    probs = (val_logits / temperature).softmax(1).numpy()
    concern = probs[:, [CLASSES.index(c) for c in CANCER_CLASSES]].sum(1)
    cancer = np.isin(labels, [CLASSES.index(c) for c in CANCER_CLASSES])
    threshold = referral_threshold(concern, cancer, cfg.refer_sensitivity)
    referral = referral_metrics(concern, labels, CLASSES, threshold, CANCER_CLASSES)
    log(
        f"referral threshold {threshold:.3f}: validation sensitivity "
        f"{referral['sensitivity']:.1%}, specificity {referral['specificity']:.1%}"
    )
    _, train_feats = raw.logits_and_features(train_set.images)
    stats = ood.fit(train_feats, train_set.labels, len(CLASSES))
    negatives = ood.non_skin_images(cfg.ood_negatives, seed=1, skin=val_set.images)
    neg_logits, neg_feats = raw.logits_and_features(negatives.images)
    refusal = ood.calibrate(
        stats,
        val_logits / temperature,
        val_feats,
        neg_logits / temperature,
        neg_feats,
        negatives.kinds,
        cfg.ood_keep,
    )
    log(
        f"refusal: {refusal['method']} (AUROC {refusal['auroc'][refusal['method']]:.3f}), "
        f"keeps {refusal['val_kept']:.1%} of validation photos, refuses "
        f"{refusal['negatives_refused']:.1%} of constructed non-skin images"
    )
    return {
        "temperature": temperature,
        "ood": refusal | {"stats": stats},
        "referral": referral,
        "val": {"before": before, "after": after},
    }
