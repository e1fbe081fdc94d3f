"""The Redis session store and rate limiter against a real redis-server.

The store contract tests of ``tests/assistant/test_sessions.py`` run here again on Redis (the
``store`` fixture below replaces theirs); the rest is what only Redis does: the lock across
processes, TTLs, idempotent appends, outages, and buckets shared by every worker.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from assistant.config import Settings
from assistant.ratelimit import RedisRateLimiter, TokenBucketLimiter, open_limiter
from assistant.redis_store import RedisSessionStore, StoreUnavailable, connect
from assistant.sessions import SQLiteSessionStore, open_store
from assistant.state import replay
from assistant.testing import settings_for_tests
from assistant.types import BotSaid, Escalated, ProfileUpdated, SkillStarted, SlotSet, UserSaid
from tests.assistant.test_sessions import test_append_load_delete
from tests.scale.conftest import RedisServer, free_port

__all__ = ["test_append_load_delete"]  # the shared contract test, run on Redis by this module


@pytest.fixture
def store(redis_server: RedisServer, redis_client: redis.Redis) -> Iterator[RedisSessionStore]:
    s = RedisSessionStore(connect(redis_server.url))
    yield s
    s.close()


def test_open_store_and_limiter_pick_redis(redis_server: RedisServer, tmp_path: Path) -> None:
    settings = settings_for_tests(tmp_path, session_store=redis_server.url, session_ttl_days=7)
    store = open_store(settings)
    assert isinstance(store, RedisSessionStore) and store.ttl_s == 7 * 86400
    limiter = open_limiter(settings)
    assert isinstance(limiter, RedisRateLimiter) and limiter.ping()
    assert isinstance(open_limiter(settings_for_tests(tmp_path)), TokenBucketLimiter)
    store.close()


def test_replays_exactly_like_sqlite(store: RedisSessionStore, tmp_path: Path) -> None:
    turns = [
        [UserSaid(text="my knee hurts", locale="en-GB"), SkillStarted(skill="triage")],
        [SlotSet(name="triage.answers", value={"fever": True, "age": 34, "x": [1.5, None]})],
        [ProfileUpdated(changes={"goal": "strength"}), Escalated(kind="medical", rule="r/0")],
        [BotSaid(reply={"text": 'Ünïcode ✓ "quotes"\n', "skill": "triage", "cards": []})],
    ]
    sqlite = SQLiteSessionStore(tmp_path / "vita.db")
    for events in turns:
        sqlite.append("replay01", events)
        store.append("replay01", events)
    assert store.load("replay01") == sqlite.load("replay01")
    assert replay("replay01", store.load("replay01")) == replay("replay01", sqlite.load("replay01"))


def test_every_append_refreshes_the_ttl(
    store: RedisSessionStore, redis_client: redis.Redis
) -> None:
    short = RedisSessionStore(store.client, ttl_s=100)
    short.create("ttl00001")
    assert 0 < redis_client.ttl("vita:{ttl00001}:meta") <= 100
    redis_client.expire("vita:{ttl00001}:meta", 5)
    short.append("ttl00001", [UserSaid(text="still here")])
    assert redis_client.ttl("vita:{ttl00001}:meta") > 90
    assert 90 < redis_client.ttl("vita:{ttl00001}:events") <= 100
    redis_client.pexpire("vita:{ttl00001}:meta", 1)
    redis_client.pexpire("vita:{ttl00001}:events", 1)
    time.sleep(0.01)
    assert not short.exists("ttl00001") and short.load("ttl00001") == []


def test_purge_expired_keeps_recent_sessions(store: RedisSessionStore) -> None:
    store.append("old00001", [UserSaid(text="old")])
    cut = time.time()
    time.sleep(0.01)
    store.append("new00001", [UserSaid(text="new")])
    assert store.purge_expired(cut) >= 1
    assert not store.exists("old00001") and store.load("old00001") == []
    assert store.exists("new00001")
    assert store.purge_expired(cut) == 0


def test_a_retried_append_is_applied_once(store: RedisSessionStore) -> None:
    """The reply to an append can be lost after Redis applied it; the client's retry is a no-op."""
    keys = ["vita:{retry001}:meta", "vita:{retry001}:events"]
    args = ["append-id-1", str(time.time()), 0, '{"type": "UserSaid", "text": "once"}']
    assert store._append(keys=keys, args=args) == 1
    assert store._append(keys=keys, args=args) == 0
    assert [e.text for e in store.load("retry001") if isinstance(e, UserSaid)] == ["once"]


