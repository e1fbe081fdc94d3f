"""The websocket channel at ``/ws``: JSON frames in, typed replies out.

One :class:`Connection` per socket. A reader parses and checks every frame at once (bad frames
and floods get an ``error`` frame straight away and never reach the manager); accepted turns go
into a queue that one worker answers in order, so replies never overtake each other. If the socket
drops, turns already accepted are still answered and stored, and come back in the ``history`` of
the next ``hello``. A frame before ``hello`` starts a new session implicitly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from urllib.parse import urlsplit

from fastapi import WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

from assistant.channels.protocol import (
    HelloFrame,
    MessageFrame,
    QuickReplyFrame,
    ResetFrame,
    parse_frame,
)
from assistant.runtime import Runtime
from assistant.types import Reply, UserMessage, new_id
from assistant.validation import InputError, check_locale, check_session_id

log = logging.getLogger("vita.ws")
MAX_PENDING = 16  # accepted turns waiting for an answer, per connection


class Connection:
    """State of one websocket: its session, locale, outgoing lock and turn queue."""

    def __init__(self, ws: WebSocket, runtime: Runtime) -> None:
        self.ws = ws
        self.rt = runtime
        self.key = f"conn:{new_id()}"  # unique across workers: the limiter may be shared
        self.session_id: str | None = None
        self.locale: str | None = None
        self.queue: asyncio.Queue[UserMessage | ResetFrame | None] = asyncio.Queue()
        self._send_lock = asyncio.Lock()

    async def send(self, frame: dict[str, Any]) -> None:
        if self.ws.application_state != WebSocketState.CONNECTED:
            return
        async with self._send_lock:
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                await self.ws.send_json(frame)

    async def send_error(self, err: InputError) -> None:
        self.rt.manager.metrics.error(err.code)
        await self.send({"type": "error", **err.to_dict(self.rt.prompts)})

    async def serve(self) -> None:
        worker = asyncio.create_task(self._answer_turns())
        try:
            while True:
                message = await self.ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                raw = message.get("text")
                await self._on_frame(raw if raw is not None else message.get("bytes") or b"")
        except WebSocketDisconnect:
            pass
        finally:
            self.queue.put_nowait(None)  # the worker drains accepted turns, then stops
            with contextlib.suppress(Exception):
                await asyncio.shield(worker)

    async def _on_frame(self, raw: str | bytes) -> None:
        try:
            self.rt.check_rate(self.key)
            frame = parse_frame(raw, self.rt.settings.max_frame_bytes)
            if isinstance(frame, HelloFrame):
                await self._hello(frame)
                return
            if self.session_id is None:
                await self._hello(HelloFrame(type="hello"))
            assert self.session_id is not None
            self.rt.check_rate(f"session:{self.session_id}")
            # validate now, so a bad message is answered at once and never queued
            turn = frame if isinstance(frame, ResetFrame) else self._message(frame)
            if self.queue.qsize() >= MAX_PENDING:
                raise InputError("rate_limited", status=429)
            self.queue.put_nowait(turn)
        except InputError as err:
            await self.send_error(err)
        except Exception:  # e.g. the store failed while resuming: answer it, keep the connection
            log.exception("frame failed on session %s…", (self.session_id or "")[:8])
            await self.send_error(InputError("internal", status=500))

    def _message(self, frame: MessageFrame | QuickReplyFrame) -> UserMessage:
        assert self.session_id is not None
        if isinstance(frame, MessageFrame):
            return self.rt.user_message(
                self.session_id, frame.text, locale=self.locale, image=frame.image
            )
        return self.rt.user_message(
            self.session_id, "", locale=self.locale, quick_reply=frame.value
        )

    async def _hello(self, frame: HelloFrame) -> None:
        self.locale = check_locale(frame.locale) or self.locale
        manager = self.rt.manager
        resumed = False
        history: list[dict[str, Any]] = []
        if frame.session_id:
            try:
                check_session_id(frame.session_id)
            except InputError as err:
                await self.send_error(err)
            else:
                if await manager.exists(frame.session_id):
                    self.session_id, resumed = frame.session_id, True
                    state = await manager.state(frame.session_id)
                    limit = self.rt.settings.history_limit
                    history = [t.to_dict() for t in state.history[-limit:]] if limit > 0 else []
        if not resumed:
            # a new conversation counts against the client's address, as over REST, so one
            # client cannot create sessions without limit by opening many connections
            client = self.ws.client.host if self.ws.client else "unknown"
            self.rt.check_rate(f"client:{client}")
            self.session_id = await asyncio.to_thread(manager.new_session)
        await self.send(
            {"type": "hello", "session_id": self.session_id, "resumed": resumed, "history": history}
        )

    async def _answer_turns(self) -> None:
        while (frame := await self.queue.get()) is not None:
            await self.send({"type": "typing", "on": True})
            try:
                replies = await self._turn(frame)
                for reply in replies:
                    await self.send({"type": "reply", **reply.to_dict()})
            except InputError as err:
                await self.send_error(err)
            except Exception:
                log.exception("turn failed on session %s…", (self.session_id or "")[:8])
                await self.send_error(InputError("internal", status=500))
            finally:
                await self.send({"type": "typing", "on": False})

    async def _turn(self, turn: UserMessage | ResetFrame) -> list[Reply]:
        assert self.session_id is not None
        if not await self.rt.wait_ready():
            raise InputError("unavailable", status=503)
        if isinstance(turn, ResetFrame):
            return await self.rt.manager.reset(self.session_id)
        return await self.rt.manager.handle(turn)


def origin_allowed(origin: str | None, host: str | None, allowed: tuple[str, ...]) -> bool:
    """Browsers always send ``Origin``: accept the page's own origin and ``allowed_origins``.

    Clients that send no ``Origin`` (scripts, the load generator) are not browsers and cannot be
    used for cross-site websocket hijacking, so they are accepted.
    """
    if origin is None or "*" in allowed or origin in allowed:
        return True
    return urlsplit(origin).netloc == (host or "")


async def websocket_endpoint(ws: WebSocket) -> None:
    runtime: Runtime = ws.app.state.runtime
    if not origin_allowed(
        ws.headers.get("origin"), ws.headers.get("host"), runtime.settings.allowed_origins
    ):
        log.warning("websocket from a foreign origin refused: %s", ws.headers.get("origin"))
        await ws.close(code=1008)
        return
    await ws.accept()
    await Connection(ws, runtime).serve()
