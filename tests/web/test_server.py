"""The server side of the widget, without a browser: files, strings, headers, CORS, API keys, OpenAPI.

Also checks the widget's source for the rules a test in the browser cannot prove by example:
under 50 KB, no HTML parsing of strings, no inline script or style in the pages (the CSP forbids
them), and the strings it uses are exactly those of ``prompts/web.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from assistant import __version__
from assistant.channels import access
from assistant.config import Settings
from assistant.server import create_app
from assistant.testing import settings_for_tests

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "web"
WIDGET = (WEB / "widget.js").read_text(encoding="utf-8")
STRINGS = yaml.safe_load((REPO / "prompts" / "web.yaml").read_text(encoding="utf-8"))
ORIGIN = "https://clinic.example"


@pytest.fixture
def keyed(tmp_path: Path) -> Iterator[TestClient]:
    """The app with two API keys and one allowed origin."""
    settings = settings_for_tests(tmp_path, api_keys="key-one,key-two", allowed_origins=ORIGIN)
    with TestClient(create_app(settings)) as c:
        yield c


# --------------------------------------------------------------------------- the widget's source


def test_widget_is_small_and_never_parses_html() -> None:
    assert len(WIDGET.encode("utf-8")) < 50 * 1024
    for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert forbidden not in WIDGET, forbidden
    assert "new Function" not in WIDGET and 'setAttribute("style"' not in WIDGET
    assert "@import" not in (WEB / "widget.css").read_text(encoding="utf-8")


@pytest.mark.parametrize("page", ["index.html", "demo.html"])
def test_pages_have_no_inline_script_or_style(page: str) -> None:
    html = (WEB / page).read_text(encoding="utf-8")
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S | re.I)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts)
    assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", html, re.I)
    assert "widget.js" in scripts[0][0]


def test_widget_strings_mirror_prompts_web_yaml() -> None:
    """Every key the widget asks for exists in prompts/web.yaml, and every key there is used."""
    used = set(re.findall(r'\bt\(\s*"([a-z_]+(?:\.[a-z_]+)?)"', WIDGET))
    literals = set(re.findall(r'"([a-z_]+)\.?"', WIDGET))  # keys picked at run time
    for key in used:
        head, _, tail = key.partition(".")
        assert head in STRINGS and (not tail or tail in STRINGS[head]), key
    for key, value in STRINGS.items():
        assert key in used or key in literals, f"{key} in prompts/web.yaml is never used"
        for text in value.values() if isinstance(value, dict) else [value]:
            assert isinstance(text, str) and text.strip(), key
            # the widget fills in {{ name }} itself; other Jinja syntax would show up raw
            assert "{%" not in text and not re.search(r"\{\{(?!\s*\w+\s*\}\})", text), key
    levels = {"emergency", "urgent", "routine", "self_care"}
    assert set(STRINGS["triage_levels"]) == levels


# --------------------------------------------------------------------------- files and strings


def test_config_serves_the_strings_version_and_limits(tmp_path: Path) -> None:
    settings = settings_for_tests(tmp_path, max_image_bytes=1234, max_message_chars=99)
    with TestClient(create_app(settings)) as c:
        body = c.get("/api/v1/widget/config", params={"locale": "en-GB"}).json()
        assert body["strings"] == STRINGS
        assert body["version"] == __version__ and body["locale"] == "en-GB"
        assert body["limits"]["max_image_bytes"] == 1234
        assert body["limits"]["max_message_chars"] == 99
        assert c.get("/api/v1/widget/config").json()["locale"] == settings.default_locale
        bad = c.get("/api/v1/widget/config", params={"locale": "<script>"})
        assert bad.status_code == 400 and set(bad.json()["error"]) == {"code", "message"}


def test_widget_files_are_versioned_and_cached(client: TestClient) -> None:
    js = client.get("/widget.js")
    assert js.status_code == 200 and js.content == (WEB / "widget.js").read_bytes()
    assert js.headers["content-type"].startswith("text/javascript")
    assert js.headers["cache-control"] == "public, max-age=300, must-revalidate"
    assert js.headers["x-vita-version"] == __version__
    assert js.headers["cross-origin-resource-policy"] == "cross-origin"
    again = client.get("/widget.js", headers={"if-none-match": js.headers["etag"]})
    assert again.status_code == 304 and not again.content

    css = client.get("/widget.css")
    assert css.headers["content-type"].startswith("text/css")
    pinned = client.get(f"/widget/{__version__}/widget.js")
    assert pinned.content == js.content
    assert pinned.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert client.get(f"/widget/{__version__}/widget.css").content == css.content
    old = client.get("/widget/0.0.1-old/widget.js")
    assert old.status_code == 404 and old.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("path", ["/", "/demo"])
def test_pages_carry_security_headers(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200 and "widget.js" in r.text
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "connect-src 'self' ws: wss:" in csp and "img-src 'self' data: blob:" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"


# --------------------------------------------------------------------------- CORS and API keys


def test_cors_allows_only_the_listed_origins(keyed: TestClient) -> None:
    r = keyed.get("/api/v1/widget/config", headers={"origin": ORIGIN})
    assert r.headers["access-control-allow-origin"] == ORIGIN
    r = keyed.get("/api/v1/widget/config", headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers
    pre = keyed.options(
        "/api/v1/chat",
        headers={
            "origin": ORIGIN,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization, x-api-key, content-type",
        },
    )
    assert pre.status_code == 200
    allowed = pre.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "x-api-key" in allowed


def _error(r: Any, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    assert set(r.json()) == {"error"} and r.json()["error"]["code"] == code
    assert r.json()["error"]["message"]


def test_api_keys_guard_the_rest_api(keyed: TestClient) -> None:
    _error(keyed.post("/api/v1/chat", json={"text": "hi"}), 401, "api_key_required")
    wrong = keyed.post("/api/v1/chat", json={"text": "hi"}, headers={"x-api-key": "nope"})
    _error(wrong, 401, "api_key_invalid")
    assert wrong.headers["www-authenticate"] == "Bearer"
    basic = keyed.post("/api/v1/chat", json={"text": "hi"}, headers={"authorization": "Basic x"})
    _error(basic, 401, "api_key_required")
    # the 401 still carries CORS headers, so a browser on an allowed origin can read it
    cors = keyed.post("/api/v1/chat", json={"text": "hi"}, headers={"origin": ORIGIN})
    assert cors.headers["access-control-allow-origin"] == ORIGIN

    ok = keyed.post(
        "/api/v1/chat", json={"text": "hi"}, headers={"authorization": "Bearer key-two"}
    )
    assert ok.status_code == 200
    sid = ok.json()["session_id"]
    again = {"session_id": sid, "text": "thanks"}
    assert keyed.post("/api/v1/chat", json=again, headers={"x-api-key": "key-one"}).is_success
    # the widget's own needs stay open: its strings, and export / erase of a known session
    assert keyed.get("/api/v1/widget/config").status_code == 200
    assert keyed.get(f"/api/v1/sessions/{sid}").status_code == 200
    assert keyed.delete(f"/api/v1/sessions/{sid}").json() == {"session_id": sid, "deleted": True}
    assert keyed.get("/healthz").status_code == 200 and keyed.get("/widget.js").status_code == 200


def test_api_keys_setting(tmp_path: Path) -> None:
    settings = Settings.load(env={"VITA_API_KEYS": " a1 , b2,, "}, toml_path=tmp_path / "x.toml")
    assert settings.api_keys == ("a1", "b2")
    assert "a1" not in repr(settings)
    assert Settings.load(env={}, toml_path=tmp_path / "x.toml").api_keys == ()
    assert access.needs_key("POST", "/api/v1/chat")
    assert access.needs_key("GET", "/api/v1/search")
    assert not access.needs_key("DELETE", "/api/v1/sessions/{session_id}")
    assert access.needs_key("POST", "/api/v1/sessions/abc/extra")
    assert not access.needs_key("GET", "/api/v1/sessions/abc/workout-plan.csv")  # plan exports
    assert access.needs_key("DELETE", "/api/v1/sessions/abc/workout-plan.csv")
    assert not access.needs_key("GET", "/widget.js")
    assert not access.needs_key("OPTIONS", "/api/v1/chat")


# --------------------------------------------------------------------------- OpenAPI


def _operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield path, method, op


def test_openapi_documents_every_endpoint_completely(keyed: TestClient) -> None:
    """Every route, with summary, description, tags, a success body with a schema, the shared
    error shape for every 4xx/5xx, and (keys configured) its security. Endpoints returning a
    plain Response or JSONResponse must declare their body: ``response_model=`` or
    ``responses={200: {"content": {"<type>": {"schema": ...}}}}``."""
    doc = keyed.get("/openapi.json").json()
    routes = {
        (route.path, method.lower())
        for route in keyed.app.routes  # type: ignore[attr-defined]
        if isinstance(route, APIRoute) and route.include_in_schema
        for method in route.methods or ()
    }
    documented = {(path, method) for path, method, _ in _operations(doc)}
    assert routes <= documented, f"undocumented: {routes - documented}"
    assert "/ws" in doc["info"]["description"]  # OpenAPI cannot describe the websocket itself
    error_ref = {"$ref": "#/components/schemas/ErrorResponse"}
    problems: list[str] = []
    for path, method, op in _operations(doc):
        where = f"{method.upper()} {path}"
        if not (op.get("summary") and op.get("description") and op.get("tags")):
            problems.append(f"{where}: needs a summary, a docstring and tags")
        responses = op["responses"]
        ok = [r for status, r in responses.items() if status.startswith("2")]
        bodies = [b for r in ok for b in (r.get("content") or {}).values()]
        if not bodies or not all(b.get("schema") for b in bodies):
            problems.append(f"{where}: its success body has no schema")
        if "500" not in responses:
            problems.append(f"{where}: no 500")
        for status, r in responses.items():
            if status[0] in "45" and r["content"]["application/json"]["schema"] != error_ref:
                problems.append(f"{where}: {status} is not ErrorResponse")
        if access.needs_key(method, path) != ("security" in op and "401" in responses):
            problems.append(f"{where}: security and 401 do not match needs_key")
    assert problems == [], "\n".join(problems)
    assert set(doc["components"]["securitySchemes"]) == {"bearerAuth", "apiKeyHeader"}
    assert "HTTPValidationError" not in doc["components"]["schemas"]


def test_openapi_without_keys_has_no_security(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    assert "securitySchemes" not in doc.get("components", {})
    assert all("security" not in op for _, _, op in _operations(doc))
