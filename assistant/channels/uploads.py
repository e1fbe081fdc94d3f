"""Multipart uploads read into memory, never onto disk (photos are personal data).

Starlette parses a file field into a ``SpooledTemporaryFile`` that moves to a temporary file on
disk once it passes 1 MB, so a photo posted the ordinary FastAPI way (``UploadFile = File()``)
can land in ``/tmp``. :func:`read_upload` parses the body itself with a spool as large as the
whole body may be (``max_frame_bytes``, which ``server.py`` and ``channels/bodylimit.py`` enforce
with or without a ``Content-Length``), so the bytes stay in memory, and bounded.

An endpoint that uses it takes ``request: Request`` and declares its body for the OpenAPI page with
:func:`multipart_body`.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from assistant.validation import InputError


def multipart_body(field: str, description: str) -> dict[str, Any]:
    """``openapi_extra`` for an endpoint whose body is one required multipart file ``field``."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": [field],
                        "properties": {
                            field: {
                                "type": "string",
                                "format": "binary",
                                "description": description,
                            }
                        },
                    }
                }
            },
        }
    }


async def read_upload(
    request: Request, field: str, body_limit: int, file_limit: int
) -> tuple[str | None, bytes]:
    """The file name and at most ``file_limit + 1`` bytes of the multipart file ``field``.

    ``body_limit`` is the most the body can be (the app refuses longer ones before this reads
    them). Raises :class:`InputError`: ``bad_request`` (422) when the body is not multipart or
    lacks the field, ``bad_request`` (400) when it is malformed.
    """
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise InputError("bad_request", status=422, detail=f"{field}: Field required")
    parser = MultiPartParser(request.headers, request.stream(), max_files=1, max_fields=16)
    parser.spool_max_size = body_limit + 1  # the whole body fits: the spool never rolls to disk
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise InputError("bad_request", status=400, detail=exc.message[:200]) from None
    try:
        upload = form.get(field)
        if not isinstance(upload, UploadFile):
            raise InputError("bad_request", status=422, detail=f"{field}: Field required")
        return upload.filename, await upload.read(file_limit + 1)
    finally:
        await form.close()


__all__ = ["multipart_body", "read_upload"]
