"""Hostile text and JSON through the real channels: what is accepted must stay readable.

JSON may carry lone UTF-16 surrogates as escapes (``"\\ud800"``); UTF-8 cannot encode them. Before
they were scrubbed at the door, one such message was stored as sent and then broke every later
read of the conversation: its export answered 500, a websocket resuming it crashed while sending
the history, the triage endpoint failed inside the tokenizer, and a workout profile echoing one
failed while rendering its answer. Each case here goes in through one channel and is read back
through the others. Deep nesting (10,000 levels) gets a clean error on every JSON entry point.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.server import create_app
from assistant.testing import settings_for_tests
from tests.hostile.conftest import assert_error_body

HOSTILE = [
    "hello \ud800 there",  # a lone high surrogate
    "\udfff\udc00 back to front",  # lone low surrogates
    "\ud83d\ude00 a real pair is kept",  # sent as two escapes, decoded as one emoji
    "nul \x00 bell \x07 escape \x1b[31m red",
    "right-to-left \u202e override and zero\u200bwidth",
    "\ufeffbyte order mark",
]
JSON = {"content-type": "application/json"}


def _escaped(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=True).encode("ascii")  # surrogates as \\uXXXX


def _utf8_ok(text: str) -> None:
    text.encode("utf-8")  # raises on a lone surrogate


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = settings_for_tests(
        tmp_path_factory.mktemp("text"),
        skills="smalltalk,triage,workout",
        session_store="sqlite",
        rate_limit_burst=1000,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


def _until(ws: Any, kind: str) -> dict[str, Any]:
    for _ in range(20):
        frame: dict[str, Any] = json.loads(ws.receive_text())
        if frame["type"] == kind:
            return frame
    raise AssertionError(kind)


@pytest.mark.parametrize("text", HOSTILE)
def test_rest_chat_then_export_and_resume(client: TestClient, text: str) -> None:
    r = client.post("/api/v1/chat", content=_escaped({"text": text}), headers=JSON)
    assert r.status_code == 200, r.text
    session_id = r.json()["session_id"]
    export = client.get(f"/api/v1/sessions/{session_id}")
    assert export.status_code == 200, export.text
    said = [t["text"] for t in export.json()["transcript"] if t["role"] == "user"]
    _utf8_ok(said[0])
    if "\ud83d\ude00" in text:
        assert "\U0001f600" in said[0]  # a proper pair survives as the character it encodes
    with client.websocket_connect("/ws") as ws:
        ws.send_text(json.dumps({"type": "hello", "session_id": session_id}))
        hello = _until(ws, "hello")
        assert hello["resumed"] is True and hello["history"][0]["text"] == said[0]


@pytest.mark.parametrize("text", HOSTILE)
def test_websocket_message_then_resume_and_export(client: TestClient, text: str) -> None:
    with client.websocket_connect("/ws") as ws:
        ws.send_text(json.dumps({"type": "hello"}))
        session_id = _until(ws, "hello")["session_id"]
        ws.send_text(json.dumps({"type": "message", "text": text}))
        _until(ws, "reply")
        ws.send_text(json.dumps({"type": "quick_reply", "value": text}))
        _until(ws, "reply")
    with client.websocket_connect("/ws") as ws:
        ws.send_text(json.dumps({"type": "hello", "session_id": session_id}))
        history = _until(ws, "hello")["history"]
        assert len(history) == 4
        for turn in history:
            _utf8_ok(json.dumps(turn, ensure_ascii=False))
    assert client.get(f"/api/v1/sessions/{session_id}").status_code == 200


def test_rest_skill_endpoints(client: TestClient) -> None:
    r = client.post(
        "/api/v1/triage",
        content=_escaped({"text": "headache \ud800 and fever", "answers": {"\udc00": True}}),
        headers=JSON,
    )
    assert r.status_code == 422 and "\ufffd" in assert_error_body(r.content)["message"]
    r = client.post(
        "/api/v1/triage", content=_escaped({"text": "sore \udfff throat"}), headers=JSON
    )
    assert r.status_code == 200, r.text
    for profile in (
        {"likes": ["\ud800"], "dislikes": ["burpee\udc00"]},
        {"conditions": ["\udfff"]},
        {"equipment": "\ud800 dumbbells"},
        {"\ud800": 1},
        {"swaps": {"\ud800": "\udc00"}},
    ):
        r = client.post(
            "/api/v1/workout-plan", content=_escaped({"profile": profile}), headers=JSON
        )
        assert r.status_code in (200, 422), (profile, r.text)
        if r.status_code == 422:
            assert_error_body(r.content)
        _utf8_ok(r.text)


NESTED = ["[" * 10_000 + "]" * 10_000, '{"a":' * 10_000 + "1" + "}" * 10_000, "[" * 10_000]


@pytest.mark.parametrize("nested", NESTED, ids=["arrays", "objects", "unclosed"])
def test_ten_thousand_levels_over_rest_and_websocket(client: TestClient, nested: str) -> None:
    bodies = {
        "/api/v1/chat": '{"text": "hi", "image": %s}',
        "/api/v1/triage": '{"text": "cough", "answers": %s}',
        "/api/v1/workout-plan": '{"profile": {"likes": %s}}',
    }
    for path, body in bodies.items():
        for raw in (body % nested, nested):
            r = client.post(path, content=raw.encode(), headers=JSON)
            assert r.status_code in (400, 422), (path, r.status_code)
            assert assert_error_body(r.content)["code"] in {"invalid_json", "bad_request"}
    with client.websocket_connect("/ws") as ws:
        ws.send_text(json.dumps({"type": "hello"}))
        _until(ws, "hello")
        for raw in (nested, '{"type": "message", "text": "hi", "x": ' + nested + "}"):
            ws.send_text(raw)
            assert _until(ws, "error")["code"] in {"invalid_json", "bad_frame"}
        ws.send_text(json.dumps({"type": "message", "text": "still here"}))
        assert _until(ws, "reply")["skill"] == "smalltalk"


def test_100kb_messages_are_refused_cleanly(client: TestClient) -> None:
    text = "ache \u0301\ud800 " * 12_500  # 100,000 characters with marks and surrogates
    r = client.post("/api/v1/chat", content=_escaped({"text": text}), headers=JSON)
    assert r.status_code == 400 and assert_error_body(r.content)["code"] == "message_too_long"
    with client.websocket_connect("/ws") as ws:
        ws.send_text(json.dumps({"type": "message", "text": text}))
        assert _until(ws, "error")["code"] == "message_too_long"
