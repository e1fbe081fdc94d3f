"""Input validation shared by every channel: text, images, session ids, locales.

Each check raises :class:`InputError` with a stable ``code`` (part of the public API) and the
variables its message needs; the channel renders the message from ``prompts/errors.yaml``. No
channel repeats these rules, so the web, REST and the terminal reject bad input the same way.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import warnings
from typing import Any

from PIL import Image, UnidentifiedImageError

from assistant.config import Settings
from assistant.prompts import Prompts
from assistant.types import ImageData

_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# Lone UTF-16 surrogates: JSON can carry them as escapes ("\\ud800"), UTF-8 cannot encode them.
_SURROGATE = re.compile("[\ud800-\udfff]")
_LOCALE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,3}$")
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"WEBP", 8, "image/webp"),
)
MAX_IMAGE_PIXELS = 40_000_000  # hard ceiling; settings.max_image_pixels may only lower it
# A JPEG is decoded already shrunk (skills/image_check/photo.py); PNG and WebP are decoded at full
# size, which costs Pillow about 8 (PNG) to 15 (WebP) bytes a pixel at its peak, so a 50 KB WebP
# of 40 M pixels would take 600 MB. They get a lower ceiling (about 250 MB at most).
MAX_FULL_DECODE_PIXELS = 16_000_000


class InputError(ValueError):
    """Bad input from a user or client. ``code`` names the template in ``prompts/errors.yaml``."""

    def __init__(self, code: str, status: int = 400, **variables: Any) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.variables = variables

    def message(self, prompts: Prompts) -> str:
        return scrub_text(prompts.render(f"errors.{self.code}", **self.variables))

    def to_dict(self, prompts: Prompts) -> dict[str, str]:
        return {"code": self.code, "message": self.message(prompts)}


def scrub_text(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (see :func:`scrub`)."""
    return _SURROGATE.sub("\ufffd", text)


def scrub(value: Any, depth: int = 32) -> Any:
    """``value`` with every lone surrogate in its strings (and keys) replaced by U+FFFD.

    A JSON escape such as ``"\\ud800"`` decodes to a string that cannot be encoded as UTF-8, so
    storing it, or echoing it in a reply or an error, would fail later; channels scrub what they
    parse. Lists and dicts are scrubbed ``depth`` levels down (deeper data is returned as it is:
    no request field nests that far, so it is refused by validation anyway).
    """
    if isinstance(value, str):
        return scrub_text(value)
    if depth <= 0:
        return value
    if isinstance(value, list):
        return [scrub(v, depth - 1) for v in value]
    if isinstance(value, dict):
        return {scrub(k): scrub(v, depth - 1) for k, v in value.items()}
    return value


def check_text(text: str, settings: Settings, *, allow_empty: bool = False) -> str:
    """Strip the text and enforce the length limit; empty is an error unless ``allow_empty``."""
    cleaned = scrub_text(text).replace("\x00", "").strip()
    if not cleaned and not allow_empty:
        raise InputError("empty_message")
    if len(cleaned) > settings.max_message_chars:
        raise InputError("message_too_long", length=len(cleaned), limit=settings.max_message_chars)
    return cleaned


def check_session_id(session_id: str) -> str:
    if not _SESSION_ID.match(session_id):
        raise InputError("bad_session_id")
    return session_id


def check_locale(locale: str | None) -> str | None:
    """A BCP-47-ish tag such as ``en-GB`` or ``pt_BR``; ``None`` passes through."""
    if locale is None or locale == "":
        return None
    if not _LOCALE.match(locale):
        raise InputError("bad_frame", detail="locale must look like 'en-GB'")
    return locale.replace("_", "-")


def sniff_mime(data: bytes) -> str | None:
    """The image type from the file's first bytes (the declared MIME type is not trusted)."""
    for magic, offset, mime in _SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            if mime == "image/webp" and not data.startswith(b"RIFF"):
                continue
            return mime
    return None


def decode_image(data_b64: str, settings: Settings) -> ImageData:
    """Decode a base64 image, check its size, its real type and that it opens."""
    if len(data_b64) > settings.max_image_bytes * 4 // 3 + 8:
        raise InputError(
            "image_too_large", size=len(data_b64) * 3 // 4, limit=settings.max_image_bytes
        )
    if data_b64.startswith("data:") and "," in data_b64:
        data_b64 = data_b64.split(",", 1)[1]  # tolerate a data: URL as browsers produce them
    try:
        data = base64.b64decode(data_b64, validate=True)
    except (binascii.Error, ValueError):
        raise InputError("image_bad_base64") from None
    return check_image_bytes(data, settings)


def check_image_bytes(data: bytes, settings: Settings) -> ImageData:
    """Check raw image bytes: size, real type (sniffed, not the name), pixel count, header.

    Shared by the websocket and chat (after base64), the multipart upload and the command line.
    The pixel count is read from the header, so a decompression bomb (a small file that would
    decode to gigabytes) is refused before any pixel is decoded; a full decode happens later, in
    the skill that looks at the picture.
    """
    if not data:
        raise InputError("image_empty")
    if len(data) > settings.max_image_bytes:
        raise InputError(
            "image_too_large", status=413, size=len(data), limit=settings.max_image_bytes
        )
    mime = sniff_mime(data)
    if mime is None:
        raise InputError("image_unsupported", status=415)
    ceiling = MAX_IMAGE_PIXELS if mime == "image/jpeg" else MAX_FULL_DECODE_PIXELS
    limit = min(settings.max_image_pixels, ceiling)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.width * img.height > limit:
                    raise InputError(
                        "image_too_many_pixels",
                        status=413,
                        width=img.width,
                        height=img.height,
                        limit=f"{limit / 1e6:g}",
                    )
                img.verify()
    except InputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(
            "image_too_many_pixels", status=413, width="?", height="?", limit=f"{limit / 1e6:g}"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError):
        raise InputError("image_corrupt") from None
    return ImageData(data=data, mime=mime)
