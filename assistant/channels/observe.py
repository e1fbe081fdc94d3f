"""Request ids, the request log and ``GET /metrics``.

:class:`ObserveMiddleware` wraps the whole app (it is the outermost middleware), for HTTP and the
websocket alike:

* it takes the client's ``X-Request-ID`` when that is a short plain token (letters, digits,
  ``._:-``, at most 64), else makes one, puts it in :data:`assistant.logs.request_id` for every
  log record of the request, and sends it back in the ``X-Request-ID`` response header (on the
  websocket's handshake answer too);
* it logs one line per HTTP request (``vita.http``: method, route template, status, time; health
  probes and metric scrapes only at debug level) and one when a websocket opens and closes
  (``vita.ws``). Client addresses and raw paths are not
  logged: the template ``/api/v1/sessions/{session_id}`` carries no session id;
* it counts requests by method, route template and status, and open websockets
  (:class:`~assistant.metrics.Metrics`).

``GET /metrics`` answers the Prometheus text format. It is open like ``/healthz`` unless
``api_keys`` are set; then it needs a key like the REST API (Prometheus sends one with
``authorization: {credentials: KEY}`` in its scrape config). ``metrics = false`` turns it off (404).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.datastructures import MutableHeaders
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant import logs
from assistant.channels.rest import ERRORS
from assistant.metrics import Metrics
from assistant.validation import InputError

router = APIRouter()
http_log = logging.getLogger("vita.http")
ws_log = logging.getLogger("vita.ws")
HEADER = "X-Request-ID"
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})  # probes and scrapes: debug only


def route_label(scope: Scope) -> str:
    """The matched route's template (bounded), ``static`` for the web files, else ``unmatched``."""
    route = scope.get("route")
    if isinstance(route, Mount):
        return "static"
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else "unmatched"


def _metrics(scope: Scope) -> Metrics | None:
    app = scope.get("app")
    runtime = getattr(getattr(app, "state", None), "runtime", None)
    metrics = getattr(getattr(runtime, "manager", None), "metrics", None)
    return metrics if isinstance(metrics, Metrics) else None


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            return str(value.decode("latin-1"))
    return None


class ObserveMiddleware:
    """Pure ASGI middleware (so it sees websockets too); see the module docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        rid = logs.accept_request_id(_incoming_id(scope))
        token = logs.request_id.set(rid)
        try:
            if scope["type"] == "http":
                await self._http(scope, receive, send, rid)
            else:
                await self._websocket(scope, receive, send, rid)
        finally:
            logs.request_id.reset(token)

    async def _http(self, scope: Scope, receive: Receive, send: Send, rid: str) -> None:
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before it answers

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)[HEADER] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            method, route = scope.get("method", "GET"), route_label(scope)
            metrics = _metrics(scope)
            if metrics is not None:
                metrics.request(method, route, status)
            ms = (time.perf_counter() - started) * 1000
            level = logging.DEBUG if route in QUIET_ROUTES and status < 400 else logging.INFO
            http_log.log(level, "%s %s %d %.1f ms", method, route, status, ms)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send, rid: str) -> None:
        started = time.perf_counter()
        metrics = _metrics(scope)
        accepted = False

        async def send_with_id(message: Message) -> None:
            nonlocal accepted
            if message["type"] == "websocket.accept" and not accepted:
                accepted = True
                headers: list[Any] = list(message.get("headers") or [])
                message = {**message, "headers": [*headers, (b"x-request-id", rid.encode())]}
                if metrics is not None:
                    metrics.websockets.inc()
                ws_log.info("websocket opened")
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if accepted:
                if metrics is not None:
                    metrics.websockets.dec()
                ws_log.info("websocket closed after %.1f s", time.perf_counter() - started)


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "content": {"text/plain": {"schema": {"type": "string"}}},
            "description": "Prometheus text exposition format.",
        },
        404: ERRORS[404],  # metrics = false
    },
    tags=["observability"],
)
async def metrics_endpoint(request: Request) -> Response:
    """Counters, histograms and gauges in the Prometheus text format (see README)."""
    runtime = request.app.state.runtime
    if not runtime.settings.metrics:
        raise InputError("not_found", status=404)
    body, content_type = await asyncio.to_thread(runtime.manager.metrics.render)
    return Response(body, headers={"Content-Type": content_type})
