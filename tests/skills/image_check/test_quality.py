"""Photo-quality checks: each problem found with its specific advice, good photos pass."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from assistant.config import Settings
from assistant.prompts import Prompts
from skills.image_check.photo import working_copy
from skills.image_check.quality import assess
from tests.skills.image_check.photos import skin_photo


def _problem(img: Image.Image, min_side: int = 64) -> str | None:
    return assess(working_copy(img), img.size, min_side).problem


def test_a_sharp_well_lit_photo_passes() -> None:
    q = assess(working_copy(Image.fromarray(skin_photo(1))), (600, 450), 64)
    assert q.problem is None and q.sharpness > 3
    assert q.to_dict()["width"] == 600


def test_each_problem_is_named() -> None:
    photo = Image.fromarray(skin_photo(2))
    arr = np.asarray(photo, dtype=np.float32)
    dark = Image.fromarray((arr * 0.12).astype(np.uint8))
    bright = Image.fromarray(np.clip(arr * 2.5 + 60, 0, 255).astype(np.uint8))
    blurry = photo.filter(ImageFilter.GaussianBlur(6))
    flat = Image.new("RGB", (600, 450), (200, 150, 140))
    assert _problem(photo.resize((50, 40))) == "too_small"
    assert _problem(dark) == "too_dark"
    assert _problem(bright) == "too_bright"
    assert _problem(blurry) == "too_blurry"
    assert _problem(flat) == "not_skin"


def test_every_problem_has_its_advice_in_the_prompts() -> None:
    p = Prompts(Settings().prompts_dir)
    assert "hold the camera steady about 10 cm away in good light" in p.render(
        "image_check.refusals.too_blurry"
    )
    for reason in ("too_small", "too_dark", "too_bright", "not_skin", "unreadable"):
        assert p.render(f"image_check.refusals.{reason}")
