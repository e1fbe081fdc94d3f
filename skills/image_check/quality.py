"""Photo-quality checks that run before the network: too small, dark, bright, flat or blurry.

Each failed check names a refusal reason whose message (``prompts/image_check.yaml``,
``image_check.refusals.<reason>``) tells the person what to do differently, for example "the
photo is blurry — hold the camera steady about 10 cm away in good light".

Measured on the working copy (short side 224 pixels, see ``photo.py``) in grayscale (ITU-R 601
luma, 0..255).

Decisions (thresholds measured on the 70 full-size HAM10000 photos of
``../shared/data/ham10000_sample`` and on blurred, darkened and brightened copies of them):
    * Sharpness is the standard deviation of the 4-neighbour Laplacian. The real photos measure
      4.6 to 52 (median 9.6). The same photos under a Gaussian blur of radius 2 pixels per 256
      pixels of height measure 1.6 to 3.0 (68 of 70 fall under the line), under radius 4 at most
      1.8; JPEG noise keeps even a featureless blur near 1. The line is drawn at 3.0.
    * Brightness: the real photos have a mean luma of 114 to 198 and no blown-out pixels. Below
      45 the photo is too dark; above 230, or with more than 40% of pixels blown out to white, it
      is over-exposed.
    * A picture with almost no variation at all (luma standard deviation under 4; the real photos
      have 7.6 or more) shows no lesion: it is refused as "not a skin close-up", not as blurry.
    * Too small is a short side under ``image_check_min_side`` pixels (64 by default): the
      network reads 28x28 pixels, but a smaller original shows too little to judge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

MIN_SHARPNESS = 3.0
MIN_MEAN_LUMA = 45.0
MAX_MEAN_LUMA = 230.0
MAX_BLOWN_SHARE = 0.4
MIN_LUMA_STD = 4.0


@dataclass(frozen=True)
class Quality:
    """The measurements of one photo and the first problem found (None if it is fine)."""

    width: int
    height: int
    mean_luma: float
    luma_std: float
    blown_share: float
    sharpness: float
    problem: str | None

    def to_dict(self) -> dict[str, float | int | str | None]:
        return {
            "width": self.width,
            "height": self.height,
            "mean_luma": round(self.mean_luma, 1),
            "luma_std": round(self.luma_std, 1),
            "blown_share": round(self.blown_share, 3),
            "sharpness": round(self.sharpness, 2),
            "problem": self.problem,
        }


def sharpness(gray: np.ndarray) -> float:
    """Standard deviation of the 4-neighbour Laplacian of a grayscale float image."""
    if gray.shape[0] < 3 or gray.shape[1] < 3:
        return 0.0
    lap = gray[1:-1, :-2] + gray[1:-1, 2:] + gray[:-2, 1:-1] + gray[2:, 1:-1] - 4 * gray[1:-1, 1:-1]
    return float(lap.std())


def assess(work: Image.Image, original_size: tuple[int, int], min_side: int) -> Quality:
    """Measure the working copy and name the first problem, in the order a person would fix them.

    Args:
        work: the RGB working copy (short side at most 224 pixels).
        original_size: (width, height) of the photo as sent.
        min_side: the smallest acceptable short side of the original, in pixels.
    """
    gray = np.asarray(work.convert("L"), dtype=np.float32)
    mean, std = float(gray.mean()), float(gray.std())
    blown = float((np.asarray(work).min(axis=2) >= 250).mean())
    sharp = sharpness(gray)
    width, height = original_size
    problem: str | None = None
    if min(width, height) < min_side:
        problem = "too_small"
    elif mean < MIN_MEAN_LUMA:
        problem = "too_dark"
    elif mean > MAX_MEAN_LUMA or blown > MAX_BLOWN_SHARE:
        problem = "too_bright"
    elif std < MIN_LUMA_STD:
        problem = "not_skin"
    elif sharp < MIN_SHARPNESS:
        problem = "too_blurry"
    return Quality(width, height, mean, std, blown, sharp, problem)
