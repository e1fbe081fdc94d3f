"""Faults with two servers on one Redis: Redis restarts, and a server killed mid-conversation.

The SIGKILL test drives the real widget page in headless Chromium through :class:`Balancer`
(a load balancer stand-in in front of both servers). It comes last in the package (this file's
name sorts last), since it kills server B (``vita_pair`` would start it again for a later test),
and its browser lives only as long as this module: Playwright's sync API keeps an event loop
running in the main thread, where the other modules call ``asyncio.run``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect as ws_connect

from assistant.config import PROJECT_ROOT
from assistant.prompts import Prompts
from tests.scale.conftest import Balancer, RedisServer, VitaServer
from tests.scale.test_two_servers import COMPLAINT, only_reply, question_number
from tests.web.conftest import CHROMIUM, LAUNCH_ARGS
from tests.web.helpers import Widget

UNAVAILABLE = {
    "error": {
        "code": "store_unavailable",
        "message": Prompts(PROJECT_ROOT / "prompts").render("errors.store_unavailable"),
    }
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found (make browser-deps, or apt-get install chromium)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is not installed"
    )
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


def _ws_hello_during_outage(server: VitaServer) -> dict[str, Any]:
    with ws_connect(server.ws_url, open_timeout=10) as ws:
        ws.send(json.dumps({"type": "hello"}))
        frame: dict[str, Any] = json.loads(ws.recv(timeout=10))
        ws.send(json.dumps({"type": "message", "text": "hi"}))  # the socket is still open
        json.loads(ws.recv(timeout=10))
        return frame


def test_redis_restart_gives_503_then_servers_recover_by_themselves(
    vita_pair: tuple[VitaServer, VitaServer], redis_server: RedisServer
) -> None:
    a, b = vita_pair
    session = a.chat(COMPLAINT).json()["session_id"]
    redis_server.stop()
    try:
        for server in (a, b):
            for response in (server.chat("no", session), server.chat("hi")):
                assert response.status_code == 503 and response.json() == UNAVAILABLE
            ready = httpx.get(f"{server.url}/readyz", timeout=10)
            assert ready.status_code == 503 and ready.json() == UNAVAILABLE
            assert httpx.get(f"{server.url}/healthz", timeout=10).status_code == 200
            frame = _ws_hello_during_outage(server)
            assert frame == {"type": "error", **UNAVAILABLE["error"]}
            assert server.alive
    finally:
        redis_server.start()  # same port, the snapshot it saved on the way down
    deadline = time.monotonic() + 15
    for server in (a, b):  # no restart of Vita: its clients reconnect on their own
        while httpx.get(f"{server.url}/readyz", timeout=10).status_code != 200:
            assert time.monotonic() < deadline, f"{server.name} did not recover"
            time.sleep(0.2)
    assert question_number(only_reply(b.chat("no", session))) == 2  # the conversation goes on
    assert question_number(only_reply(a.chat("not sure", session))) == 3
    assert a.alive and b.alive


@pytest.mark.browser
def test_sigkill_mid_conversation_widget_moves_to_the_other_server(
    vita_pair: tuple[VitaServer, VitaServer], browser: Any
) -> None:
    a, b = vita_pair
    balancer = Balancer([b.port, a.port])  # everything goes to B while it lives
    context = browser.new_context(locale="en-US", viewport={"width": 1000, "height": 800})
    try:
        w = Widget(context.new_page(), balancer)  # type: ignore[arg-type]
        w.goto("/")
        w.accept_notice()
        w.page.evaluate(
            "() => { window.online = []; Vita.on('connection', (e) => window.online.push(e.online)); }"
        )
        assert "Question 1 of up to" in w.say(COMPLAINT).inner_text()
        session = w.session()
        assert set(balancer.chosen) == {b.port}

        b.kill()  # SIGKILL: its sockets just vanish
        w.page.wait_for_function(
            "() => window.online.includes(false) && window.online.at(-1) === true",
            timeout=30_000,
        )
        assert a.port in balancer.chosen  # the widget came back through the balancer, to A
        assert w.session() == session
        assert w.user_texts() == [COMPLAINT]  # the history, from Redis via A
        assert "Question 2 of up to" in w.say("no").inner_text()  # the triage goes on
        assert w.user_texts() == [COMPLAINT, "no"]

        export = httpx.get(f"{a.url}/api/v1/sessions/{session}", timeout=10).json()
        said = [(t["role"], t.get("text")) for t in export["transcript"]]
        assert [r for r, _ in said] == ["user", "bot", "user", "bot"]
        assert [t for r, t in said if r == "user"] == [COMPLAINT, "no"]
        assert not [e for e in w.errors if e.startswith("pageerror")], w.errors
    finally:
        context.close()
        balancer.close()
