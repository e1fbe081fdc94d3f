"""What the web widget needs from the server: its files, its strings, and the demo page.

* ``GET /widget.js`` and ``GET /widget.css``: the embeddable widget, cached for five minutes and
  revalidated with an ``ETag``, so a site that embeds the one tag picks up a new release within
  minutes without downloading the file again on every page view.
* ``GET /widget/{version}/widget.js`` (and ``.css``): the same files pinned to a release, cached
  for a year as ``immutable``. Only the running server's version exists; any other is a 404.
* ``GET /api/v1/widget/config``: the widget's strings (``prompts/web.yaml``, as raw templates
  with ``{{ name }}`` variables), the privacy notice (``prompts/privacy.yaml``, rendered), the
  server's version and the input limits the widget checks before sending. The widget fetches it
  cross-origin, so it needs no API key.
* ``GET /demo``: a fictional club's site with the floating widget embedded (``web/demo.html``).

Decisions: every asset response carries ``X-Vita-Version`` and
``Cross-Origin-Resource-Policy: cross-origin`` (sites that isolate themselves with COEP can still
load the widget); files are read once per change of their modification time.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from assistant import __version__
from assistant.channels.rest import ERRORS
from assistant.config import Settings
from assistant.retention import privacy_notice
from assistant.validation import InputError, check_locale

router = APIRouter()

SHORT_CACHE = "public, max-age=300, must-revalidate"
PINNED_CACHE = "public, max-age=31536000, immutable"
ASSETS = {"widget.js": "text/javascript; charset=utf-8", "widget.css": "text/css; charset=utf-8"}
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")


class WidgetLimits(BaseModel):
    max_image_bytes: int = Field(description="largest photo the server accepts, in bytes")
    max_message_chars: int = Field(description="longest message the server accepts")
    image_types: list[str] = Field(description="photo types the server accepts")


class PrivacyNotice(BaseModel):
    title: str
    paragraphs: list[str] = Field(description="prompts/privacy.yaml, rendered")
    retention_days: int = Field(
        description="session_ttl_days: idle days before deletion (0: never)"
    )


class WidgetConfig(BaseModel):
    version: str = Field(description="the server's version (also the pinned widget path)")
    locale: str = Field(description="the locale the strings are for")
    strings: dict[str, Any] = Field(description="prompts/web.yaml: templates with {{ name }}")
    limits: WidgetLimits
    privacy: PrivacyNotice


@lru_cache(maxsize=16)
def _read(path: Path, mtime_ns: int) -> tuple[bytes, str]:
    body = path.read_bytes()
    return body, '"' + hashlib.sha256(body).hexdigest()[:24] + '"'


def _file(path: Path) -> tuple[bytes, str]:
    try:
        return _read(path, path.stat().st_mtime_ns)
    except OSError:
        raise InputError("not_found", status=404) from None


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.runtime.settings
    return settings


def _asset(request: Request, name: str, cache: str) -> Response:
    body, etag = _file(_settings(request).web_dir / name)
    headers = {
        "ETag": etag,
        "Cache-Control": cache,
        "X-Vita-Version": __version__,
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=ASSETS[name], headers=headers)


def _content(mime: str, description: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {mime: {"schema": {"type": "string"}}}, "description": description}}


_JS = _content("text/javascript", "The widget's script.")
_CSS = _content("text/css", "The widget's styles.")
_HTML = _content("text/html", "The page.")
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: ERRORS[404]}


@router.get("/widget.js", response_class=Response, responses={**_JS, **_NOT_FOUND}, tags=["widget"])
async def widget_js(request: Request) -> Response:
    """The embeddable chat widget (cached 5 minutes, revalidated with ETag)."""
    return _asset(request, "widget.js", SHORT_CACHE)


@router.get(
    "/widget.css", response_class=Response, responses={**_CSS, **_NOT_FOUND}, tags=["widget"]
)
async def widget_css(request: Request) -> Response:
    """The widget's styles, loaded by widget.js into its Shadow DOM."""
    return _asset(request, "widget.css", SHORT_CACHE)


@router.get(
    "/widget/{version}/widget.js",
    response_class=Response,
    responses={**_JS, **_NOT_FOUND},
    tags=["widget"],
)
async def pinned_widget_js(version: str, request: Request) -> Response:
    """The widget pinned to this server's version (cached a year, immutable); other versions 404."""
    if version != __version__:
        raise InputError("not_found", status=404)
    return _asset(request, "widget.js", PINNED_CACHE)


@router.get(
    "/widget/{version}/widget.css",
    response_class=Response,
    responses={**_CSS, **_NOT_FOUND},
    tags=["widget"],
)
async def pinned_widget_css(version: str, request: Request) -> Response:
    """The widget's styles pinned to this server's version; other versions 404."""
    if version != __version__:
        raise InputError("not_found", status=404)
    return _asset(request, "widget.css", PINNED_CACHE)


def _page(request: Request, name: str) -> Response:
    body, etag = _file(_settings(request).web_dir / name)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="text/html; charset=utf-8", headers=headers)


@router.get("/", response_class=Response, responses={**_HTML, **_NOT_FOUND}, tags=["widget"])
async def index(request: Request) -> Response:
    """The full-page chat: the widget rendered inline (``web/index.html``)."""
    return _page(request, "index.html")


@router.get("/demo", response_class=Response, responses={**_HTML, **_NOT_FOUND}, tags=["widget"])
async def demo(request: Request) -> Response:
    """A fictional club's web site with the floating widget embedded by its one script tag."""
    return _page(request, "demo.html")


def widget_strings(settings: Settings) -> dict[str, Any]:
    """``prompts/web.yaml`` as a mapping (re-read when the file changes)."""
    body, _ = _file(settings.prompts_dir / "web.yaml")
    data = yaml.safe_load(body.decode("utf-8")) or {}
    if not isinstance(data, dict):
        raise InputError("internal", status=500)
    return data


@router.get("/api/v1/widget/config", response_model=WidgetConfig, responses=ERRORS, tags=["widget"])
async def widget_config(request: Request, locale: str | None = None) -> WidgetConfig:
    """Strings, version and input limits for the web widget (no API key needed)."""
    settings = _settings(request)
    chosen = check_locale(locale) or settings.default_locale
    title, paragraphs = privacy_notice(request.app.state.runtime.prompts, settings)
    return WidgetConfig(
        version=__version__,
        locale=chosen,
        strings=widget_strings(settings),
        limits=WidgetLimits(
            max_image_bytes=settings.max_image_bytes,
            max_message_chars=settings.max_message_chars,
            image_types=list(IMAGE_TYPES),
        ),
        privacy=PrivacyNotice(
            title=title, paragraphs=paragraphs, retention_days=settings.session_ttl_days
        ),
    )
