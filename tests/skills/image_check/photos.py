"""Pictures built for the tests: skin-like photos, constructed non-skin pictures, bad files."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image

from skills.image_check.data import CLASSES

# a colour per class, so a tiny network can learn the synthetic data set in a few steps
CLASS_COLOURS = {
    "akiec": (200, 110, 100),
    "bcc": (220, 170, 170),
    "bkl": (150, 110, 70),
    "df": (170, 120, 110),
    "mel": (60, 40, 45),
    "nv": (120, 80, 60),
    "vasc": (190, 40, 60),
}


def skin_photo(
    seed: int = 0, size: tuple[int, int] = (600, 450), lesion: tuple[int, int, int] | None = None
) -> np.ndarray:
    """A sharp, well-lit photo-like picture: pink skin with fine texture and a darker blob."""
    rng = np.random.default_rng(seed)
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    skin = np.array([225, 170, 160], dtype=np.float32) + rng.normal(0, 6, 3)
    pixels = np.broadcast_to(skin, (h, w, 3)).copy()
    cx, cy = w * rng.uniform(0.4, 0.6), h * rng.uniform(0.4, 0.6)
    rx, ry = w * rng.uniform(0.12, 0.22), h * rng.uniform(0.12, 0.22)
    inside = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 < 1
    colour = np.array(lesion or (120, 80, 60), dtype=np.float32)
    pixels[inside] = colour
    pixels += rng.normal(0, 9, (h, w, 3))  # texture: pores, hairs, sensor noise
    return np.clip(pixels, 0, 255).astype(np.uint8)


def encode(pixels: np.ndarray, fmt: str = "JPEG", **params: object) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=fmt, **params)
    return buffer.getvalue()


def synthetic_npz_arrays(per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """28x28 pictures, ``per_class`` of each class, coloured by class; MedMNIST layout."""
    images, labels = [], []
    for index, code in enumerate(CLASSES):
        for j in range(per_class):
            big = skin_photo(seed * 1000 + index * 100 + j, (112, 112), CLASS_COLOURS[code])
            images.append(
                np.asarray(Image.fromarray(big).resize((28, 28), Image.Resampling.BICUBIC))
            )
            labels.append([index])
    return np.stack(images), np.array(labels, dtype=np.uint8)


def png_bomb(width: int = 20000, height: int = 20000) -> bytes:
    """A valid 1-bit PNG of ``width`` x ``height`` white pixels: tiny file, huge image."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    compressor = zlib.compressobj(1)
    block = row * 500
    parts = [compressor.compress(block) for _ in range(height // 500)]
    parts.append(compressor.compress(row * (height % 500)))
    data = b"".join(parts) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def jpeg_with_exif_orientation(pixels: np.ndarray, orientation: int = 6) -> bytes:
    """A JPEG whose EXIF says "rotate" (6 = 90 degrees clockwise) and carries a GPS tag."""
    img = Image.fromarray(pixels)
    exif = img.getexif()
    exif[0x0112] = orientation
    exif[0x010F] = "TestCam"  # Make
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPS IFD
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", exif=exif, quality=90)
    return buffer.getvalue()