def test_lock_is_shared_by_stores_with_their_own_connections(redis_server: RedisServer) -> None:
    """Two stores stand for two worker processes: one session's turns never overlap."""
    a, b = (RedisSessionStore(connect(redis_server.url), lock_ttl_s=0.3) for _ in range(2))
    spans: list[tuple[str, float, float]] = []

    async def turn(store: RedisSessionStore, name: str, session: str) -> None:
        async with store.lock(session):
            start = time.monotonic()
            await asyncio.sleep(0.5)  # longer than the lock's TTL: the holder must renew it
            spans.append((name, start, time.monotonic()))

    async def main() -> None:
        await asyncio.gather(
            turn(a, "a1", "shared01"),
            turn(b, "b1", "shared01"),
            turn(a, "a2", "shared01"),
            turn(b, "other", "other001"),
        )

    asyncio.run(main())
    shared = sorted((s for s in spans if s[0] != "other"), key=lambda s: s[1])
    assert len(shared) == 3
    for first, second in itertools.pairwise(shared):
        assert second[1] >= first[2], f"{second[0]} started before {first[0]} ended"
    other = next(s for s in spans if s[0] == "other")
    assert other[1] < shared[0][2]  # another session never waited for this one
    a.close()
    b.close()


def test_a_dead_holders_lock_expires(store: RedisSessionStore, redis_client: redis.Redis) -> None:
    redis_client.set("vita:{orphan01}:lock", "a worker that was killed", px=300)

    async def main() -> float:
        start = time.monotonic()
        async with store.lock("orphan01"):
            return time.monotonic() - start

    assert 0.2 < asyncio.run(main()) < 3


def test_waiting_for_a_busy_session_gives_up(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    store = RedisSessionStore(connect(redis_server.url), lock_wait_s=0.3)
    redis_client.set("vita:{busy0001}:lock", "a turn that never ends", px=5000)

    async def main() -> None:
        async with store.lock("busy0001"):
            pass

    start = time.monotonic()
    with pytest.raises(StoreUnavailable):
        asyncio.run(main())
    assert 0.3 <= time.monotonic() - start < 2
    assert redis_client.get("vita:{busy0001}:lock") == "a turn that never ends"  # not stolen
    store.close()


def test_outage_is_store_unavailable(tmp_path: Path) -> None:
    """Nothing listens on the port: every call fails fast with the 503 error, never hangs."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    store = RedisSessionStore(connect(url))
    start = time.monotonic()
    for call in (
        lambda: store.create("down0001"),
        lambda: store.exists("down0001"),
        lambda: store.load("down0001"),
        lambda: store.append("down0001", [UserSaid(text="x")]),
        lambda: store.delete("down0001"),
    ):
        with pytest.raises(StoreUnavailable) as caught:
            call()
        assert caught.value.code == "store_unavailable" and caught.value.status == 503

    async def turn() -> None:
        async with store.lock("down0001"):
            pass

    with pytest.raises(StoreUnavailable):
        asyncio.run(turn())
    assert store.ping() is False
    limiter = RedisRateLimiter(store.client, per_minute=60, burst=5)
    with pytest.raises(StoreUnavailable):
        limiter.allow("client:x")
    assert limiter.ping() is False
    assert time.monotonic() - start < 10
    store.close()


def test_rate_limit_is_shared_between_workers(redis_server: RedisServer) -> None:
    """Buckets in Redis: two limiters (two workers) draw from the same tokens."""
    a = RedisRateLimiter(connect(redis_server.url), per_minute=6, burst=4)
    b = RedisRateLimiter(connect(redis_server.url), per_minute=6, burst=4)
    key = f"client:shared-{time.time()}"
    got = [limiter.allow(key) for limiter in (a, b, a, b, a, b)]
    assert got == [True, True, True, True, False, False]
    assert a.allow(f"{key}-other")  # other keys are unaffected


def test_settings_accept_a_redis_url(tmp_path: Path) -> None:
    env = {"VITA_SESSION_STORE": "redis://10.0.0.5:6379/2"}
    settings = Settings.load(env=env, toml_path=tmp_path / "none.toml")
    assert settings.session_store == "redis://10.0.0.5:6379/2"
