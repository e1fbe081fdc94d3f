"""``GET /metrics``: the counters move by exactly what was done; bounded labels; access; workers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from assistant.metrics import MULTIPROC_ENV, Metrics
from assistant.server import create_app
from assistant.testing import FixedSkill, runtime_for_tests, settings_for_tests

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: TestClient) -> Samples:
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    return parse(r.text)


def parse(text: str) -> Samples:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_counters_move_by_what_was_done(tmp_path: Path) -> None:
    settings = settings_for_tests(tmp_path, rate_limit_burst=1000)
    runtime = runtime_for_tests(settings, [FixedSkill("knee", text="noted", trigger="knee")])
    with TestClient(create_app(settings, runtime)) as client:
        before = scrape(client)
        sid = client.post("/api/v1/chat", json={"text": "hi"}).json()["session_id"]
        for text in ("my knee hurts", "my knee still hurts", "I think I'm having a heart attack"):
            client.post("/api/v1/chat", json={"session_id": sid, "text": text})
        client.get(f"/api/v1/sessions/{sid}")
        client.get(f"/api/v1/sessions/{'f' * 32}")  # 404 session_not_found
        client.post("/api/v1/chat", json={"text": ""})  # 400 empty_message
        with client.websocket_connect("/ws") as ws:
            ws.send_json({"type": "hello"})
            ws.receive_json()
            mid = scrape(client)
            assert value(mid, "vita_websocket_connections") == 1
            ws.send_json({"type": "message", "text": "I want to kill myself"})
            while ws.receive_json()["type"] != "reply":
                pass
            ws.send_json({"type": "nonsense"})
            while (frame := ws.receive_json())["type"] != "error":
                pass
            assert frame["code"] == "unknown_frame_type"
        after = scrape(client)
        openapi = client.get("/openapi.json").json()

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("vita_replies_total", skill="smalltalk") == 1
    assert moved("vita_replies_total", skill="knee") == 2
    assert moved("vita_replies_total", skill="safety") == 2
    assert moved("vita_turn_duration_seconds_count", skill="knee") == 2
    assert moved("vita_turn_duration_seconds_sum", skill="knee") > 0
    assert moved("vita_turn_duration_seconds_bucket", skill="knee", le="+Inf") == 2
    assert moved("vita_safety_escalations_total", kind="medical", category="cardiac") == 1
    assert moved("vita_safety_escalations_total", kind="mental_health", category="suicide") == 1
    assert moved("vita_errors_total", code="session_not_found") == 1
    assert moved("vita_errors_total", code="empty_message") == 1
    assert moved("vita_errors_total", code="unknown_frame_type") == 1
    assert value(after, "vita_websocket_connections") == 0
    chat = {"method": "POST", "route": "/api/v1/chat"}
    assert moved("vita_http_requests_total", **chat, status="200") == 4
    assert moved("vita_http_requests_total", **chat, status="400") == 1
    session = {"method": "GET", "route": "/api/v1/sessions/{session_id}"}
    assert moved("vita_http_requests_total", **session, status="200") == 1
    assert moved("vita_http_requests_total", **session, status="404") == 1
    # bounded labels: route templates of the app, never a raw path with a session id in it
    routes = {dict(labels)["route"] for (_, labels) in after if "route" in dict(labels)}
    templates = set(openapi["paths"])
    assert routes <= templates | {"unmatched", "static"} and sid not in str(after)


def test_label_values_never_come_from_input() -> None:
    metrics = Metrics()
    metrics.error("<script>")
    metrics.escalation("medical", "Cardiac Arrest!")
    metrics.request("BREW", "/api/v1/chat", 418)
    text = metrics.render()[0].decode()
    assert 'code="other"' in text and 'category="other"' in text and 'method="OTHER"' in text
    assert "<script>" not in text and "BREW" not in text


def test_metrics_need_a_key_when_keys_are_set_and_can_be_switched_off(tmp_path: Path) -> None:
    keyed = settings_for_tests(tmp_path, api_keys="k1", skills="smalltalk")
    with TestClient(create_app(keyed)) as client:
        assert client.get("/metrics").status_code == 401
        r = client.get("/metrics", headers={"Authorization": "Bearer k1"})
        assert r.status_code == 200 and "# TYPE vita_replies_total counter" in r.text
    off = settings_for_tests(tmp_path, metrics=False, skills="smalltalk")
    with TestClient(create_app(off)) as client:
        r = client.get("/metrics")
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


_WORKER = """
import sys
from assistant.metrics import Metrics, worker_stopped
m = Metrics()
for _ in range(int(sys.argv[1])):
    m.turn("smalltalk", 0.02)
m.escalation("medical", "cardiac")
m.websockets.inc()
if sys.argv[2] == "stop":
    worker_stopped()  # what the server's lifespan does when a worker shuts down
"""


def test_multiprocess_mode_adds_up_every_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes record into one PROMETHEUS_MULTIPROC_DIR; one scrape shows the sum."""
    folder = tmp_path / "metrics"
    folder.mkdir()
    env = {**os.environ, MULTIPROC_ENV: str(folder)}
    for count, end in ((2, "crash"), (3, "stop")):
        subprocess.run([sys.executable, "-c", _WORKER, str(count), end], env=env, check=True)
    monkeypatch.setenv(MULTIPROC_ENV, str(folder))
    samples = parse(Metrics().render()[0].decode())
    assert value(samples, "vita_replies_total", skill="smalltalk") == 5
    assert value(samples, "vita_turn_duration_seconds_count", skill="smalltalk") == 5
    assert value(samples, "vita_safety_escalations_total", kind="medical", category="cardiac") == 2
    # open websockets count live workers only: the one that stopped properly no longer counts
    assert value(samples, "vita_websocket_connections") == 1


def test_vita_serve_with_workers_sets_up_a_shared_metrics_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``vita serve --workers 2`` gives its workers a fresh PROMETHEUS_MULTIPROC_DIR (removed
    afterwards), and no access log with client addresses; an operator's own folder is kept."""
    import uvicorn

    from assistant.cli import main

    seen: list[tuple[str | None, bool, dict[str, object]]] = []

    def fake_run(app: object, **kwargs: object) -> None:
        folder = os.environ.get(MULTIPROC_ENV)
        seen.append((folder, bool(folder and Path(folder).is_dir()), kwargs))

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.delenv(MULTIPROC_ENV, raising=False)
    base = ["serve", "--data-dir", str(tmp_path), "--config", str(tmp_path / "none.toml")]
    assert main([*base, "--workers", "2"]) == 0
    folder, existed, kwargs = seen[-1]
    assert folder and existed and kwargs["workers"] == 2 and kwargs["access_log"] is False
    assert not Path(folder).exists() and MULTIPROC_ENV not in os.environ  # cleaned up after

    own = tmp_path / "mine"
    own.mkdir()
    monkeypatch.setenv(MULTIPROC_ENV, str(own))
    assert main([*base, "--workers", "2"]) == 0
    assert seen[-1][0] == str(own) and own.is_dir()
    monkeypatch.delenv(MULTIPROC_ENV)
    assert main(base) == 0  # one worker: no multiprocess mode
    assert seen[-1][0] is None and seen[-1][2]["access_log"] is False
