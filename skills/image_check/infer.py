"""Loading the checkpoint and checking one photo: the one path every channel's photo takes.

``ImageChecker.check(bytes)`` decodes the photo (``photo.py``), runs the quality checks
(``quality.py``), shrinks it to 28x28, averages the network over the eight flips and quarter
turns, divides the logits by the fitted temperature, applies the refusal (``ood.py``), decides
how soon to see a doctor, and draws the Grad-CAM heat map (``heatmap.py``).

Decisions:
    * How soon to see a doctor depends on the summed calibrated probability of the three classes
      that can be cancerous (melanoma, basal cell carcinoma, actinic keratosis / Bowen's
      disease), not on the top class alone: at or above ``refer_threshold`` (chosen on the
      validation split so that 90% of those lesions are referred) the advice is "within 2
      weeks", whatever the top class. Below it, a likely naevus with a small such probability
      (under 10%) is "monitor with the ABCDE signs"; anything else is "a routine check".
    * The network runs on ``threads`` CPU threads (``image_check_threads``, default 1), set in
      the calling thread: one check is small (eight 28x28 views), and on a 2-core machine that
      serves several people, or shares its cores with other work, two threads that wait for each
      other at every layer were measured several times slower than one (see BENCHMARKS.md).
    * The checkpoint is one ``torch.save`` file loaded with ``weights_only=True`` (no pickled
      code runs): network config, class names, float16 weights, temperature, refusal statistics,
      referral threshold and the training record.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from skills.image_check import heatmap, ood
from skills.image_check.augment import dihedral
from skills.image_check.data import CLASSES
from skills.image_check.model import NetConfig, SkinNet, channels_last
from skills.image_check.options import DEFAULT_CHECKPOINT
from skills.image_check.photo import decode_photo, to_model_input, working_copy
from skills.image_check.quality import Quality, assess

FORMAT = "vita-image-check/1"
CANCER_CLASSES = ("mel", "bcc", "akiec")
MONITOR_BELOW = 0.10


class Predictor:
    """The network with its temperature, refusal statistics and test-time views."""

    def __init__(
        self,
        model: SkinNet,
        temperature: float,
        refusal: dict[str, Any] | None,
        tta: int = 8,
        classes: tuple[str, ...] | None = None,
        refer_threshold: float = 0.3,
    ) -> None:
        self.model = model.eval()
        self.temperature = float(temperature)
        self.refusal = refusal
        self.tta = max(1, min(8, int(tta)))
        self.classes = classes or CLASSES
        self.refer_threshold = float(refer_threshold)

    @torch.no_grad()
    def views(self, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """uint8 images (N, 3, S, S) -> per-view fmaps (V, N, C, h, w), pooled (V, N, C), logits."""
        x = pixels.float() / 255
        batch = torch.cat([dihedral(x, k) for k in range(self.tta)])
        fmap = self.model.feature_map(batch.contiguous(memory_format=torch.channels_last))
        pooled, logits = self.model.classify(fmap)
        n = x.shape[0]
        return (
            fmap.reshape(self.tta, n, *fmap.shape[1:]),
            pooled.reshape(self.tta, n, -1),
            logits.reshape(self.tta, n, -1),
        )

    def logits_and_features(
        self, images: torch.Tensor, batch: int = 128
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits (before the temperature) and pooled features, averaged over the views."""
        logits, feats = [], []
        for i in range(0, len(images), batch):
            _, pooled, out = self.views(images[i : i + batch])
            logits.append(out.mean(0))
            feats.append(pooled.mean(0))
        return torch.cat(logits), torch.cat(feats)

    def probabilities(self, images: torch.Tensor) -> np.ndarray:
        """Calibrated class probabilities (N, K) for uint8 images (N, 3, S, S)."""
        logits, _ = self.logits_and_features(images)
        return (logits / self.temperature).softmax(1).numpy()


