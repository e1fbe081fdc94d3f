"""Refusing pictures that are not skin close-ups: scores, thresholds, constructed negatives.

Two scores are computed for every picture, both from one forward pass:

* the energy score of Liu et al. (NeurIPS 2020), ``-logsumexp(calibrated logits)``;
* the Mahalanobis distance of Lee et al. (NeurIPS 2018) of the pooled last-stage features to
  the nearest class mean, under one covariance shared by the classes, fitted on the training
  split (the network's own view of what a lesion looks like).

Decisions:
    * The method is chosen, and its threshold set, on validation data only: the threshold lets
      through ``ood_keep`` (98%) of the real validation photos, and the method is the one whose
      scores best separate those photos from constructed non-skin pictures (highest AUROC).
      The test split and a second, differently seeded set of constructed pictures are used only
      to report how well it works (``vita eval image``).
    * The constructed pictures cover what people really send by mistake or by mischief: noise,
      flat colours, gradients, rendered text, shapes and stripes, and skin photos made heavily
      blurred, dark or over-exposed. They are drawn at 224 pixels and shrunk like a user's photo.
    * Full-size photos meet the quality checks (``quality.py``) first; this refusal is the second
      line, for pictures that are sharp and well lit but not skin.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from skills.image_check.calibrate import auc
from skills.image_check.photo import to_model_input

KINDS = ("noise", "flat", "gradient", "text", "shapes", "blurred", "dark", "overexposed")
_WORDS = (
    "invoice",
    "hello",
    "Vita",
    "total 42.00",
    "meeting at 10",
    "the quick brown fox",
    "lorem ipsum",
    "PASSWORD",
    "2024-05-01",
    "menu",
    "SALE -50%",
    "chapter 3",
)


@dataclass(frozen=True)
class NonSkin:
    """Constructed non-skin pictures at model size (N, 3, 28, 28) uint8 and the kind of each."""

    images: torch.Tensor
    kinds: tuple[str, ...]


def fit(features: torch.Tensor, labels: torch.Tensor, num_classes: int) -> dict[str, Any]:
    """Class means and the shared precision matrix of training features (N, C)."""
    feats = features.double()
    means = torch.stack(
        [
            feats[labels == k].mean(0) if (labels == k).any() else feats.mean(0)
            for k in range(num_classes)
        ]
    )
    centred = feats - means[labels]
    cov = centred.T @ centred / max(1, len(feats) - 1)
    cov += torch.eye(cov.shape[0], dtype=cov.dtype) * 1e-3 * cov.diagonal().mean()  # ridge
    return {"means": means.float(), "precision": torch.linalg.inv(cov).float()}


def scores(
    stats: dict[str, Any] | None, logits: torch.Tensor, features: torch.Tensor
) -> dict[str, torch.Tensor]:
    """Higher = less like the training photos. ``logits`` already divided by the temperature."""
    out = {"energy": -torch.logsumexp(logits.float(), dim=1)}
    if stats is not None:
        diff = features.float()[:, None, :] - stats["means"][None]  # (N, K, C)
        d2 = torch.einsum("nkc,cd,nkd->nk", diff, stats["precision"], diff)
        out["mahalanobis"] = d2.min(dim=1).values
    return out


def calibrate(
    stats: dict[str, Any],
    val_logits: torch.Tensor,
    val_feats: torch.Tensor,
    neg_logits: torch.Tensor,
    neg_feats: torch.Tensor,
    kinds: tuple[str, ...],
    keep: float,
) -> dict[str, Any]:
    """Choose the score (best AUROC) and its threshold (keeps ``keep`` of validation photos)."""
    pos, neg = scores(stats, val_logits, val_feats), scores(stats, neg_logits, neg_feats)
    aurocs = {}
    for name in pos:
        both = torch.cat([pos[name], neg[name]]).numpy()
        flags = np.r_[np.zeros(len(pos[name])), np.ones(len(neg[name]))]
        aurocs[name] = auc(both, flags)
    method = max(aurocs, key=lambda n: aurocs[n])
    threshold = float(torch.quantile(pos[method].double(), keep))
    refused = neg[method] > threshold
    by_kind = {
        k: float(refused[[i for i, kk in enumerate(kinds) if kk == k]].float().mean())
        for k in dict.fromkeys(kinds)
    }
    return {
        "method": method,
        "threshold": threshold,
        "auroc": aurocs,
        "val_kept": float((pos[method] <= threshold).float().mean()),
        "negatives_refused": float(refused.float().mean()),
        "refused_by_kind": by_kind,
    }


def is_refused(
    refusal: dict[str, Any] | None, logits: torch.Tensor, features: torch.Tensor
) -> torch.Tensor:
    """(N,) booleans: which pictures the fitted refusal turns away."""
    if refusal is None:
        return torch.zeros(len(logits), dtype=torch.bool)
    score = scores(refusal.get("stats"), logits, features)[refusal["method"]]
    return score > float(refusal["threshold"])


def non_skin_images(n: int, seed: int, skin: torch.Tensor | None = None, size: int = 28) -> NonSkin:
    """``n`` constructed pictures, the kinds in turn; ``skin`` (uint8 photos) feeds the last three."""
    rng = random.Random(seed)
    kinds = [k for k in KINDS if skin is not None or k not in ("blurred", "dark", "overexposed")]
    images, labels = [], []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        if kind in ("blurred", "dark", "overexposed"):
            assert skin is not None
            source = skin[rng.randrange(len(skin))].permute(1, 2, 0).numpy()
            pixels = to_model_input(
                spoil(Image.fromarray(source).resize((224, 224)), kind, rng), size
            )
        else:
            pixels = to_model_input(draw(kind, rng), size)
        images.append(pixels)
        labels.append(kind)
    stacked = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).contiguous()
    return NonSkin(stacked, tuple(labels))


def _colour(rng: random.Random) -> tuple[int, int, int]:
    return (rng.randrange(256), rng.randrange(256), rng.randrange(256))


def draw(kind: str, rng: random.Random, width: int = 224, height: int = 224) -> Image.Image:
    """One constructed picture of ``kind`` (noise, flat, gradient, text or shapes) in RGB."""
    nrng = np.random.default_rng(rng.randrange(2**32))
    if kind == "noise":
        if rng.random() < 0.5:
            pixels = nrng.integers(0, 256, (height, width, 3)).astype(np.float64)
        else:
            pixels = nrng.normal(_colour(rng), rng.uniform(10, 60), (height, width, 3))
        return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    if kind == "flat":
        return Image.new("RGB", (width, height), _colour(rng))
    if kind == "gradient":
        yy, xx = np.mgrid[0:height, 0:width] / max(width, height)
        if rng.random() < 0.5:
            angle = rng.uniform(0, 2 * np.pi)
            t = xx * np.cos(angle) + yy * np.sin(angle)
        else:
            t = np.hypot(xx - rng.random(), yy - rng.random())
        t = (t - t.min()) / max(1e-6, float(np.ptp(t)))
        a, b = np.array(_colour(rng)), np.array(_colour(rng))
        return Image.fromarray((a + (b - a) * t[..., None]).astype(np.uint8))
    img = Image.new("RGB", (width, height), _colour(rng) if kind == "shapes" else (250, 250, 245))
    pen = ImageDraw.Draw(img)
    if kind == "text":
        font = ImageFont.load_default(size=rng.randrange(18, 40))
        for _ in range(rng.randrange(3, 8)):
            xy = (rng.randrange(-20, width - 40), rng.randrange(0, height - 20))
            pen.text(xy, rng.choice(_WORDS), fill=(rng.randrange(80),) * 3, font=font)
        return img
    for _ in range(rng.randrange(3, 9)):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        box = (x0, y0, x0 + rng.randrange(20, 140), y0 + rng.randrange(20, 140))
        shape = rng.choice(("rectangle", "ellipse", "line", "stripes"))
        if shape == "rectangle":
            pen.rectangle(box, fill=_colour(rng))
        elif shape == "ellipse":
            pen.ellipse(box, fill=_colour(rng))
        elif shape == "line":
            pen.line(box, fill=_colour(rng), width=rng.randrange(2, 12))
        else:
            step = rng.randrange(6, 24)
            for x in range(0, width, step * 2):
                pen.rectangle((x, 0, x + step, height), fill=_colour(rng))
    return img


def spoil(photo: Image.Image, kind: str, rng: random.Random) -> Image.Image:
    """A skin photo made heavily ``blurred``, ``dark`` or ``overexposed``."""
    if kind == "blurred":
        return photo.filter(ImageFilter.GaussianBlur(radius=photo.width * rng.uniform(0.05, 0.1)))
    pixels = np.asarray(photo, dtype=np.float32)
    if kind == "dark":
        pixels = pixels * rng.uniform(0.04, 0.15)
    else:
        pixels = pixels * rng.uniform(1.8, 3.0) + rng.uniform(40, 120)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
