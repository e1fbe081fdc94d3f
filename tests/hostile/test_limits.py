"""The limits, audited through the real app: rates, sizes, origins, API keys, and no leaks.

Already covered elsewhere and not repeated: a session's REST burst (``tests/assistant/test_rest``),
a flooding websocket connection and a foreign ``Origin`` (``test_websocket``), bodies with an
oversized ``Content-Length`` and over-long text (both), the API-key basics (``tests/web``).
Added here: the per-client-address limits of REST and of new websocket sessions, a session's
limit shared by all its connections, an oversized websocket frame and image, a chunked request
body with no ``Content-Length`` (against a real uvicorn server), lookalike origins, near-miss
API keys, and internal failures that must reach the client as ``internal`` with no trace.
"""

from __future__ import annotations

import base64
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from assistant.config import Settings
from assistant.server import create_app
from assistant.testing import FixedSkill, runtime_for_tests, settings_for_tests
from tests.hostile.conftest import assert_error_body, assert_no_leak
from tests.web.conftest import LiveServer

BURST = 5


def _settings(tmp: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"skills": "smalltalk", "rate_limit_burst": BURST}
    return settings_for_tests(tmp, **{**values, **overrides})


@pytest.fixture
def app_settings(tmp_path: Path) -> Settings:
    return _settings(tmp_path)


def _client(app: Any, address: str) -> TestClient:
    return TestClient(app, client=(address, 40000))


def _frames_until(ws: Any, kind: str) -> dict[str, Any]:
    for _ in range(50):
        frame: dict[str, Any] = ws.receive_json()
        if frame["type"] == kind:
            return frame
        assert frame["type"] == "typing", frame
    raise AssertionError(f"no {kind} frame")


def _hello(ws: Any, **fields: Any) -> dict[str, Any]:
    """Send hello; the answer is the hello frame or an error frame."""
    ws.send_json({"type": "hello", **fields})
    frame: dict[str, Any] = ws.receive_json()
    return frame


# --------------------------------------------------------------------------- rate limits


def test_rest_limits_each_client_address_separately(app_settings: Settings) -> None:
    app = create_app(app_settings)
    with _client(app, "10.0.0.1") as noisy, _client(app, "10.0.0.2") as calm:
        statuses = [noisy.post("/api/v1/chat", json={"text": "hi"}).status_code for _ in range(8)]
        assert statuses[:BURST] == [200] * BURST and statuses[BURST:] == [429] * 3
        limited = noisy.post("/api/v1/chat", json={"text": "hi"})
        assert assert_error_body(limited.content)["code"] == "rate_limited"
        # the stateless endpoints share the address's bucket: each one runs a model or a search
        for method, path, body in (
            ("post", "/api/v1/triage", {"text": "sore throat"}),
            ("post", "/api/v1/workout-plan", {"profile": {}}),
            ("get", "/api/v1/search?q=knee", None),
        ):
            r = getattr(noisy, method)(path, **({"json": body} if body is not None else {}))
            assert r.status_code == 429, (path, r.text)
        assert calm.post("/api/v1/chat", json={"text": "hi"}).status_code == 200


def test_websocket_new_sessions_count_against_the_address(app_settings: Settings) -> None:
    app = create_app(app_settings)
    with _client(app, "10.0.0.3") as noisy, _client(app, "10.0.0.4") as calm:
        answers = []
        for _ in range(BURST + 2):  # a fresh connection, hence a fresh per-connection bucket
            with noisy.websocket_connect("/ws") as ws:
                answers.append(_hello(ws))
        kinds = [a["type"] for a in answers]
        assert kinds == ["hello"] * BURST + ["error"] * 2
        assert {a["code"] for a in answers[BURST:]} == {"rate_limited"}
        # resuming a known session creates nothing, so it is not limited by the address
        with noisy.websocket_connect("/ws") as ws:
            resumed = _hello(ws, session_id=answers[0]["session_id"])
            assert resumed["type"] == "hello" and resumed["resumed"] is True
        with calm.websocket_connect("/ws") as ws:
            assert _hello(ws)["type"] == "hello"


