"""The OpenAPI document (``/openapi.json``, browsable at ``/docs``), completed for every endpoint.

FastAPI derives most of the document from the routes. This module adds what it cannot know:

* the websocket protocol, which OpenAPI cannot describe, summarised in the document's description;
* one error shape everywhere: FastAPI's default ``422`` schema is replaced by ``ErrorResponse``
  (the handlers in ``server.py`` answer validation errors in that shape), and every operation
  lists ``500`` (the ``internal`` error);
* when API keys are configured: the two security schemes (``Authorization: Bearer`` and
  ``X-API-Key``), and on each operation that needs a key its ``security`` and a ``401``.

The document is built once, on first request, from the running app's routes, so endpoints that
other packages add through ``ROUTER_MODULES`` are covered too.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from assistant.channels import access
from assistant.config import Settings

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})
ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}
ERROR_SCHEMAS = {
    "ErrorBody": {
        "title": "ErrorBody",
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {"title": "Code", "type": "string"},
            "message": {"title": "Message", "type": "string"},
        },
    },
    "ErrorResponse": {
        "title": "ErrorResponse",
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"$ref": "#/components/schemas/ErrorBody"}},
    },
}
SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer KEY"},
    "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
}
DESCRIPTION = """\
Conversational health and fitness assistant. **Not a diagnosis service.**

Every error is `{"error": {"code", "message"}}` with a 4xx/5xx status; the codes are stable.

**Websocket** `GET /ws` (upgrade; OpenAPI cannot describe it): JSON text frames with a `type`.
Client to server: `hello` (`session_id`?, `locale`?), `message` (`text`, `image`?),
`quick_reply` (`value`), `reset`. Server to client: `hello` (`session_id`, `resumed`, `history`),
`typing` (`on`), `reply` (the reply objects of `POST /api/v1/chat`), `error` (`code`, `message`).
Browsers are accepted from the page's own origin and from `allowed_origins`.
See the README, "Websocket protocol".
"""
_OBJ, _STR, _NUM = {"type": "object"}, {"type": "string"}, {"type": "number"}
_LIST = {"type": "array", "items": _OBJ}
# Success bodies of routes that return a plain dict or a JSONResponse, so FastAPI cannot see them.
RESPONSE_SCHEMAS: dict[tuple[str, str], dict[str, Any]] = {
    ("/readyz", "get"): {
        "type": "object",
        "required": ["status"],
        "properties": {"status": {"type": "string", "enum": ["ready"]}},
    },
    ("/api/v1/sessions/{session_id}", "get"): {
        "type": "object",
        "required": ["session_id", "transcript", "events"],
        "properties": {
            "session_id": _STR,
            "created": _NUM,
            "updated": _NUM,
            "locale": {"type": ["string", "null"]},
            "profile": _OBJ,
            "transcript": _LIST,
            "events": _LIST,
        },
    },
    ("/api/v1/sessions/{session_id}", "delete"): {
        "type": "object",
        "required": ["session_id", "deleted"],
        "properties": {"session_id": _STR, "deleted": {"type": "boolean"}},
    },
}
TAGS = [
    {"name": "chat", "description": "Talk to Vita: the same replies as the websocket."},
    {"name": "sessions", "description": "Export or erase a conversation (needs only its id)."},
    {"name": "widget", "description": "The embeddable web widget, its strings and the pages."},
    {"name": "health", "description": "Liveness and readiness probes."},
]


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


def build(app: FastAPI, settings: Settings) -> dict[str, Any]:
    """The completed OpenAPI document for ``app`` as configured by ``settings``."""
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=DESCRIPTION,
        routes=app.routes,
        tags=TAGS,
    )
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name, body in ERROR_SCHEMAS.items():
        schemas.setdefault(name, body)
    keyed = any(settings.api_keys)
    if keyed:
        components["securitySchemes"] = SECURITY_SCHEMES
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            responses = op.setdefault("responses", {})
            if (path, method) in RESPONSE_SCHEMAS and "200" in responses:
                content = responses["200"].setdefault("content", {})
                content["application/json"] = {"schema": RESPONSE_SCHEMAS[path, method]}
            if "422" in responses:
                responses["422"] = _error("The request is not valid (code bad_request).")
            responses.setdefault("500", _error("Vita failed unexpectedly (code internal)."))
            if keyed and access.needs_key(method, path):
                op["security"] = [{"bearerAuth": []}, {"apiKeyHeader": []}]
                responses.setdefault(
                    "401", _error("No API key (api_key_required) or a wrong one (api_key_invalid).")
                )
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return schema


def install(app: FastAPI, settings: Settings) -> None:
    """Serve the completed document at ``/openapi.json`` (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app, settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
