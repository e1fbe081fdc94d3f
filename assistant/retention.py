"""Data retention: expired sessions are deleted, with every skill's data about them.

A session whose last message is older than ``session_ttl_days`` (default 30; 0 keeps sessions
forever) is expired: the stores already treat it as unknown (see :mod:`assistant.sessions`), and
:func:`purge` deletes it and what skills keep about it (:class:`~assistant.skill.SessionData`).

Decisions:
    * The server purges once at start and then every :data:`PURGE_INTERVAL_S` seconds, in a
      background task whose work runs in a thread, so the event loop never waits on it. With
      several workers each one purges; the deletes are idempotent, so that is harmless.
    * ``vita sessions purge`` does the same on demand (``--older-than-days`` to go further than the
      setting, e.g. before handing a machine over).
    * The Redis store lets Redis expire the keys itself (a TTL on every append), so its purge has
      little to do; skills' own data still needs this purge.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant.config import Settings
from assistant.prompts import Prompts
from assistant.sessions import SessionStore
from assistant.skill import SessionData, Skill

if TYPE_CHECKING:
    from assistant.cli import Commands
    from assistant.runtime import Runtime

log = logging.getLogger("vita.retention")
PURGE_INTERVAL_S = 3600.0
DAY_S = 86400.0


@dataclass(frozen=True)
class PurgeReport:
    """What one purge deleted: sessions, and records per skill that keeps data of its own."""

    cutoff: float
    sessions: int = 0
    skills: dict[str, int] = field(default_factory=dict)


def privacy_notice(prompts: Prompts, settings: Settings) -> tuple[str, list[str]]:
    """The privacy notice (``prompts/privacy.yaml``): its title and paragraphs, for any channel."""
    days = settings.session_ttl_days
    return prompts.render("privacy.title"), prompts.render_all("privacy.notice", days=days)


def cutoff(ttl_days: float, now: float | None = None) -> float | None:
    """The Unix time before which a session is expired; None when sessions never expire."""
    if ttl_days <= 0:
        return None
    return (time.time() if now is None else now) - ttl_days * DAY_S


def purge(store: SessionStore, skills: Sequence[Skill], older_than: float) -> PurgeReport:
    """Delete sessions idle since before ``older_than`` and skills' data about them (blocking)."""
    sessions = store.purge_expired(older_than)
    per_skill = {
        getattr(s, "name", type(s).__name__): s.purge_expired(older_than)
        for s in skills
        if isinstance(s, SessionData)
    }
    return PurgeReport(cutoff=older_than, sessions=sessions, skills=per_skill)


def purge_runtime(runtime: Runtime, now: float | None = None) -> PurgeReport | None:
    """One purge of a running Vita by its settings (blocking); None when nothing expires."""
    limit = cutoff(runtime.settings.session_ttl_days, now)
    if limit is None:
        return None
    manager = runtime.manager
    report = purge(manager.store, manager.skills, limit)
    manager.metrics.purged.inc(report.sessions)
    if report.sessions or any(report.skills.values()):
        log.info("purged %d expired sessions; skill records: %s", report.sessions, report.skills)
    return report


async def purge_periodically(runtime: Runtime, interval_s: float = PURGE_INTERVAL_S) -> None:
    """Purge now and then every ``interval_s`` seconds until cancelled; failures are logged."""
    while True:
        try:
            await asyncio.to_thread(purge_runtime, runtime)
        except Exception:  # a failed purge must not stop the server; the next one tries again
            log.exception("purging expired sessions failed")
        await asyncio.sleep(interval_s)


@contextlib.asynccontextmanager
async def purging(
    runtime: Runtime, interval_s: float = PURGE_INTERVAL_S
) -> AsyncIterator[asyncio.Task[None]]:
    """Run :func:`purge_periodically` for as long as the block lasts (the server's lifespan)."""
    task = asyncio.create_task(purge_periodically(runtime, interval_s), name="vita-purge")
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


# ---------------------------------------------------------------------- vita sessions ...


def register(commands: Commands) -> None:
    """``vita sessions purge [--older-than-days N]``."""
    parser = commands.add(
        "sessions",
        help="manage stored conversations: purge the expired ones",
        description=(
            "purge: delete every conversation whose last message is older than "
            "session_ttl_days (or --older-than-days), with every skill's data about it. "
            "The server also does this at start and every hour."
        ),
    )
    parser.add_argument("action", choices=["purge"], help="what to do")
    parser.add_argument(
        "--older-than-days",
        type=float,
        help="purge conversations idle this long instead of session_ttl_days",
    )
    parser.set_defaults(handler=_purge_command)


def _purge_command(args: argparse.Namespace) -> int:
    from assistant.cli import settings_from_args
    from assistant.registry import load_skills
    from assistant.sessions import open_store

    settings: Settings = settings_from_args(args)
    days = args.older_than_days if args.older_than_days is not None else settings.session_ttl_days
    limit = cutoff(days)
    if limit is None:
        print("session_ttl_days is 0: conversations never expire, so there is nothing to purge.")
        return 0
    store = open_store(settings)
    try:
        report = purge(store, load_skills(settings), limit)
    finally:
        store.close()
    extra = ", ".join(f"{name}: {n}" for name, n in report.skills.items())
    print(
        f"Deleted {report.sessions} conversation(s) idle for more than {days:g} days"
        + (f"; skill records deleted ({extra})." if extra else ".")
    )
    return 0
