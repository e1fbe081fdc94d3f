"""Wire formats: websocket frames and REST bodies, parsed into typed objects.

Frames are JSON text frames with a ``type`` field (see README, "Websocket protocol"). Parsing
never raises anything but :class:`~assistant.validation.InputError`, with codes
``invalid_utf8``, ``binary_frame``, ``frame_too_large``, ``invalid_json``, ``bad_frame`` and
``unknown_frame_type``; the content checks (text length, image type) are the shared ones in
:mod:`assistant.validation`, so REST and the websocket agree.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from assistant.validation import InputError, scrub

MAX_JSON_DEPTH = 32


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)


class ImagePayload(_Strict):
    data: str = Field(description="the image file, base64-encoded (a data: URL is accepted)")
    mime: str | None = Field(
        default=None, description="declared type; the bytes are sniffed anyway"
    )


class HelloFrame(_Strict):
    type: Literal["hello"]
    session_id: str | None = None
    locale: str | None = None


class MessageFrame(_Strict):
    type: Literal["message"]
    text: str = ""
    image: ImagePayload | None = None


class QuickReplyFrame(_Strict):
    type: Literal["quick_reply"]
    value: str


class ResetFrame(_Strict):
    type: Literal["reset"]


Frame = Annotated[
    HelloFrame | MessageFrame | QuickReplyFrame | ResetFrame, Field(discriminator="type")
]
_FRAME = TypeAdapter(Frame)
FRAME_TYPES = ("hello", "message", "quick_reply", "reset")


class ChatRequest(BaseModel):
    """Body of ``POST /api/v1/chat``."""

    model_config = ConfigDict(extra="ignore")
    session_id: str | None = Field(default=None, description="omit to start a new conversation")
    text: str = Field(default="", description="what the user said")
    locale: str | None = Field(
        default=None, description="e.g. en-US, en-GB: picks emergency numbers"
    )
    quick_reply: str | None = Field(default=None, description="value of a tapped quick reply")
    image: ImagePayload | None = None


def _depth(value: Any, level: int = 0) -> int:
    if level > MAX_JSON_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


def describe(exc: ValidationError) -> str:
    """A short, readable summary of a pydantic error (first problem only)."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()) if p not in FRAME_TYPES)
    return f"{where}: {first.get('msg', 'invalid')}" if where else str(first.get("msg", "invalid"))


def parse_frame(
    raw: str | bytes, max_bytes: int
) -> HelloFrame | MessageFrame | QuickReplyFrame | ResetFrame:
    """Parse one websocket frame (text, or binary that is rejected with a reason)."""
    if isinstance(raw, bytes):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("invalid_utf8") from None
        raise InputError("binary_frame")
    size = len(raw.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise InputError("frame_too_large", size=size, limit=max_bytes)
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, RecursionError) as exc:
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        raise InputError("invalid_json", detail=detail) from None
    if not isinstance(data, dict):
        raise InputError("bad_frame", detail="a frame must be a JSON object")
    if _depth(data) > MAX_JSON_DEPTH:
        raise InputError("bad_frame", detail="nested too deeply")
    data = scrub(data, MAX_JSON_DEPTH)  # "\ud800" escapes would poison the session's history
    kind = data.get("type")
    if not isinstance(kind, str):
        raise InputError("bad_frame", detail="missing 'type'")
    if kind not in FRAME_TYPES:
        raise InputError("unknown_frame_type", frame_type=kind[:40])
    try:
        return _FRAME.validate_python(data)
    except ValidationError as exc:
        raise InputError("bad_frame", detail=describe(exc)) from None
