"""Decoding uploaded bytes: every bad-input case, EXIF orientation and metadata removal."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from assistant.config import Settings
from assistant.testing import settings_for_tests
from assistant.validation import InputError, check_image_bytes, decode_image
from skills.image_check.photo import (
    WORK_SIDE,
    crop_box,
    decode_photo,
    open_photo,
    to_model_input,
    working_copy,
)
from tests.skills.image_check.photos import encode, jpeg_with_exif_orientation, png_bomb, skin_photo

LIMIT = 40_000_000


@pytest.fixture
def settings(tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    return settings_for_tests(tmp_path)


def _code(fn, *args) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as info:
        fn(*args)
    return info.value.code


def test_good_formats_open_as_upright_rgb(settings: Settings) -> None:
    pixels = skin_photo(1, (320, 240))
    for fmt in ("JPEG", "PNG", "WEBP"):
        data = encode(pixels, fmt)
        assert check_image_bytes(data, settings).mime == f"image/{fmt.lower()}"
        img = open_photo(data, LIMIT)
        assert img.mode == "RGB" and img.size == (320, 240)


def test_bad_inputs_get_clear_codes(settings: Settings) -> None:
    good = encode(skin_photo(2, (320, 240)))
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, format="GIF")
    cases = {
        b"": "image_empty",
        b"%PDF-1.7\n1 0 obj<<>>endobj": "image_unsupported",
        gif.getvalue(): "image_unsupported",
        b"just some text pretending to be a photo": "image_unsupported",
        b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4: "image_corrupt",  # JPEG magic, junk after
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 100: "image_corrupt",
        png_bomb(20000, 20000): "image_too_many_pixels",  # beyond Pillow's own hard limit
        png_bomb(7000, 7000): "image_too_many_pixels",  # 49 M pixels: beyond our 40 M limit
    }
    for data, code in cases.items():
        assert _code(check_image_bytes, data, settings) == code, data[:20]
    too_big = settings.replace(max_image_bytes=len(good) - 1)
    assert _code(check_image_bytes, good, too_big) == "image_too_large"
    assert _code(open_photo, png_bomb(20000, 20000), LIMIT) == "image_too_many_pixels"


def test_truncated_jpeg_passes_the_header_check_but_not_the_decode(settings: Settings) -> None:
    data = encode(skin_photo(3, (640, 480)))
    truncated = data[: len(data) // 2]
    check_image_bytes(truncated, settings)  # the header is intact: cheap checks pass
    assert _code(open_photo, truncated, LIMIT) == "image_corrupt"


def test_extension_does_not_matter_only_the_bytes(tmp_path, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    lying = tmp_path / "photo.jpg"
    lying.write_bytes(encode(skin_photo(4, (200, 150)), "PNG"))
    assert check_image_bytes(lying.read_bytes(), settings).mime == "image/png"
    text = tmp_path / "notes.png"
    text.write_text("hello")
    assert _code(check_image_bytes, text.read_bytes(), settings) == "image_unsupported"


def test_base64_path_shares_the_checks(settings: Settings) -> None:
    import base64

    bomb = base64.b64encode(png_bomb(20000, 20000)).decode()
    assert _code(decode_image, bomb, settings) == "image_too_many_pixels"
    assert _code(decode_image, "", settings) == "image_empty"


def test_exif_orientation_is_applied_and_metadata_dropped() -> None:
    pixels = skin_photo(5, (300, 200))
    img = open_photo(jpeg_with_exif_orientation(pixels, 6), LIMIT)
    assert img.size == (200, 300)  # rotated upright
    assert not img.info and len(img.getexif()) == 0
    out = io.BytesIO()
    img.save(out, format="PNG")
    assert b"TestCam" not in out.getvalue() and b"Exif" not in out.getvalue()


def test_big_jpeg_decodes_at_reduced_scale_but_not_below_the_working_size() -> None:
    data = encode(skin_photo(6, (2400, 1800)), quality=80)
    img, size = decode_photo(data, LIMIT)
    assert WORK_SIDE <= min(img.size) < 1800 and size == (2400, 1800)
    rotated = decode_photo(jpeg_with_exif_orientation(skin_photo(6, (900, 600)), 8), LIMIT)
    assert rotated[1] == (600, 900) and rotated[0].width < rotated[0].height
    work = working_copy(img)
    assert min(work.size) == WORK_SIDE and abs(work.width / work.height - 4 / 3) < 0.01


def test_crop_box_and_model_input() -> None:
    assert crop_box(600, 450) == (0, 0, 600, 450)  # 4:3 kept whole, like DermaMNIST
    left, top, right, bottom = crop_box(1600, 900)  # 16:9 -> centred 4:3
    assert (right - left, bottom - top) == (1200, 900) and left == 200
    left, top, right, bottom = crop_box(900, 1600)
    assert (right - left, bottom - top) == (900, 1200)
    arr = to_model_input(Image.fromarray(skin_photo(7, (600, 450))))
    assert arr.shape == (28, 28, 3) and arr.dtype == np.uint8