def test_a_session_limit_is_shared_by_all_its_connections(tmp_path: Path) -> None:
    settings = _settings(tmp_path, rate_limit_burst=4, rate_limit_per_minute=1)
    with TestClient(create_app(settings)) as client:
        with client.websocket_connect("/ws") as first:
            session_id = _hello(first)["session_id"]
            for _ in range(3):
                first.send_json({"type": "message", "text": "hi"})
                _frames_until(first, "reply")
        with client.websocket_connect("/ws") as second:  # same session, fresh connection
            assert _hello(second, session_id=session_id)["resumed"] is True
            second.send_json({"type": "message", "text": "hi"})
            assert _frames_until(second, "reply")["skill"] == "smalltalk"  # the 4th: allowed
            second.send_json({"type": "message", "text": "hi"})
            assert _frames_until(second, "error")["code"] == "rate_limited"  # the 5th: not
        r = client.post("/api/v1/chat", json={"session_id": session_id, "text": "hi"})
        assert r.status_code == 429  # REST turns of the session share the same bucket


# --------------------------------------------------------------------------- sizes


def test_websocket_frame_and_image_limits(tmp_path: Path) -> None:
    settings = _settings(
        tmp_path, max_frame_bytes=64_000, max_image_bytes=20_000, rate_limit_burst=100
    )
    with TestClient(create_app(settings)) as client, client.websocket_connect("/ws") as ws:
        _hello(ws)
        ws.send_text(json.dumps({"type": "message", "text": "x" * 70_000}))
        error = _frames_until(ws, "error")
        assert error["code"] == "frame_too_large" and "64000" in error["message"]
        picture = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 30_000).decode()
        ws.send_json({"type": "message", "image": {"data": picture}})
        assert _frames_until(ws, "error")["code"] == "image_too_large"
        ws.send_json({"type": "message", "text": "still there?"})
        assert _frames_until(ws, "reply")["skill"] == "smalltalk"


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    server = LiveServer(tmp_path, skills="smalltalk", max_frame_bytes=1_000_000).start()
    yield server
    server.stop()


def _read_response(sock: socket.socket) -> bytes:
    data = b""
    sock.settimeout(10)
    while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_chunked_body_without_length_is_cut_off_at_the_limit(live: LiveServer) -> None:
    """A body with no Content-Length is refused once it passes the limit, not read whole."""
    chunk = b"x" * 65536
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    sent = 0
    with socket.create_connection(("127.0.0.1", live.port), timeout=10) as sock:
        sock.sendall(
            b"POST /api/v1/chat HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            + b'b\r\n{"text": "x\r\n'
        )
        start = time.monotonic()
        try:
            while sent < 64 * 1024 * 1024 and time.monotonic() - start < 20:
                sock.sendall(frame)
                sent += len(chunk)
                sock.setblocking(False)
                try:
                    if sock.recv(1, socket.MSG_PEEK):
                        break  # the server answered before the body was complete
                except BlockingIOError:
                    pass
                finally:
                    sock.setblocking(True)
        except (BrokenPipeError, ConnectionResetError):
            pass  # it stopped reading and closed: also an answer
        response = _read_response(sock)
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), head[:200]
    assert assert_error_body(body)["code"] == "frame_too_large"
    assert sent < 8 * 1024 * 1024  # refused after about 1 MB, long before the 64 MB were sent


# --------------------------------------------------------------------------- origins and keys


LOOKALIKE_ORIGINS = (
    "null",
    "http://testserver.evil.example",
    "http://evil.example/testserver",
    "http://testserver:8443",
    "http://user@testserver",
    "https://clinic.example.evil",
    "",
)


def test_lookalike_origins_are_refused(tmp_path: Path) -> None:
    settings = _settings(tmp_path, allowed_origins="https://clinic.example")
    with TestClient(create_app(settings)) as client:
        for origin in LOOKALIKE_ORIGINS:
            with (
                pytest.raises(WebSocketDisconnect) as info,
                client.websocket_connect("/ws", headers={"origin": origin}) as ws,
            ):
                ws.receive_json()
            assert info.value.code == 1008, origin
            # over REST a foreign page gets no CORS grant: its browser will not let it read
            r = client.get("/api/v1/widget/config", headers={"origin": origin})
            assert "access-control-allow-origin" not in r.headers, origin
        with client.websocket_connect("/ws", headers={"origin": "https://clinic.example"}) as ws:
            assert _hello(ws)["type"] == "hello"


NEAR_MISS_KEYS: tuple[tuple[dict[str, bytes], str], ...] = (
    ({"authorization": b"Bearer s3cret-key-"}, "api_key_invalid"),  # a prefix
    ({"authorization": b"Bearer s3cret-key-12"}, "api_key_invalid"),  # longer
    ({"authorization": b"Bearer S3CRET-KEY-1"}, "api_key_invalid"),  # other case
    ({"x-api-key": b"s3cret-key-1\xa0"}, "api_key_invalid"),  # a trailing no-break space
    ({"authorization": b"Token s3cret-key-1"}, "api_key_required"),  # not a bearer token
    ({"cookie": b"api_key=s3cret-key-1"}, "api_key_required"),
    ({}, "api_key_required"),
)


