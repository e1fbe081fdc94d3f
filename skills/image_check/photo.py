"""From uploaded bytes to pixels: decoding, orientation, metadata removal, resizing.

Every photo takes this path, whatever channel it came through (web, REST, terminal, the
``vita image-check`` command, the folder-per-class training loader and the full-resolution
evaluation), so what the network sees in use is what it saw when it was evaluated.

Decisions:
    * The bytes are sniffed, never trusted by name: only JPEG, PNG and WebP are opened
      (:func:`assistant.validation.check_image_bytes`), with an explicit pixel limit checked
      from the header before any pixel is decoded, so a decompression bomb costs nothing.
    * JPEGs are decoded at a reduced scale (Pillow's ``draft``, the DCT does the shrinking) to no
      less than :data:`WORK_SIDE` pixels on the short side: a 12-megapixel phone photo decodes in
      a few milliseconds, and the quality checks and heat map need no more.
    * EXIF orientation is applied (the eight transpositions of ``ImageOps.exif_transpose``) and
      every piece of metadata (EXIF with its GPS position, ICC, XMP, comments) is dropped: the
      pixels are copied into a plain image whose ``info`` is emptied. Nothing is written to disk.
    * DermaMNIST squashed the 600x450 HAM10000 photos to 28x28 without cropping, so a 4:3 photo
      is squashed the same way; a photo more elongated than 4:3 (a phone's 16:9) is first
      centre-cropped to 4:3 so the lesion keeps the proportions the network learned.
    * Downscaling is Pillow's antialiased bicubic resampling, as MedMNIST's own preprocessing.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image

from assistant.validation import InputError, sniff_mime

WORK_SIDE = 224  # short side (pixels) of the working copy used for quality checks and heat maps
_ORIENTATION = 0x0112  # the EXIF tag
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
MAX_ASPECT = 4 / 3


def open_photo(data: bytes, max_pixels: int) -> Image.Image:
    """Decode image bytes into an upright RGB image without metadata (see :func:`decode_photo`)."""
    return decode_photo(data, max_pixels)[0]


def decode_photo(data: bytes, max_pixels: int) -> tuple[Image.Image, tuple[int, int]]:
    """Decode image bytes into an upright RGB image without metadata, and the original size.

    Args:
        data: the file's bytes (already size-checked by the caller).
        max_pixels: refuse images with more pixels than this (width x height from the header).

    Returns:
        An RGB image whose short side is at least :data:`WORK_SIDE` when the original was (or
        the original size when smaller), and the upright (width, height) of the photo as sent.

    Raises:
        InputError: ``image_unsupported`` (not JPEG/PNG/WebP), ``image_too_many_pixels`` or
            ``image_corrupt`` (truncated or damaged file).
    """
    if sniff_mime(data) is None:
        raise InputError("image_unsupported", status=415)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                width, height = img.size
                if width * height > max_pixels:
                    raise InputError(
                        "image_too_many_pixels",
                        status=413,
                        width=width,
                        height=height,
                        limit=f"{max_pixels / 1e6:g}",
                    )
                if img.format == "JPEG":
                    scale = max(1, min(width, height) // WORK_SIDE)
                    img.draft("RGB", (max(1, width // scale), max(1, height // scale)))
                orientation = img.getexif().get(_ORIENTATION, 1)
                # convert/copy gives a plain image: its info (EXIF, GPS, ICC, XMP) is cleared
                # below, and it keeps no link to the file's metadata segments
                rgb = img.convert("RGB") if img.mode != "RGB" else img.copy()
    except InputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(
            "image_too_many_pixels", status=413, width=0, height=0, limit=f"{max_pixels / 1e6:g}"
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError):
        raise InputError("image_corrupt") from None
    if rgb.width < 1 or rgb.height < 1:
        raise InputError("image_corrupt")
    transpose = _TRANSPOSE.get(orientation if isinstance(orientation, int) else 1)
    if transpose is not None:
        rgb = rgb.transpose(transpose)
    rgb.info = {}
    upright = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
    return rgb, upright


def working_copy(img: Image.Image) -> Image.Image:
    """The photo shrunk so its short side is :data:`WORK_SIDE` (never enlarged)."""
    short = min(img.size)
    if short <= WORK_SIDE:
        return img
    scale = WORK_SIDE / short
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    return img.resize(size, Image.Resampling.BOX)


def crop_box(width: int, height: int) -> tuple[int, int, int, int]:
    """The centred box with an aspect ratio of at most 4:3 (the whole image when it already is)."""
    if width >= height:
        w = min(width, round(height * MAX_ASPECT))
        h = height
    else:
        w = width
        h = min(height, round(width * MAX_ASPECT))
    left, top = (width - w) // 2, (height - h) // 2
    return left, top, left + w, top + h


def to_model_input(img: Image.Image, size: int = 28) -> np.ndarray:
    """Pixels the network reads: (size, size, 3) uint8, squashed like DermaMNIST."""
    box = crop_box(img.width, img.height)
    small = img.resize((size, size), Image.Resampling.BICUBIC, box=box)
    return np.asarray(small, dtype=np.uint8)
