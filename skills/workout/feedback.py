"""The cross-user feedback table that ``vita train workout`` learns from.

Each row is (user, exercise id, value, time). In the chat the user is the session id, so feedback
is tied to a conversation, not to a person's name; erasing a conversation does not need to touch
this table because the session id alone identifies no one.

Decisions:
    * A small SQLite file of its own (``<data_dir>/workout/feedback.sqlite3``) rather than a table in
      the session store, so the session store stays skill-agnostic and Redis deployments still
      have somewhere local to keep it (each worker appends; training reads them all).
    * Values outside :data:`~skills.workout.cf.FEEDBACK_VALUES` are refused, so the model never
      learns from junk.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from skills.workout.cf import FEEDBACK_VALUES

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    user TEXT NOT NULL,
    exercise TEXT NOT NULL,
    value TEXT NOT NULL,
    ts REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_user ON feedback(user);
"""


class FeedbackStore:
    """Append-only feedback rows in SQLite (thread-safe)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False)
        with self._lock, self._db:
            self._db.executescript(_SCHEMA)

    def add(self, user: str, pairs: Iterable[tuple[str, str]]) -> int:
        """Store ``(exercise id, value)`` pairs for ``user``; returns how many were stored."""
        now = time.time()
        rows = [(user[:64], e[:80], v, now) for e, v in pairs if v in FEEDBACK_VALUES]
        with self._lock, self._db:
            self._db.executemany("INSERT INTO feedback VALUES (?, ?, ?, ?)", rows)
        return len(rows)

    def by_user(self) -> dict[str, list[tuple[str, str]]]:
        """Every user's feedback, oldest first."""
        with self._lock:
            cursor = self._db.execute("SELECT user, exercise, value FROM feedback ORDER BY rowid")
            out: dict[str, list[tuple[str, str]]] = {}
            for user, exercise, value in cursor:
                out.setdefault(user, []).append((exercise, value))
        return out

    def count(self) -> int:
        with self._lock:
            (n,) = self._db.execute("SELECT COUNT(*) FROM feedback").fetchone()
        return int(n)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def as_lists(by_user: dict[str, list[tuple[str, str]]]) -> Sequence[Sequence[tuple[str, str]]]:
    return list(by_user.values())