def test_near_miss_api_keys_are_refused(tmp_path: Path) -> None:
    with TestClient(create_app(_settings(tmp_path, api_keys="s3cret-key-1"))) as keyed:
        for headers, code in NEAR_MISS_KEYS:
            r = keyed.post(
                "/api/v1/chat?api_key=s3cret-key-1",  # a key in the query string never counts
                json={"text": "hi"},
                headers=headers,
            )
            assert r.status_code == 401 and assert_error_body(r.content)["code"] == code, headers
            assert_no_leak(r.text, "s3cret")
        ok = keyed.post("/api/v1/chat", json={"text": "hi"}, headers={"X-API-KEY": "s3cret-key-1"})
        assert ok.status_code == 200
        with keyed.websocket_connect("/ws") as ws:  # the websocket is guarded by origin, not keys
            assert _hello(ws)["type"] == "hello"


# --------------------------------------------------------------------------- no stack traces

SECRET = "kaboom-7f3a at /srv/vita/secret_module.py line 42"


def test_a_failing_skill_is_an_apology(tmp_path: Path) -> None:
    settings = _settings(tmp_path, rate_limit_burst=100)
    failing = FixedSkill("broken", trigger="explode", fail=True, score_value=0.99)
    runtime = runtime_for_tests(settings, [failing])
    with TestClient(create_app(settings, runtime)) as client:
        r = client.post("/api/v1/chat", json={"text": "please explode"})
        assert r.status_code == 200
        assert_no_leak(r.text, "on purpose")
        assert "Sorry" in r.json()["replies"][0]["text"]
        with client.websocket_connect("/ws") as ws:
            _hello(ws)
            ws.send_json({"type": "message", "text": "explode again"})
            reply = _frames_until(ws, "reply")
            assert_no_leak(json.dumps(reply), "on purpose")


def _explode(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError(SECRET)


def test_internal_errors_reach_clients_as_internal_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path, rate_limit_burst=1000)
    runtime = runtime_for_tests(settings)
    runtime.warm_up()
    with TestClient(create_app(settings, runtime), raise_server_exceptions=False) as client:
        session_id = client.post("/api/v1/chat", json={"text": "hi"}).json()["session_id"]
        for target in ("handle", "export", "exists", "state", "new_session"):
            with monkeypatch.context() as patch:
                patch.setattr(runtime.manager, target, _explode)
                _check_internal_errors(client, session_id, target)
            # the server keeps serving once the fault is gone
            assert client.post("/api/v1/chat", json={"text": "hi"}).status_code == 200


def _check_internal_errors(client: TestClient, session_id: str, target: str) -> None:
    answers = [
        client.post("/api/v1/chat", json={"text": "hi"}),
        client.post("/api/v1/chat", json={"session_id": session_id, "text": "hi"}),
        client.get(f"/api/v1/sessions/{session_id}"),
    ]
    failed = [r for r in answers if r.status_code >= 500]
    assert failed, (target, [r.status_code for r in answers])
    for r in answers:
        assert_no_leak(r.text, "kaboom", "secret_module")
    for r in failed:
        assert r.status_code == 500 and assert_error_body(r.content)["code"] == "internal"
    frames = _websocket_frames(client, session_id)
    if target != "export":  # the websocket never exports
        assert any(f.get("code") == "internal" for f in frames), (target, frames)
    assert not any(f["type"] == "closed" for f in frames), (target, frames)  # it lives on
    for frame in frames:
        assert_no_leak(json.dumps(frame), "kaboom", "secret_module")


def _websocket_frames(client: TestClient, session_id: str) -> list[dict[str, Any]]:
    """Everything a websocket client sees while resuming and talking; stops at a close."""
    frames: list[dict[str, Any]] = []
    try:
        with client.websocket_connect("/ws") as ws:
            for fields in ({"session_id": session_id}, {}):
                ws.send_json({"type": "hello", **fields})
                frames.append(ws.receive_json())
            ws.send_json({"type": "message", "text": "hi"})
            while True:
                frame = ws.receive_json()
                frames.append(frame)
                if frame["type"] in ("reply", "error") or frame == {"type": "typing", "on": False}:
                    break
    except WebSocketDisconnect as closed:
        frames.append({"type": "closed", "code": closed.code, "reason": closed.reason})
    return frames
