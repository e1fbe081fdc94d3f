"""A request body limit that also holds for bodies sent without ``Content-Length``.

``server.py`` refuses a request whose ``Content-Length`` is over ``max_frame_bytes`` before
reading it. A chunked body (``Transfer-Encoding: chunked``) announces no length, so without this
middleware it would be read whole into memory, however large. :class:`BodyLimit` counts the bytes
as they arrive and raises :class:`BodyTooLarge` as soon as the count passes the limit; the app
answers it with ``413 frame_too_large`` like an announced oversized body.

:class:`BodyTooLarge` is an ``HTTPException`` on purpose: FastAPI passes those through unchanged
when they happen while it reads a body, where it turns any other exception into a 400.
"""

from __future__ import annotations

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(HTTPException):
    """The request body grew past ``limit`` bytes (``size`` read so far)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(status_code=413)
        self.size = size
        self.limit = limit


class BodyLimit:
    """Pure ASGI middleware: at most ``limit`` bytes of request body per HTTP request."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(received, self.limit)
            return message

        await self.app(scope, counted, send)
