"""``POST /api/v1/image-check``: the skin-photo check as a REST service (multipart upload).

Send the photo as the multipart field ``file`` (JPEG, PNG or WebP; ``heatmap=false`` in the query
leaves the heat map out). The answer is the same JSON as one line of ``vita image-check --json``
(``file``, ``probabilities`` of all seven classes, ``top``, ``refused``, ``reason``, ``urgency``,
``quality``) plus ``card``: the :class:`~assistant.types.ImageCheckCard` the chat would show.
A refusal (blurry, dark, not skin...) is a normal 200 answer with ``refused: true``.

Errors have the engine's shape (``{"error": {"code", "message"}}``): ``image_empty`` (400),
``image_too_large`` (413), ``image_too_many_pixels`` (413), ``image_unsupported`` (415),
``image_corrupt`` (400), ``bad_request`` (422, no ``file`` field), ``image_check_disabled``
(503, the skill is not switched on), ``unavailable`` (503: still warming up, or the checkpoint
could not be loaded), ``rate_limited`` (429). The photo is read in memory and never stored:
the multipart body is parsed by :func:`assistant.channels.uploads.read_upload`, not FastAPI's
``UploadFile``, whose spool moves uploads over 1 MB to a temporary file on disk.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from assistant.channels.rest import ERRORS
from assistant.channels.uploads import multipart_body, read_upload
from assistant.runtime import Runtime
from assistant.validation import InputError, check_image_bytes
from skills.image_check.card import build_card
from skills.image_check.skill import NAME, ImageCheckSkill

router = APIRouter()


class ImageCheckResponse(BaseModel):
    file: str | None
    probabilities: dict[str, float] = Field(description="calibrated, all seven classes")
    top: str | None = Field(description="most likely class code; null when refused")
    refused: bool
    reason: str | None = Field(
        description="too_small, too_dark, too_bright, too_blurry, not_skin, unreadable"
    )
    urgency: str | None = Field(description="doctor_2_weeks, routine or monitor")
    quality: dict[str, Any] | None
    card: dict[str, Any] = Field(description="the image_check card (heat map PNG in base64)")


@router.post(
    "/api/v1/image-check",
    response_model=ImageCheckResponse,
    responses={**ERRORS, 415: ERRORS[400]},
    tags=["image check"],
    openapi_extra=multipart_body("file", "the photo: JPEG, PNG or WebP"),
)
async def image_check(request: Request, heatmap: bool = True) -> ImageCheckResponse:
    """Check a photo of a skin spot: how soon to see a doctor, or why it cannot be judged."""
    rt: Runtime = request.app.state.runtime
    client = request.client.host if request.client else "unknown"
    rt.check_rate(f"client:{client}")
    filename, data = await read_upload(
        request, "file", rt.settings.max_frame_bytes, rt.settings.max_image_bytes
    )
    picture = check_image_bytes(data, rt.settings)
    skill = rt.skill(NAME)
    if not isinstance(skill, ImageCheckSkill):
        raise InputError("image_check_disabled", status=503)
    if not await rt.wait_ready() or skill.checker is None:
        raise InputError("unavailable", status=503)
    checker = skill.checker
    result = await asyncio.to_thread(checker.check, picture.data, with_heatmap=heatmap)
    body = result.to_json()
    card = build_card(result, rt.prompts).to_dict()
    return ImageCheckResponse(file=filename, card=card, **body)
