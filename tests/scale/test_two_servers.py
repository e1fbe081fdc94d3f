"""Two Vita servers (A with two workers, B with one) sharing one Redis: any of them can take the
next message of any conversation, one session's turns run one after the other wherever they
arrive, and the rate limit is counted once for all of them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from pathlib import Path
from typing import Any

import httpx
import redis
from websockets.sync.client import connect as ws_connect

from assistant.redis_store import RedisSessionStore, connect
from assistant.types import BotSaid, UserSaid
from tests.scale.conftest import RATE_BURST, RedisServer, VitaServer

COMPLAINT = "I have had a sore throat and a fever for two days"


def question_number(reply: dict[str, Any]) -> int:
    """n of "Question n of up to 6" in a triage reply (0 when it asks none)."""
    found = re.search(r"Question (\d+) of up to \d+", reply["text"])
    return int(found.group(1)) if found else 0


def only_reply(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    replies = response.json()["replies"]
    assert len(replies) == 1
    reply: dict[str, Any] = replies[0]
    return reply


def worker_processes(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux /proc)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                children.append(int(stat.parent.name))
    return children


def test_rest_conversation_alternating_between_servers(
    vita_pair: tuple[VitaServer, VitaServer],
) -> None:
    a, b = vita_pair
    assert a.proc is not None and len(worker_processes(a.proc.pid)) >= 2  # vita serve --workers 2
    first = a.chat(COMPLAINT)
    session = first.json()["session_id"]
    q1 = only_reply(first)
    assert q1["skill"] == "triage" and question_number(q1) == 1
    q2 = only_reply(b.chat("no", session))  # B knows what A asked
    assert q2["skill"] == "triage" and question_number(q2) == 2 and q2["text"] != q1["text"]
    q3 = only_reply(a.chat("not sure", session))
    assert question_number(q3) == 3
    result = only_reply(b.chat("just tell me", session))
    assert result["skill"] == "triage"
    assert [c["type"] for c in result["cards"]][:1] == ["triage"]
    # both servers export the same conversation, every turn in order
    exports = [httpx.get(f"{s.url}/api/v1/sessions/{session}").json() for s in (a, b)]
    assert exports[0] == exports[1]
    said = [t["text"] for t in exports[0]["transcript"] if t["role"] == "user"]
    assert said == [COMPLAINT, "no", "not sure", "just tell me"]


def _ws_turn(server: VitaServer, session: str | None, text: str) -> tuple[dict[str, Any], ...]:
    """Connect to ``server``, say hello (resuming ``session``), send ``text``; hello and reply."""
    with ws_connect(server.ws_url, open_timeout=10) as ws:
        ws.send(json.dumps({"type": "hello", **({"session_id": session} if session else {})}))
        hello = json.loads(ws.recv(timeout=10))
        ws.send(json.dumps({"type": "message", "text": text}))
        while (frame := json.loads(ws.recv(timeout=30)))["type"] != "reply":
            assert frame["type"] == "typing", frame
        return hello, frame


def test_websocket_conversation_alternating_between_servers(
    vita_pair: tuple[VitaServer, VitaServer],
) -> None:
    a, b = vita_pair
    hello, q1 = _ws_turn(a, None, COMPLAINT)
    session = hello["session_id"]
    assert question_number(q1) == 1
    hello, q2 = _ws_turn(b, session, "no")
    assert hello["resumed"] is True and hello["session_id"] == session
    assert [t["role"] for t in hello["history"]] == ["user", "bot"]
    assert hello["history"][1]["reply"]["text"] == q1["text"]
    assert question_number(q2) == 2
    hello, result = _ws_turn(a, session, "just tell me")
    assert len(hello["history"]) == 4
    assert [c["type"] for c in result["cards"]][:1] == ["triage"]


def test_simultaneous_messages_on_two_servers_run_one_after_the_other(
    vita_pair: tuple[VitaServer, VitaServer], redis_server: RedisServer
) -> None:
    """Both messages arrive while the session is busy; each turn must see the one before it.

    The test holds the session's lock itself while both requests arrive, so they are certainly
    waiting at the same moment. Had they run side by side, both would answer question 1 and
    both replies would be question 2.
    """
    a, b = vita_pair
    session = a.chat(COMPLAINT).json()["session_id"]
    store = RedisSessionStore(connect(redis_server.url))

    async def main() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=60) as client:

            def send(server: VitaServer, text: str) -> asyncio.Task[httpx.Response]:
                body = {"session_id": session, "text": text}
                return asyncio.create_task(client.post(f"{server.url}/api/v1/chat", json=body))

            async with store.lock(session):
                tasks = [send(a, "no"), send(b, "not sure")]
                await asyncio.sleep(1.0)  # both are now waiting for the lock
                assert not any(t.done() for t in tasks)
            return list(await asyncio.gather(*tasks))

    responses = asyncio.run(main())
    numbers = sorted(question_number(only_reply(r)) for r in responses)
    assert numbers == [2, 3]
    # the stored log is whole turns, one after the other: user, (skill events), bot
    events = store.load(session)
    turns: list[list[str]] = []
    for event in events:
        if isinstance(event, UserSaid):
            turns.append([event.text])
        elif isinstance(event, BotSaid):
            turns[-1].append(str(event.reply["text"]))
    assert [len(t) for t in turns] == [2, 2, 2], turns
    assert turns[0][0] == COMPLAINT and {turns[1][0], turns[2][0]} == {"no", "not sure"}
    by_text = {only_reply(r)["text"]: r for r in responses}
    assert set(by_text) == {turns[1][1], turns[2][1]}  # each reply is the one stored
    assert (
        question_number({"text": turns[1][1]}) == 2 and question_number({"text": turns[2][1]}) == 3
    )
    store.close()


def test_rate_limit_counts_bursts_on_both_servers_together(
    vita_pair: tuple[VitaServer, VitaServer], redis_client: redis.Redis
) -> None:
    a, b = vita_pair
    session = a.chat("hi").json()["session_id"]
    statuses: dict[str, list[int]] = {"A": [], "B": []}
    for i in range(2 * RATE_BURST):
        server = (a, b)[i % 2]
        response = server.chat("hello again", session)
        statuses[server.name].append(response.status_code)
        if response.status_code == 429:
            assert response.json()["error"]["code"] == "rate_limited"
    allowed = sum(s.count(200) for s in statuses.values())
    # one bucket of RATE_BURST (plus a token refilled if this took over 10 s), not one per server
    assert RATE_BURST <= allowed <= RATE_BURST + 1, statuses
    assert 429 in statuses["A"] and 429 in statuses["B"]
    assert any(k.startswith("vita:rate:session:") for k in redis_client.scan_iter("vita:rate:*"))
