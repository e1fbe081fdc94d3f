from __future__ import annotations

import asyncio
import multiprocessing
import sqlite3
import threading
from pathlib import Path

import pytest

from assistant.config import SettingsError
from assistant.sessions import MemorySessionStore, SessionStore, SQLiteSessionStore, open_store
from assistant.testing import settings_for_tests
from assistant.types import BotSaid, SlotSet, UserSaid


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> SessionStore:
    if request.param == "memory":
        return MemorySessionStore()
    return SQLiteSessionStore(tmp_path / "vita.db")


def test_append_load_delete(store: SessionStore) -> None:
    assert store.load("abc12345") == [] and not store.exists("abc12345")
    store.create("abc12345")
    assert store.exists("abc12345")
    events = [UserSaid(text="hi"), BotSaid(reply={"text": "hello", "skill": "smalltalk"})]
    store.append("abc12345", events)
    store.append("abc12345", [SlotSet(name="x.y", value=[1, 2])])
    loaded = store.load("abc12345")
    assert [type(e).__name__ for e in loaded] == ["UserSaid", "BotSaid", "SlotSet"]
    assert loaded[0] == events[0]
    assert store.delete("abc12345") is True
    assert store.load("abc12345") == [] and not store.exists("abc12345")
    assert store.delete("abc12345") is False


def test_sqlite_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "vita.db"
    first = SQLiteSessionStore(path)
    first.append("sess0001", [UserSaid(text="remember me")])
    first.close()
    second = SQLiteSessionStore(path)
    assert second.load("sess0001") == [
        UserSaid(text="remember me", ts=second.load("sess0001")[0].ts)
    ]
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_sqlite_concurrent_writers_keep_every_event_in_order(tmp_path: Path) -> None:
    store = SQLiteSessionStore(tmp_path / "vita.db")
    per_thread, threads = 50, 8

    def write(n: int) -> None:
        for i in range(per_thread):
            store.append("shared01", [UserSaid(text=f"{n}:{i}")])
            store.append(f"own{n:05d}", [UserSaid(text=str(i))])

    workers = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    shared = [e.text for e in store.load("shared01") if isinstance(e, UserSaid)]
    assert len(shared) == per_thread * threads
    for n in range(threads):  # each writer's events appear in the order it wrote them
        mine = [int(t.split(":")[1]) for t in shared if t.startswith(f"{n}:")]
        assert mine == list(range(per_thread))
        own = [e.text for e in store.load(f"own{n:05d}") if isinstance(e, UserSaid)]
        assert own == [str(i) for i in range(per_thread)]


def _write_forever(path: str, ready: multiprocessing.synchronize.Event) -> None:  # type: ignore[name-defined]
    store = SQLiteSessionStore(Path(path))
    i = 0
    while True:
        store.append("victim01", [UserSaid(text=str(i)), UserSaid(text=str(i))])
        i += 1
        if i == 20:
            ready.set()


def test_sqlite_killed_writer_leaves_consistent_db(tmp_path: Path) -> None:
    path = tmp_path / "vita.db"
    SQLiteSessionStore(path).close()
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    proc = ctx.Process(target=_write_forever, args=(str(path), ready))
    proc.start()
    assert ready.wait(60)
    proc.kill()
    proc.join()
    store = SQLiteSessionStore(path)
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    texts = [e.text for e in store.load("victim01") if isinstance(e, UserSaid)]
    assert len(texts) >= 40 and len(texts) % 2 == 0  # appends are all-or-nothing
    assert texts[::2] == texts[1::2] == [str(i) for i in range(len(texts) // 2)]


def test_lock_serialises_one_session_but_not_others() -> None:
    store = MemorySessionStore()
    order: list[str] = []

    async def turn(session: str, name: str) -> None:
        async with store.lock(session):
            order.append(f"{name}+")
            await asyncio.sleep(0.02)
            order.append(f"{name}-")

    async def main() -> None:
        await asyncio.gather(turn("a", "a1"), turn("a", "a2"), turn("b", "b1"))

    asyncio.run(main())
    a = [o for o in order if o.startswith("a")]
    assert a in (["a1+", "a1-", "a2+", "a2-"], ["a2+", "a2-", "a1+", "a1-"])
    assert order.index("b1+") < order.index("a1-") or order.index("b1+") < order.index("a2-")


def test_open_store(tmp_path: Path) -> None:
    assert isinstance(open_store(settings_for_tests(tmp_path)), MemorySessionStore)
    assert isinstance(
        open_store(settings_for_tests(tmp_path, session_store="sqlite")), SQLiteSessionStore
    )
    with pytest.raises(SettingsError):
        open_store(settings_for_tests(tmp_path, session_store="mongodb"))
