"""``create_app(settings) -> FastAPI``: REST, the websocket, the web page, and error handling.

The lifespan builds the :class:`~assistant.runtime.Runtime` and starts warming models in a
background thread, so ``/healthz`` answers at once and ``/readyz`` says when turns can be served
(turns that arrive earlier wait for the warm-up). Every error, including FastAPI's own validation
errors and 404s, is answered as ``{"error": {"code", "message"}}``; an unexpected exception is
logged and answered with a 500 of the same shape, and the server keeps serving.

Observability and privacy (``channels/observe.py``, :mod:`assistant.logs`,
:mod:`assistant.retention`): the outermost middleware gives every request and websocket a
request id and counts it for ``GET /metrics``; log records are redacted; every error answered is
counted by code; the lifespan purges expired sessions at start and every hour.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant import __version__, logs, metrics, retention
from assistant.channels import access, observe, openapi, rest, web
from assistant.channels.bodylimit import BodyLimit, BodyTooLarge
from assistant.channels.websocket import websocket_endpoint
from assistant.config import Settings
from assistant.runtime import Runtime
from assistant.validation import InputError

log = logging.getLogger("vita.server")

# Modules that contribute REST endpoints; each defines ``router: fastapi.APIRouter`` whose
# handlers reach the running engine through ``request.app.state.runtime``.
ROUTER_MODULES: tuple[str, ...] = (
    "index.api",
    "skills.triage.api",
    "skills.image_check.api",
    "skills.workout.api",
)

_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "geolocation=(), microphone=()",
}
# The chat page loads only its own files and talks only to its own server. /docs is left out: the
# OpenAPI page's script and styles come from its own bundle with inline code.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'self'"
)


def create_app(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """The ASGI app. Pass ``runtime`` to inject fakes (tests); otherwise it is built from settings."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = runtime or Runtime.build(settings)
        app.state.runtime = rt
        rt.warm_up_in_background()
        try:
            async with retention.purging(rt):
                yield
        finally:
            rt.close()
            metrics.worker_stopped()

    logs.install()
    app = FastAPI(
        title="Vita API",
        version=__version__,
        description="Conversational health and fitness assistant. Not a diagnosis service.",
        lifespan=lifespan,
    )
    # innermost, so its 413 reaches the route directly (not through a middleware's task group)
    app.add_middleware(BodyLimit, limit=settings.max_frame_bytes)  # bodies with no Content-Length
    access.install(app, settings)  # before CORS, so a 401 still carries the CORS headers
    if settings.allowed_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.allowed_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Content-Type", "Authorization", "X-API-Key"],
            max_age=600,
        )

    @app.middleware("http")
    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length", "0")
        if length.isdigit() and int(length) > settings.max_frame_bytes:
            err = InputError(
                "frame_too_large", status=413, size=int(length), limit=settings.max_frame_bytes
            )
            return _error(request, err)
        response = await call_next(request)
        for key, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        if not request.url.path.startswith(("/docs", "/redoc")):
            response.headers.setdefault("Content-Security-Policy", _CSP)
        return response

    app.add_middleware(observe.ObserveMiddleware)  # last added = outermost: sees every request
    _install_error_handlers(app)
    app.include_router(rest.router)
    app.include_router(observe.router)  # /metrics
    app.include_router(web.router)  # /widget.js, /demo, /api/v1/widget/config
    for module_name in ROUTER_MODULES:
        app.include_router(importlib.import_module(module_name).router)
    app.add_api_websocket_route("/ws", websocket_endpoint)
    openapi.install(app, settings)
    if settings.web_dir.is_dir():
        app.mount("/", StaticFiles(directory=settings.web_dir, html=True), name="web")
    return app


def _prompts_of(request: Request) -> Any:
    return request.app.state.runtime.prompts


def _error(request: Request, err: InputError) -> JSONResponse:
    request.app.state.runtime.manager.metrics.error(err.code)
    return JSONResponse({"error": err.to_dict(_prompts_of(request))}, status_code=err.status)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(InputError)
    async def on_input_error(request: Request, exc: InputError) -> JSONResponse:
        return _error(request, exc)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if errors and errors[0].get("type") == "json_invalid":
            return _error(request, InputError("invalid_json", detail=str(errors[0].get("msg", ""))))
        first = errors[0] if errors else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        detail = (
            f"{where}: {first.get('msg', 'invalid')}" if where else str(first.get("msg", "invalid"))
        )
        return _error(request, InputError("bad_request", status=422, detail=detail[:300]))

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc, BodyTooLarge):
            err = InputError("frame_too_large", status=413, size=exc.size, limit=exc.limit)
            return _error(request, err)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code)
        if exc.status_code == 400 and "parsing the body" in str(exc.detail):
            code = "invalid_json"  # Starlette's words for a body that is not UTF-8 JSON
        if code is None:
            return _error(
                request, InputError("bad_request", status=exc.status_code, detail=str(exc.detail))
            )
        return _error(request, InputError(code, status=exc.status_code))

    @app.exception_handler(Exception)
    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _error(request, InputError("internal", status=500))


__all__ = ["create_app"]


def app_from_environment() -> FastAPI:
    """App factory for ``vita serve --workers N``: each worker reads settings from the environment."""
    settings = Settings.load()
    logs.configure(settings)
    return create_app(settings)
