"""Optional API keys for the REST API (setting ``api_keys``, ``VITA_API_KEYS=key1,key2``).

With no keys configured (the default) the API is open, as before. With keys, every request under
``/api/`` must carry one, as ``Authorization: Bearer KEY`` or ``X-API-Key: KEY``; a missing key is
answered ``401 api_key_required`` and a wrong one ``401 api_key_invalid``, in the usual
``{"error": {"code", "message"}}`` shape, with ``WWW-Authenticate: Bearer``.

Decisions:
    * Keys protect what an application calls, not what the public web widget needs: the widget's
      strings (``GET /api/v1/widget/config``), a session's own export and erase
      (``GET``/``DELETE /api/v1/sessions/{id}``) and what it links to under that session
      (``GET /api/v1/sessions/{id}/...``, e.g. a plan's downloads) stay open. A session id is a 128-bit secret that
      the websocket already accepts on its own (it replays the whole history to whoever sends it),
      so asking for a key as well would protect nothing, and would stop a person erasing their
      data from a page that cannot hold a key. The websocket is guarded by its origin check.
    * CORS preflight requests (``OPTIONS``) never need a key: browsers send them without one.
    * ``GET /metrics`` (Prometheus) is for operators: with keys configured it needs one too.
    * Keys are compared in constant time, and ``Settings`` keeps them out of its ``repr``.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from assistant.config import Settings
from assistant.validation import InputError

OPEN_PATHS = frozenset({"/api/v1/widget/config"})
KEYED_PATHS = frozenset({"/metrics"})  # outside /api/ but for operators only
_SESSION = re.compile(r"/api/v1/sessions/[^/]+")
_SESSION_PART = re.compile(r"/api/v1/sessions/[^/]+/[^/]+")  # e.g. a plan export


def needs_key(method: str, path: str) -> bool:
    """Whether a request (or an OpenAPI operation, given its path template) needs an API key."""
    verb = method.upper()
    if path in KEYED_PATHS:
        return verb != "OPTIONS"
    if verb == "OPTIONS" or not path.startswith("/api/") or path in OPEN_PATHS:
        return False
    if verb in {"GET", "DELETE"} and _SESSION.fullmatch(path):
        return False
    return not (verb == "GET" and _SESSION_PART.fullmatch(path))


def presented_key(request: Request) -> str | None:
    """The key a request carries, from ``Authorization: Bearer`` or ``X-API-Key``."""
    auth = request.headers.get("authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    key = request.headers.get("x-api-key", "").strip()
    return key or None


def key_is_valid(given: str, keys: tuple[str, ...]) -> bool:
    given_bytes = given.encode("utf-8", "surrogatepass")
    # check every key (no early exit), so timing reveals nothing about which one came close
    matches = [hmac.compare_digest(given_bytes, k.encode("utf-8")) for k in keys]
    return any(matches)


def install(app: FastAPI, settings: Settings) -> None:
    """Require an API key on the REST API when ``settings.api_keys`` is not empty.

    Call it before the CORS middleware is added, so a 401 still carries the CORS headers a
    browser needs to read it.
    """
    keys = tuple(k for k in settings.api_keys if k)
    if not keys:
        return

    @app.middleware("http")
    async def require_api_key(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if not needs_key(request.method, request.url.path):
            return await call_next(request)
        given = presented_key(request)
        if given is not None and key_is_valid(given, keys):
            return await call_next(request)
        err = InputError("api_key_required" if given is None else "api_key_invalid", status=401)
        return JSONResponse(
            {"error": err.to_dict(request.app.state.runtime.prompts)},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