def save_checkpoint(path: Path, predictor: Predictor, record: dict[str, Any]) -> None:
    """Write the single-file checkpoint (float16 weights; everything needed to load it)."""
    state = {
        k: (v.half() if v.dtype.is_floating_point else v)
        for k, v in predictor.model.state_dict().items()
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(
        {
            "format": FORMAT,
            "config": predictor.model.config.to_dict(),
            "classes": list(predictor.classes),
            "state_dict": state,
            "temperature": predictor.temperature,
            "tta": predictor.tta,
            "refer_threshold": predictor.refer_threshold,
            "refusal": predictor.refusal,
            "record": {k: v for k, v in record.items() if k not in ("ood",)},
        },
        path,
    )


def load_checkpoint(path: Path) -> tuple[Predictor, dict[str, Any]]:
    """Read a checkpoint written by :func:`save_checkpoint`; returns the predictor and record."""
    if not path.is_file():
        raise FileNotFoundError(
            f"no image-check checkpoint at {path} (train one: vita train image)"
        )
    blob = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        raise ValueError(f"{path} is not a {FORMAT} checkpoint")
    # built on the meta device and given the loaded tensors: no random initialisation runs, so
    # warming up does almost no torch work (a daemon warm-up thread still inside torch when the
    # interpreter exits can abort the process)
    with torch.device("meta"):
        model = SkinNet(NetConfig.from_dict(blob["config"]), init_weights=False)
    state = {
        k: (v.float() if v.dtype.is_floating_point else v) for k, v in blob["state_dict"].items()
    }
    model.load_state_dict(state, assign=True)
    model = channels_last(model)
    predictor = Predictor(
        model,
        blob["temperature"],
        blob.get("refusal"),
        blob.get("tta", 8),
        tuple(blob["classes"]),
        blob.get("refer_threshold", 0.3),
    )
    return predictor, dict(blob.get("record") or {})


def urgency(probs: dict[str, float], refer_threshold: float) -> str:
    """``doctor_2_weeks``, ``routine`` or ``monitor`` from calibrated probabilities."""
    concern = sum(probs.get(c, 0.0) for c in CANCER_CLASSES)
    if concern >= refer_threshold:
        return "doctor_2_weeks"
    top = max(probs, key=lambda c: probs[c])
    return "monitor" if top == "nv" and concern < MONITOR_BELOW else "routine"


@dataclass
class CheckResult:
    """What the check found for one photo (``refused`` set when it declined to judge)."""

    probabilities: dict[str, float] = field(default_factory=dict)
    refused: str | None = None  # too_small, too_dark, too_bright, too_blurry, not_skin
    urgency: str | None = None  # doctor_2_weeks, routine, monitor
    heatmap_png: bytes | None = None
    quality: Quality | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def top(self) -> str | None:
        if not self.probabilities:
            return None
        return max(self.probabilities, key=lambda c: self.probabilities[c])

    def ranked(self, k: int = 3) -> list[tuple[str, float]]:
        """The ``k`` most likely classes, best first."""
        pairs = sorted(self.probabilities.items(), key=lambda cp: -cp[1])
        return pairs[:k]

    def heatmap_base64(self) -> str | None:
        return base64.b64encode(self.heatmap_png).decode("ascii") if self.heatmap_png else None

    def to_json(self) -> dict[str, Any]:
        """The machine-readable summary (``vita image-check --json`` and REST)."""
        return {
            "probabilities": {c: round(p, 4) for c, p in self.probabilities.items()},
            "top": None if self.refused else self.top,
            "refused": self.refused is not None,
            "reason": self.refused,
            "urgency": self.urgency,
            "quality": self.quality.to_dict() if self.quality else None,
        }


class ImageChecker:
    """Checks photos end to end with a loaded :class:`Predictor`."""

    def __init__(
        self,
        predictor: Predictor,
        min_side: int = 64,
        max_pixels: int = 40_000_000,
        threads: int = 1,
    ) -> None:
        self.predictor = predictor
        self.min_side = min_side
        self.max_pixels = max_pixels
        self.threads = threads

    @classmethod
    def load(cls, path: Path = DEFAULT_CHECKPOINT, **kwargs: Any) -> ImageChecker:
        predictor, _ = load_checkpoint(path)
        return cls(predictor, **kwargs)

    def check(self, data: bytes, *, with_heatmap: bool = True) -> CheckResult:
        """Check one photo's bytes. Raises ``InputError`` when the file cannot be decoded."""
        clock = time.perf_counter()
        timings: dict[str, float] = {}

        def lap(name: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            timings[name] = round((now - clock) * 1000, 2)
            clock = now

        photo, size = decode_photo(data, self.max_pixels)
        work = working_copy(photo)
        lap("decode")
        quality = assess(work, size, self.min_side)
        lap("quality")
        if quality.problem is not None:
            return CheckResult(refused=quality.problem, quality=quality, timings_ms=timings)
        return self.check_pixels(to_model_input(photo), work, quality, timings, with_heatmap)

    def check_pixels(
        self,
        pixels: np.ndarray,
        work: Any = None,
        quality: Quality | None = None,
        timings: dict[str, float] | None = None,
        with_heatmap: bool = True,
    ) -> CheckResult:
        """The network part of :meth:`check` for model-size pixels (S, S, 3) uint8."""
        p = self.predictor
        timings = timings if timings is not None else {}
        start = time.perf_counter()
        if self.threads > 0 and torch.get_num_threads() != self.threads:
            torch.set_num_threads(self.threads)  # OpenMP: this calling thread's team size
        tensor = torch.from_numpy(np.array(pixels, dtype=np.uint8)).permute(2, 0, 1)[None]
        fmaps, pooled, logits = p.views(tensor)
        mean_logits = logits.mean(0) / p.temperature  # (1, K)
        refused = bool(ood.is_refused(p.refusal, mean_logits, pooled.mean(0))[0])
        probs = mean_logits.softmax(1)[0].tolist()
        result = CheckResult(
            probabilities=dict(zip(p.classes, probs, strict=True)),
            quality=quality,
            timings_ms=timings,
        )
        timings["network"] = round((time.perf_counter() - start) * 1000, 2)
        if refused:
            result.refused = "not_skin"
            return result
        result.urgency = urgency(result.probabilities, p.refer_threshold)
        if with_heatmap and work is not None:
            start = time.perf_counter()
            top = p.classes.index(result.top or p.classes[0])
            cam = heatmap.class_activation(fmaps[:, 0], p.model.head.weight[top].detach())
            result.heatmap_png = heatmap.to_png(heatmap.overlay(work, cam))
            timings["heatmap"] = round((time.perf_counter() - start) * 1000, 2)
        return result
