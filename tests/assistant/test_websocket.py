"""The websocket through the real app: round trips, resume, and every kind of bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from assistant.server import create_app
from assistant.testing import settings_for_tests


def _until(ws: WebSocketTestSession, kind: str) -> dict[str, Any]:
    """Read frames until one of ``kind`` (typing frames are skipped)."""
    for _ in range(20):
        frame: dict[str, Any] = ws.receive_json()
        if frame["type"] == kind:
            return frame
        assert frame["type"] == "typing", frame
    raise AssertionError(f"no {kind} frame")


def _hello(ws: WebSocketTestSession, **fields: Any) -> dict[str, Any]:
    ws.send_json({"type": "hello", **fields})
    return _until(ws, "hello")


def test_round_trip_and_resume(client: TestClient) -> None:
    with client.websocket_connect("/ws") as ws:
        hello = _hello(ws, locale="en-US")
        assert hello["resumed"] is False and hello["history"] == []
        sid = hello["session_id"]
        ws.send_json({"type": "message", "text": "hi"})
        assert ws.receive_json() == {"type": "typing", "on": True}
        reply = ws.receive_json()
        assert (
            reply["type"] == "reply" and reply["skill"] == "smalltalk" and "Vita" in reply["text"]
        )
        assert set(reply) == {"type", "id", "text", "cards", "citations", "quick_replies", "skill"}
        assert ws.receive_json() == {"type": "typing", "on": False}
        [help_button] = [q for q in reply["quick_replies"] if q["label"] == "What can you do?"]
        ws.send_json({"type": "quick_reply", "value": help_button["value"]})
        assert "Here's what I can help with" in _until(ws, "reply")["text"]
    with client.websocket_connect("/ws") as ws:
        hello = _hello(ws, session_id=sid)
        assert hello["resumed"] is True and hello["session_id"] == sid
        roles = [t["role"] for t in hello["history"]]
        assert roles == ["user", "bot", "user", "bot"]
        assert (
            hello["history"][0]["text"] == "hi"
            and hello["history"][1]["reply"]["skill"] == "smalltalk"
        )


def test_emergency_card_by_locale(client: TestClient) -> None:
    for locale, number in (("en-US", "911"), ("en-GB", "999")):
        with client.websocket_connect("/ws") as ws:
            _hello(ws, locale=locale)
            ws.send_json({"type": "message", "text": "I think I'm having a heart attack"})
            reply = _until(ws, "reply")
            card = reply["cards"][0]
            assert card["type"] == "emergency" and card["kind"] == "medical"
            assert number in card["number"], (locale, card)


def test_message_before_hello_starts_a_session(client: TestClient) -> None:
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "message", "text": "that spin class nearly killed me"})
        assert _until(ws, "hello")["session_id"]
        reply = _until(ws, "reply")
        assert reply["cards"] == []


def test_unknown_and_malformed_session_ids_start_fresh(client: TestClient) -> None:
    with client.websocket_connect("/ws") as ws:
        assert _hello(ws, session_id="0" * 32)["resumed"] is False
        ws.send_json({"type": "hello", "session_id": "../etc"})
        assert _until(ws, "error")["code"] == "bad_session_id"
        assert _until(ws, "hello")["resumed"] is False


def test_bad_input_gets_error_frames_and_the_connection_lives(patient_client: TestClient) -> None:
    client = patient_client
    bad: list[tuple[str | bytes, str]] = [
        ('{"type":"message","text":""}', "empty_message"),
        ('{"type":"message","text":"' + "x" * 1_000_000 + '"}', "message_too_long"),
        ("this is not json", "invalid_json"),
        ('{"type":"levitate"}', "unknown_frame_type"),
        ('{"type":"message","text":42}', "bad_frame"),
        ('{"type":"message","text":"hi","image":{"data":"!!"}}', "image_bad_base64"),
        ("[]", "bad_frame"),
        (b"\x00\x01\x02\xff", "invalid_utf8"),
        (b'{"type":"message","text":"hi"}', "binary_frame"),
    ]
    with client.websocket_connect("/ws") as ws:
        _hello(ws)
        for raw, code in bad:
            if isinstance(raw, bytes):
                ws.send_bytes(raw)
            else:
                ws.send_text(raw)
            error = _until(ws, "error")
            assert error["code"] == code and error["message"], (code, error)
        ws.send_json({"type": "message", "text": "hello"})
        assert _until(ws, "reply")["skill"] == "smalltalk"


def test_flood_is_rate_limited_without_hurting_other_sessions(client: TestClient) -> None:
    with client.websocket_connect("/ws") as flood, client.websocket_connect("/ws") as calm:
        _hello(flood)
        _hello(calm)
        for _ in range(200):
            flood.send_text('{"type":"nope"}')
        codes = [_until(flood, "error")["code"] for _ in range(200)]
        assert codes.count("rate_limited") >= 150 and codes.count("unknown_frame_type") >= 5
        calm.send_json({"type": "message", "text": "hi"})
        assert _until(calm, "reply")["skill"] == "smalltalk"


def test_reset_frame(client: TestClient) -> None:
    with client.websocket_connect("/ws") as ws:
        _hello(ws)
        ws.send_json({"type": "reset"})
        assert _until(ws, "reply")["skill"] == "system"


def test_foreign_origins_are_refused(client: TestClient) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as info,
        client.websocket_connect("/ws", headers={"origin": "https://evil.example"}) as ws,
    ):
        ws.receive_json()
    assert info.value.code == 1008
    with client.websocket_connect("/ws", headers={"origin": "http://testserver"}) as ws:
        assert _hello(ws)["session_id"]


def test_allowed_origins_setting(tmp_path: Path) -> None:
    settings = settings_for_tests(tmp_path, allowed_origins="https://clinic.example")
    with (
        TestClient(create_app(settings)) as client,
        client.websocket_connect("/ws", headers={"origin": "https://clinic.example"}) as ws,
    ):
        assert _hello(ws)["session_id"]


def test_resume_sends_at_most_history_limit_turns(tmp_path: Path) -> None:
    settings = settings_for_tests(tmp_path, history_limit=3, rate_limit_burst=100)
    with TestClient(create_app(settings)) as client:
        with client.websocket_connect("/ws") as ws:
            sid = _hello(ws)["session_id"]
            for text in ("hi", "thanks", "bye"):
                ws.send_json({"type": "message", "text": text})
                _until(ws, "reply")
        with client.websocket_connect("/ws") as ws:
            history = _hello(ws, session_id=sid)["history"]
            assert [t["role"] for t in history] == ["bot", "user", "bot"]
            assert history[1]["text"] == "bye"
