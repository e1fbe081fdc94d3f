"""SQLite session store under faults: many writer threads at once, and writers killed mid-write.

``test_sessions.py`` checks the basics (8 threads x 50 one-event appends, one writer killed once).
These go further: every append here is three events carrying one marker, so a torn append would
show; the checks read the ``seq`` column itself, which must run 1, 2, 3... with no gap or
duplicate in every session; and the killed writers are processes running several threads with
large events, killed with SIGKILL three times over on the same file, which must then pass
``PRAGMA integrity_check``, load, and take new writes.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

from assistant.sessions import SQLiteSessionStore
from assistant.types import UserSaid

PARTS = 3  # events per append
SESSIONS = ("shared-a01", "shared-b02", "shared-c03")


def _append(store: SQLiteSessionStore, session: str, marker: str, padding: str = "") -> None:
    store.append(session, [UserSaid(text=f"{marker}/{part}{padding}") for part in range(PARTS)])


def _check_consistent(path: Path) -> dict[str, list[str]]:
    """Integrity, contiguous seq, and whole appends; returns each session's markers in order."""
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        orphans = db.execute(
            "SELECT COUNT(*) FROM events WHERE session_id NOT IN (SELECT session_id FROM sessions)"
        ).fetchone()[0]
        assert orphans == 0
        sessions = [s for (s,) in db.execute("SELECT DISTINCT session_id FROM events")]
        for session in sessions:
            seqs = [s for (s,) in db.execute(
                "SELECT seq FROM events WHERE session_id = ? ORDER BY seq", (session,)
            )]  # fmt: skip
            assert seqs == list(range(1, len(seqs) + 1)), session  # no gap, no duplicate
    finally:
        db.close()
    store = SQLiteSessionStore(path)
    markers: dict[str, list[str]] = {}
    try:
        for session in sessions:
            texts = [e.text.split("|")[0] for e in store.load(session) if isinstance(e, UserSaid)]
            assert len(texts) % PARTS == 0, session
            groups = [texts[i : i + PARTS] for i in range(0, len(texts), PARTS)]
            for group in groups:  # the three events of one append, whole and adjacent
                marker = group[0].rsplit("/", 1)[0]
                assert group == [f"{marker}/{part}" for part in range(PARTS)], group
            markers[session] = [g[0].rsplit("/", 1)[0] for g in groups]
    finally:
        store.close()
    return markers


def test_eight_threads_two_hundred_appends_each(tmp_path: Path) -> None:
    path = tmp_path / "vita.db"
    store = SQLiteSessionStore(path)
    threads, per_thread = 8, 200
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(per_thread):
                _append(store, SESSIONS[(n + i) % len(SESSIONS)], f"w{n}:{i}")
        except BaseException as exc:  # surfaced below: a thread's failure must fail the test
            errors.append(exc)

    workers = [threading.Thread(target=write, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    store.close()
    assert errors == []
    markers = _check_consistent(path)
    everything = Counter(m for session in markers.values() for m in session)
    assert len(everything) == threads * per_thread and set(everything.values()) == {1}
    for n in range(threads):  # in each session, a thread's appends keep the order it made them
        for session in SESSIONS:
            mine = [int(m.split(":")[1]) for m in markers[session] if m.startswith(f"w{n}:")]
            assert mine == sorted(mine) and mine, (n, session)


def _writer(path: str, writer: int, ready: multiprocessing.synchronize.Event) -> None:  # type: ignore[name-defined]
    """Append forever from three threads, each with its own sequence of markers."""
    store = SQLiteSessionStore(Path(path))
    padding = "|" + "x" * 20_000  # large events: a commit takes long enough to be interrupted

    def loop(thread: int) -> None:
        i = 0
        while True:
            _append(
                store, SESSIONS[(thread + i) % len(SESSIONS)], f"p{writer}t{thread}:{i}", padding
            )
            i += 1
            if i == 10 and thread == 0:
                ready.set()

    for thread in range(1, 3):
        threading.Thread(target=loop, args=(thread,), daemon=True).start()
    loop(0)


def test_writers_killed_mid_write_leave_a_consistent_database(tmp_path: Path) -> None:
    path = tmp_path / "vita.db"
    SQLiteSessionStore(path).close()
    ctx = multiprocessing.get_context("spawn")
    for round_, delay in enumerate((0.0, 0.017, 0.043)):
        ready = ctx.Event()
        proc = ctx.Process(target=_writer, args=(str(path), round_, ready))
        proc.start()
        assert ready.wait(60), "the writer never got going"
        time.sleep(delay)
        proc.kill()  # SIGKILL: no cleanup, no rollback, possibly mid-transaction
        proc.join()
        assert proc.exitcode == -9
        markers = _check_consistent(path)
        # each writer thread's appends survive as an unbroken prefix: 0, 1, 2, ... k
        by_thread: dict[str, list[int]] = defaultdict(list)
        for session_markers in markers.values():
            for marker in session_markers:
                who, i = marker.split(":")
                by_thread[who].append(int(i))
        for who, numbers in by_thread.items():
            assert sorted(numbers) == list(range(len(numbers))), who
        assert len(by_thread[f"p{round_}t0"]) >= 10
    store = SQLiteSessionStore(path)  # and the file takes new writes afterwards
    _append(store, "after-kill-1", "after")
    assert len(store.load("after-kill-1")) == PARTS
    store.close()
    _check_consistent(path)
