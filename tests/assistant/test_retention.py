"""Session expiry: stores hide and purge idle sessions; the server purges at start; the CLI."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant import retention
from assistant.cli import main
from assistant.server import create_app
from assistant.sessions import MemorySessionStore, SessionStore, SQLiteSessionStore
from assistant.testing import runtime_for_tests, settings_for_tests
from assistant.types import UserSaid

DAY = 86400.0


def _age(store: SessionStore, session_id: str, days: float) -> None:
    """Make a session look as if its last message was ``days`` ago."""
    then = time.time() - days * DAY
    if isinstance(store, SQLiteSessionStore):
        with sqlite3.connect(store.path) as db:
            db.execute("UPDATE sessions SET updated = ? WHERE session_id = ?", (then, session_id))
    else:
        store._updated[session_id] = then  # type: ignore[attr-defined]


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SessionStore]:
    ttl = 30 * DAY
    made: SessionStore = (
        MemorySessionStore(ttl)
        if request.param == "memory"
        else SQLiteSessionStore(tmp_path / "v.db", ttl)
    )
    yield made
    made.close()


def test_expired_sessions_are_unknown_then_purged(store: SessionStore) -> None:
    for sid in ("old-session", "fresh-session", "idle-29-days"):
        store.append(sid, [UserSaid(text=f"hello from {sid}")])
    _age(store, "old-session", 31)
    _age(store, "idle-29-days", 29)
    # expired: unknown at once, before any purge; the rows are still there for purge and erase
    assert not store.exists("old-session")
    assert store.exists("fresh-session") and store.exists("idle-29-days")
    assert len(store.load("old-session")) == 1

    assert store.purge_expired(time.time() - 30 * DAY) == 1
    assert store.load("old-session") == [] and not store.delete("old-session")
    assert [e.text for e in store.load("idle-29-days")] == ["hello from idle-29-days"]  # type: ignore[attr-defined]
    assert store.purge_expired(time.time() - 30 * DAY) == 0  # idempotent

    store.append("idle-29-days", [UserSaid(text="back again")])  # a new message renews it
    assert store.purge_expired(time.time() - 1 * DAY) == 0 and store.exists("idle-29-days")


def test_sqlite_purge_removes_event_rows(tmp_path: Path) -> None:
    store = SQLiteSessionStore(tmp_path / "v.db", 30 * DAY)
    store.append("gone-session", [UserSaid(text="a"), UserSaid(text="b")])
    store.append("kept-session", [UserSaid(text="c")])
    _age(store, "gone-session", 40)
    assert store.purge_expired(time.time() - 30 * DAY) == 1
    with sqlite3.connect(store.path) as db:
        rows = db.execute("SELECT session_id, COUNT(*) FROM events GROUP BY session_id").fetchall()
        sessions = db.execute("SELECT session_id FROM sessions").fetchall()
    assert rows == [("kept-session", 1)] and sessions == [("kept-session",)]
    store.close()


def test_ttl_zero_keeps_sessions_forever(tmp_path: Path) -> None:
    settings = settings_for_tests(tmp_path, session_ttl_days=0)
    assert retention.cutoff(settings.session_ttl_days) is None
    runtime = runtime_for_tests(settings)
    sid = runtime.manager.new_session()
    _age(runtime.manager.store, sid, 3650)
    assert runtime.manager.store.exists(sid)
    assert retention.purge_runtime(runtime) is None
    runtime.close()


def test_server_purges_at_start_and_expired_sessions_are_404(tmp_path: Path) -> None:
    settings = settings_for_tests(tmp_path, session_store="sqlite", skills="smalltalk")
    store = SQLiteSessionStore(settings.db_path)
    store.append("a" * 32, [UserSaid(text="old")])
    store.append("b" * 32, [UserSaid(text="recent")])
    _age(store, "a" * 32, 45)
    store.close()
    with TestClient(create_app(settings)) as client:
        for _ in range(100):  # the purge runs in a background task right after start
            with sqlite3.connect(settings.db_path) as db:
                left = {r[0] for r in db.execute("SELECT session_id FROM sessions")}
            if "a" * 32 not in left:
                break
            time.sleep(0.02)
        assert left == {"b" * 32}
        assert client.get(f"/api/v1/sessions/{'a' * 32}").status_code == 404
        assert client.get(f"/api/v1/sessions/{'b' * 32}").status_code == 200
        metrics = client.get("/metrics").text
        assert "vita_sessions_purged_total 1.0" in metrics


def test_periodic_purge_keeps_running_and_survives_errors(tmp_path: Path) -> None:
    runtime = runtime_for_tests(settings_for_tests(tmp_path))
    calls: list[float] = []
    real = runtime.manager.store.purge_expired

    def flaky(older_than: float) -> int:
        calls.append(older_than)
        if len(calls) == 1:
            raise RuntimeError("disk on fire")
        return real(older_than)

    runtime.manager.store.purge_expired = flaky  # type: ignore[method-assign]

    async def run() -> None:
        async with retention.purging(runtime, interval_s=0.01):
            while len(calls) < 3:
                await asyncio.sleep(0.01)

    asyncio.run(asyncio.wait_for(run(), timeout=5))
    assert len(calls) >= 3 and all(abs(c - (time.time() - 30 * DAY)) < 60 for c in calls)
    runtime.close()


def test_cli_sessions_purge(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = SQLiteSessionStore(tmp_path / "vita.db")
    store.append("x" * 32, [UserSaid(text="old")])
    store.append("y" * 32, [UserSaid(text="newer")])
    _age(store, "x" * 32, 31)
    _age(store, "y" * 32, 10)
    store.close()
    cfg = tmp_path / "none.toml"
    base = ["sessions", "purge", "--data-dir", str(tmp_path), "--config", str(cfg)]
    assert main(base) == 0
    assert "Deleted 1 conversation(s) idle for more than 30 days" in capsys.readouterr().out
    assert main([*base, "--older-than-days", "7"]) == 0
    assert "Deleted 1 conversation(s) idle for more than 7 days" in capsys.readouterr().out
    with sqlite3.connect(tmp_path / "vita.db") as db:
        assert db.execute("SELECT COUNT(*) FROM sessions").fetchone() == (0,)
    with pytest.raises(SystemExit):
        main(["sessions", "--help"])
    assert "session_ttl_days" in capsys.readouterr().out
