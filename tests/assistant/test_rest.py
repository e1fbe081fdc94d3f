"""REST through the real app: chat, export, erase, probes, and errors in one JSON shape."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from assistant.server import create_app
from assistant.testing import settings_for_tests


def _err(response, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["code"] == code and body["error"]["message"]


def test_chat_export_erase(client: TestClient) -> None:
    r = client.post("/api/v1/chat", json={"text": "hi"})
    assert r.status_code == 200
    body = r.json()
    sid = body["session_id"]
    assert body["replies"][0]["skill"] == "smalltalk"
    assert set(body["replies"][0]) == {"id", "text", "cards", "citations", "quick_replies", "skill"}
    r = client.post("/api/v1/chat", json={"session_id": sid, "text": "what can you do?"})
    assert r.json()["session_id"] == sid
    export = client.get(f"/api/v1/sessions/{sid}").json()
    assert [t["role"] for t in export["transcript"]] == ["user", "bot", "user", "bot"]
    assert export["events"][0]["type"] == "UserSaid"
    assert client.delete(f"/api/v1/sessions/{sid}").json() == {"session_id": sid, "deleted": True}
    _err(client.get(f"/api/v1/sessions/{sid}"), 404, "session_not_found")
    _err(client.delete(f"/api/v1/sessions/{sid}"), 404, "session_not_found")


def test_emergency_over_rest(client: TestClient) -> None:
    for locale, number in (("en-US", "911"), ("en-GB", "999")):
        r = client.post(
            "/api/v1/chat", json={"text": "I think I'm having a heart attack", "locale": locale}
        )
        card = r.json()["replies"][0]["cards"][0]
        assert card["type"] == "emergency" and number in card["number"]
    r = client.post("/api/v1/chat", json={"text": "that spin class nearly killed me"})
    assert r.json()["replies"][0]["cards"] == []


def test_errors_share_one_shape(client: TestClient) -> None:
    _err(client.post("/api/v1/chat", json={"text": ""}), 400, "empty_message")
    _err(client.post("/api/v1/chat", json={"text": "x" * 1_000_000}), 400, "message_too_long")
    _err(
        client.post(
            "/api/v1/chat", content=b"{not json", headers={"content-type": "application/json"}
        ),
        400,
        "invalid_json",
    )
    _err(
        client.post(
            "/api/v1/chat", content=b"\xff\xfe\x00", headers={"content-type": "application/json"}
        ),
        400,
        "invalid_json",
    )
    _err(client.post("/api/v1/chat", json={"text": ["a list"]}), 422, "bad_request")
    _err(
        client.post("/api/v1/chat", json={"session_id": "bad id!", "text": "hi"}),
        400,
        "bad_session_id",
    )
    _err(
        client.post("/api/v1/chat", json={"session_id": "f" * 32, "text": "hi"}),
        404,
        "session_not_found",
    )
    _err(client.post("/api/v1/chat", json={"text": "hi", "locale": "<b>"}), 400, "bad_frame")
    _err(client.get("/api/v1/nothing-here"), 404, "not_found")
    _err(client.put("/api/v1/chat", json={}), 405, "method_not_allowed")
    big = b'{"text":"' + b"x" * (9 * 1024 * 1024) + b'"}'
    _err(
        client.post("/api/v1/chat", content=big, headers={"content-type": "application/json"}),
        413,
        "frame_too_large",
    )
    assert client.post("/api/v1/chat", json={"text": "still fine?"}).status_code == 200


def test_rate_limit_per_session(client: TestClient) -> None:
    sid = client.post("/api/v1/chat", json={"text": "hi"}).json()["session_id"]
    statuses = [
        client.post("/api/v1/chat", json={"session_id": sid, "text": "hi"}).status_code
        for _ in range(15)
    ]
    assert 429 in statuses and statuses[0] == 200
    assert client.post("/api/v1/chat", json={"text": "another person"}).status_code == 200


def test_probes_docs_and_page(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    for _ in range(200):  # skills with checkpoints (image_check) warm up in the background
        if client.get("/readyz").status_code == 200:
            break
        time.sleep(0.05)
    assert client.get("/readyz").json() == {"status": "ready"}
    assert client.get("/openapi.json").json()["paths"]["/api/v1/chat"]
    assert client.get("/docs").status_code == 200
    page = client.get("/")
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert page.headers["x-content-type-options"] == "nosniff"


def test_sessions_survive_an_app_restart(tmp_path: Path) -> None:
    settings = settings_for_tests(tmp_path, session_store="sqlite")
    with TestClient(create_app(settings)) as first:
        sid = first.post("/api/v1/chat", json={"text": "hi"}).json()["session_id"]
    with TestClient(create_app(settings)) as second:
        r = second.post("/api/v1/chat", json={"session_id": sid, "text": "thanks"})
        assert r.status_code == 200
        transcript = second.get(f"/api/v1/sessions/{sid}").json()["transcript"]
        assert [t.get("text") for t in transcript if t["role"] == "user"] == ["hi", "thanks"]


def test_page_has_a_content_security_policy(client: TestClient) -> None:
    csp = client.get("/").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "object-src 'none'" in csp
    assert "content-security-policy" not in client.get("/docs").headers
