"""Session stores: where a conversation's events live between turns.

Three implementations of one :class:`SessionStore` protocol:

* :class:`SQLiteSessionStore` — the default; one file in the data directory, survives restarts.
  WAL mode, one connection per thread, each append in one ``BEGIN IMMEDIATE`` transaction, so
  concurrent writers from several threads are safe and a killed process leaves a consistent file.
* :class:`MemorySessionStore` — for tests and one-off commands (``vita ask``).
* Redis (``redis://...``) — for several workers; arrives with the scale-out issue.

Storage methods are synchronous (the manager calls them in a worker thread); ``lock`` is an async
context manager that serialises the turns of one session inside this process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import threading
import time
import weakref
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Protocol

from assistant.config import Settings, SettingsError
from assistant.types import Event, event_from_dict


class SessionStore(Protocol):
    """Append-only event log per session."""

    def create(self, session_id: str) -> None:
        """Register a new, empty session (idempotent)."""

    def exists(self, session_id: str) -> bool: ...

    def load(self, session_id: str) -> list[Event]:
        """All events of a session, oldest first; empty for an unknown session."""

    def append(self, session_id: str, events: Sequence[Event]) -> None:
        """Append events atomically (all or none), creating the session if needed."""

    def delete(self, session_id: str) -> bool:
        """Erase a session and all its events. True if it existed."""

    def lock(self, session_id: str) -> AbstractAsyncContextManager[None]:
        """Hold while handling one turn, so turns of one session never interleave."""

    def close(self) -> None: ...


class LocalLocks:
    """One ``asyncio.Lock`` per session id, forgotten once nobody holds or waits on it."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    @contextlib.asynccontextmanager
    async def __call__(self, session_id: str) -> AsyncIterator[None]:
        lock = self._locks.get(session_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[session_id] = lock
        async with lock:
            yield


class MemorySessionStore:
    """Events kept as JSON-ready dicts in a dict; lost when the process ends."""

    def __init__(self) -> None:
        self._events: dict[str, list[dict[str, object]]] = {}
        self._mutex = threading.Lock()
        self.lock = LocalLocks()

    def create(self, session_id: str) -> None:
        with self._mutex:
            self._events.setdefault(session_id, [])

    def exists(self, session_id: str) -> bool:
        return session_id in self._events

    def load(self, session_id: str) -> list[Event]:
        with self._mutex:
            rows = list(self._events.get(session_id, ()))
        return [event_from_dict(r) for r in rows]

    def append(self, session_id: str, events: Sequence[Event]) -> None:
        rows = [e.to_dict() for e in events]
        with self._mutex:
            self._events.setdefault(session_id, []).extend(rows)

    def delete(self, session_id: str) -> bool:
        with self._mutex:
            return self._events.pop(session_id, None) is not None

    def close(self) -> None:
        pass


_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    session_id TEXT NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
);
"""


class SQLiteSessionStore:
    """Events in a SQLite file (``<data_dir>/vita.db``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_mutex = threading.Lock()
        self.lock = LocalLocks()
        conn = self._conn()
        conn.executescript(_SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
            with self._all_mutex:
                self._all.append(conn)
        return conn

    def create(self, session_id: str) -> None:
        now = time.time()
        self._conn().execute(
            "INSERT OR IGNORE INTO sessions (session_id, created, updated) VALUES (?, ?, ?)",
            (session_id, now, now),
        )

    def exists(self, session_id: str) -> bool:
        row = (
            self._conn()
            .execute("SELECT 1 FROM sessions WHERE session_id = ?", (session_id,))
            .fetchone()
        )
        return row is not None

    def load(self, session_id: str) -> list[Event]:
        rows = (
            self._conn()
            .execute("SELECT payload FROM events WHERE session_id = ? ORDER BY seq", (session_id,))
            .fetchall()
        )
        return [event_from_dict(json.loads(payload)) for (payload,) in rows]

    def append(self, session_id: str, events: Sequence[Event]) -> None:
        if not events:
            return
        conn = self._conn()
        now = time.time()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "INSERT INTO sessions (session_id, created, updated) VALUES (?, ?, ?) "
                "ON CONFLICT(session_id) DO UPDATE SET updated = excluded.updated",
                (session_id, now, now),
            )
            (last,) = conn.execute(
                "SELECT COALESCE(MAX(seq), 0) FROM events WHERE session_id = ?", (session_id,)
            ).fetchone()
            conn.executemany(
                "INSERT INTO events (session_id, seq, type, payload) VALUES (?, ?, ?, ?)",
                [
                    (session_id, last + i + 1, type(e).__name__, json.dumps(e.to_dict()))
                    for i, e in enumerate(events)
                ],
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def delete(self, session_id: str) -> bool:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("DELETE FROM events WHERE session_id = ?", (session_id,))
            cur = conn.execute("DELETE FROM sessions WHERE session_id = ?", (session_id,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return cur.rowcount > 0

    def close(self) -> None:
        with self._all_mutex:
            for conn in self._all:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._all.clear()
        self._local = threading.local()


def open_store(settings: Settings) -> SessionStore:
    """The store named by ``settings.session_store``."""
    kind = settings.session_store
    if kind == "memory":
        return MemorySessionStore()
    if kind == "sqlite":
        return SQLiteSessionStore(settings.db_path)
    if kind.startswith("redis://"):
        raise SettingsError(
            "VITA_SESSION_STORE=redis:// is not available in this version; use 'sqlite' or 'memory'"
        )
    raise SettingsError(f"unknown session_store {kind!r}: use 'sqlite', 'memory' or redis://...")
