"""Session stores: where a conversation's events live between turns.

Three implementations of one :class:`SessionStore` protocol:

* :class:`SQLiteSessionStore` — the default; one file in the data directory, survives restarts.
  WAL mode, one connection per thread, each append in one ``BEGIN IMMEDIATE`` transaction, so
  concurrent writers from several threads are safe and a killed process leaves a consistent file.
* :class:`MemorySessionStore` — for tests and one-off commands (``vita ask``).
* :class:`~assistant.redis_store.RedisSessionStore` (``redis://HOST:PORT/DB``) — for several
  workers and machines: events, turn locks (across processes) and rate limits in one Redis.

Storage methods are synchronous (the manager calls them in a worker thread); ``lock`` is an async
context manager that serialises the turns of one session inside this process (with Redis, across
every process sharing it).

Expiry (privacy): a session whose last append is older than ``session_ttl_days`` is expired.
``exists`` answers False for it at once, so every channel treats it as unknown (REST 404, a new
session on the websocket and in the terminal); ``purge_expired`` deletes its rows, which the
server does at start and every hour (:mod:`assistant.retention`) and ``vita sessions purge`` does
on demand. ``load`` and ``delete`` ignore expiry, so a purge or an erase always finds the rows.
SQLite runs with ``secure_delete`` and empties its WAL after an erase or a purge, so deleted
conversations are overwritten in the files, not just unlinked from the tables.
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

    def purge_expired(self, older_than: float) -> int:
        """Delete every session last updated before ``older_than`` (Unix time) with its events.

        Returns how many sessions were deleted. Cheap when nothing is due (an indexed query).
        """

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
    """Events kept as JSON-ready dicts in a dict; lost when the process ends.

    ``ttl_s`` (seconds; None or 0 = never) makes a session untouched that long unknown to ``exists``.
    """

    def __init__(self, ttl_s: float | None = None) -> None:
        self._events: dict[str, list[dict[str, object]]] = {}
        self._updated: dict[str, float] = {}
        self._ttl_s = ttl_s or None
        self._mutex = threading.Lock()
        self.lock = LocalLocks()

    def create(self, session_id: str) -> None:
        with self._mutex:
            self._events.setdefault(session_id, [])
            self._updated.setdefault(session_id, time.time())

    def exists(self, session_id: str) -> bool:
        updated = self._updated.get(session_id)
        if updated is None:
            return False
        return self._ttl_s is None or updated >= time.time() - self._ttl_s

    def load(self, session_id: str) -> list[Event]:
        with self._mutex:
            rows = list(self._events.get(session_id, ()))
        return [event_from_dict(r) for r in rows]

    def append(self, session_id: str, events: Sequence[Event]) -> None:
        rows = [e.to_dict() for e in events]
        with self._mutex:
            self._events.setdefault(session_id, []).extend(rows)
            self._updated[session_id] = time.time()

    def delete(self, session_id: str) -> bool:
        with self._mutex:
            self._updated.pop(session_id, None)
            return self._events.pop(session_id, None) is not None

    def purge_expired(self, older_than: float) -> int:
        with self._mutex:
            due = [sid for sid, updated in self._updated.items() if updated < older_than]
            for sid in due:
                del self._updated[sid]
                self._events.pop(sid, None)
        return len(due)

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
CREATE INDEX IF NOT EXISTS sessions_updated ON sessions(updated);
"""


class SQLiteSessionStore:
    """Events in a SQLite file (``<data_dir>/vita.db``); ``ttl_s`` as for the memory store."""

    def __init__(self, path: Path, ttl_s: float | None = None) -> None:
        self.path = path
        self._ttl_s = ttl_s or None
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
            conn.execute("PRAGMA secure_delete=ON")  # erased conversations are overwritten
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
        since = time.time() - self._ttl_s if self._ttl_s is not None else float("-inf")
        row = (
            self._conn()
            .execute(
                "SELECT 1 FROM sessions WHERE session_id = ? AND updated >= ?", (session_id, since)
            )
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
        self._scrub_wal(conn)
        return cur.rowcount > 0

    @staticmethod
    def _scrub_wal(conn: sqlite3.Connection) -> None:
        """Copy the WAL into the database and empty it, so no old copy of erased rows stays in
        the ``-wal`` file (best effort: a busy database keeps it until its next checkpoint)."""
        with contextlib.suppress(sqlite3.Error):
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def purge_expired(self, older_than: float) -> int:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "DELETE FROM events WHERE session_id IN "
                "(SELECT session_id FROM sessions WHERE updated < ?)",
                (older_than,),
            )
            cur = conn.execute("DELETE FROM sessions WHERE updated < ?", (older_than,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        if cur.rowcount:
            self._scrub_wal(conn)
        return cur.rowcount

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
    ttl_s = settings.session_ttl_days * 86400.0 if settings.session_ttl_days > 0 else None
    if kind == "memory":
        return MemorySessionStore(ttl_s)
    if kind == "sqlite":
        return SQLiteSessionStore(settings.db_path, ttl_s)
    if kind.startswith(("redis://", "rediss://", "unix://")):
        from assistant.redis_store import RedisSessionStore  # redis loads only when used

        return RedisSessionStore.from_settings(settings)
    raise SettingsError(f"unknown session_store {kind!r}: use 'sqlite', 'memory' or redis://...")
