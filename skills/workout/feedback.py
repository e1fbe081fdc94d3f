"""The cross-user feedback table that ``vita train workout`` learns from.

Each row is (user, exercise id, value, time). In the chat the user is the session id, so feedback
is tied to a conversation, not to a person's name. Still, it is the person's data: erasing a
conversation deletes its rows, its export includes them, and the rows of a user whose latest
feedback is older than ``session_ttl_days`` are purged with the expired sessions
(:meth:`FeedbackStore.for_user`, :meth:`~FeedbackStore.delete_user`,
:meth:`~FeedbackStore.purge_older`, reached through the skill's ``SessionData`` methods).

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
        self._db.execute("PRAGMA secure_delete=ON")  # erased rows are overwritten in the file
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

    def for_user(self, user: str) -> list[dict[str, object]]:
        """One user's rows, oldest first, as JSON-ready dicts (for a session's export)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT exercise, value, ts FROM feedback WHERE user = ? ORDER BY rowid",
                (user[:64],),
            ).fetchall()
        return [{"exercise": e, "value": v, "ts": ts} for e, v, ts in rows]

    def delete_user(self, user: str) -> int:
        """Delete one user's rows; how many went."""
        with self._lock, self._db:
            cur = self._db.execute("DELETE FROM feedback WHERE user = ?", (user[:64],))
        return cur.rowcount

    def purge_older(self, older_than: float) -> int:
        """Delete the rows of every user whose latest feedback is older than ``older_than``."""
        with self._lock, self._db:
            cur = self._db.execute(
                "DELETE FROM feedback WHERE user IN "
                "(SELECT user FROM feedback GROUP BY user HAVING MAX(ts) < ?)",
                (older_than,),
            )
        return cur.rowcount

    def count(self) -> int:
        with self._lock:
            (n,) = self._db.execute("SELECT COUNT(*) FROM feedback").fetchone()
        return int(n)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def as_lists(by_user: dict[str, list[tuple[str, str]]]) -> Sequence[Sequence[tuple[str, str]]]:
    return list(by_user.values())
