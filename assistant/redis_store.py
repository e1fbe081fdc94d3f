"""The Redis session store (``VITA_SESSION_STORE=redis://HOST:PORT/DB``), for several workers.

Every worker on every machine shares one Redis, so any worker can take the next message of any
conversation. Per session (the ``{id}`` hash tag keeps a session's keys in one cluster slot):

* ``vita:{id}:meta`` — a hash with ``created``, ``updated`` and the id of the last append;
* ``vita:{id}:events`` — a list of JSON events, oldest first (the same JSON as SQLite's rows);
* ``vita:{id}:lock`` — the turn lock: ``SET NX PX`` with a random token, renewed while held and
  released only by its owner, so one session's turns run one at a time across all workers.

An append is one Lua script (all events or none), and a retried append is recognised by its id
and not applied twice. Every append refreshes a TTL of ``session_ttl_days`` on the session's
keys, so Redis itself deletes a conversation left alone that long (the hourly ``purge_expired``
finds nothing left to do). A Redis that cannot be reached turns into :class:`StoreUnavailable`, which every
channel answers as ``store_unavailable`` (503); the client reconnects by itself afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any, cast

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from assistant.config import Settings
from assistant.sessions import LocalLocks
from assistant.types import Event, event_from_dict, new_id
from assistant.validation import InputError

log = logging.getLogger("vita.redis")

LOCK_TTL_S = 10.0  # a lock whose holder died frees itself after this long
LOCK_POLL_S = (0.005, 0.1)  # first and longest wait between tries to take a busy lock

# Errors meaning "Redis cannot serve right now" (down, restarting, loading, failing over, full);
# anything else from Redis is a bug and is left to the ordinary 500 handler.
_OUTAGE: tuple[type[Exception], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.ReadOnlyError,
    redis.exceptions.OutOfMemoryError,
    redis.exceptions.ClusterDownError,
    redis.exceptions.TryAgainError,
)

_APPEND = """
if redis.call('HGET', KEYS[1], 'last_append') == ARGV[1] then return 0 end
redis.call('HSETNX', KEYS[1], 'created', ARGV[2])
redis.call('HSET', KEYS[1], 'updated', ARGV[2], 'last_append', ARGV[1])
for i = 4, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
local ttl = tonumber(ARGV[3])
if ttl > 0 then
  redis.call('EXPIRE', KEYS[1], ttl)
  redis.call('EXPIRE', KEYS[2], ttl)
end
return 1
"""
_PURGE = """
local updated = tonumber(redis.call('HGET', KEYS[1], 'updated'))
if updated ~= nil and updated < tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 1
end
return 0
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class StoreUnavailable(InputError):
    """The shared store cannot be reached; the user is asked to try again shortly (HTTP 503)."""

    def __init__(self) -> None:
        super().__init__("store_unavailable", status=503)


@contextlib.contextmanager
def unavailable_on_outage() -> Iterator[None]:
    """Turn a Redis outage into :class:`StoreUnavailable` (logged once per failed call)."""
    try:
        yield
    except _OUTAGE as exc:
        log.warning("redis unavailable: %s: %s", type(exc).__name__, exc)
        raise StoreUnavailable() from exc


def connect(url: str, *, timeout_s: float = 1.0, retries: int = 2) -> redis.Redis:
    """A client for ``url`` with short timeouts and a quick retry, so an outage fails fast.

    The connection pool is thread-safe and reconnects on its own once Redis is back; idle
    connections are checked before use, so a restarted Redis never leaves a dead one behind.
    """
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        socket_connect_timeout=timeout_s,
        socket_timeout=3 * timeout_s,
        health_check_interval=5,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), retries=retries),
    )


def _keys(session_id: str) -> tuple[str, str, str]:
    base = f"vita:{{{session_id}}}"
    return f"{base}:meta", f"{base}:events", f"{base}:lock"


class RedisSessionStore:
    """The :class:`~assistant.sessions.SessionStore` protocol on Redis (see the module docstring).

    Storage methods are synchronous, like SQLite's (the manager calls them in worker threads);
    ``lock`` is async and never blocks the event loop while it waits.
    """

    def __init__(
        self,
        client: redis.Redis,
        ttl_s: int = 30 * 86400,
        lock_ttl_s: float = LOCK_TTL_S,
        lock_wait_s: float = 60.0,
    ) -> None:
        """``ttl_s``: a session's keys expire this long after its last message (0: never);
        ``lock_wait_s``: how long a turn waits for a busy session before giving up (503)."""
        self.client = client
        self.ttl_s = max(0, ttl_s)
        self.lock_ttl_ms = int(lock_ttl_s * 1000)
        self.lock_wait_s = lock_wait_s
        self._append = client.register_script(_APPEND)
        self._purge = client.register_script(_PURGE)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)
        self._local = LocalLocks()

    @classmethod
    def from_settings(cls, settings: Settings) -> RedisSessionStore:
        return cls(
            connect(settings.session_store),
            ttl_s=settings.session_ttl_days * 86400,
            # a turn may run a skill for skill_timeout_s; a waiter gives up well after that
            lock_wait_s=settings.skill_timeout_s + 3 * LOCK_TTL_S,
        )

    # ------------------------------------------------------------------ storage

    def create(self, session_id: str) -> None:
        meta, _, _ = _keys(session_id)
        now = repr(time.time())
        with unavailable_on_outage():
            pipe = self.client.pipeline(transaction=True)
            pipe.hsetnx(meta, "created", now)
            pipe.hsetnx(meta, "updated", now)
            if self.ttl_s:
                pipe.expire(meta, self.ttl_s)
            pipe.execute()

    def exists(self, session_id: str) -> bool:
        with unavailable_on_outage():
            return bool(self.client.exists(_keys(session_id)[0]))

    def load(self, session_id: str) -> list[Event]:
        with unavailable_on_outage():
            rows = cast("list[str]", self.client.lrange(_keys(session_id)[1], 0, -1))
        return [event_from_dict(json.loads(row)) for row in rows]

    def append(self, session_id: str, events: Sequence[Event]) -> None:
        if not events:
            return
        meta, log_key, _ = _keys(session_id)
        rows = [json.dumps(e.to_dict()) for e in events]
        # the append id makes a retry after a lost reply harmless: the script skips a repeat
        args: list[Any] = [new_id(), repr(time.time()), self.ttl_s, *rows]
        with unavailable_on_outage():
            self._append(keys=[meta, log_key], args=args)

    def delete(self, session_id: str) -> bool:
        meta, log_key, _ = _keys(session_id)
        with unavailable_on_outage():
            return int(self.client.delete(meta, log_key)) > 0

    def purge_expired(self, older_than: float) -> int:
        """Delete the sessions last updated before ``older_than`` (Unix time); how many.

        Redis already drops a session's keys when their TTL (``session_ttl_days``) runs out, so
        the hourly purge finds nothing; this matters for an explicit, earlier cut-off. It walks
        the sessions with ``SCAN`` and checks and deletes each one in a script, so a session
        that gets a message meanwhile is kept.
        """
        purged = 0
        with unavailable_on_outage():
            for meta in self.client.scan_iter(match="vita:{*}:meta", count=500):
                log_key = meta.removesuffix(":meta") + ":events"
                purged += int(self._purge(keys=[meta, log_key], args=[repr(older_than)]))
        return purged

    def ping(self) -> bool:
        """True when Redis answers (used by ``/readyz``)."""
        try:
            return bool(self.client.ping())
        except (redis.exceptions.RedisError, OSError):
            return False

    def close(self) -> None:
        self.client.close()

    # ------------------------------------------------------------------ the turn lock

    @contextlib.asynccontextmanager
    async def lock(self, session_id: str) -> AsyncIterator[None]:
        """Hold the session's lock in Redis (and a local one, so one waiter per process polls)."""
        key = _keys(session_id)[2]
        async with self._local(session_id):
            token = await self._acquire(key)
            keeper = asyncio.create_task(self._keep(key, token))
            try:
                yield
            finally:
                keeper.cancel()
                try:
                    await asyncio.to_thread(self._release, keys=[key], args=[token])
                except redis.exceptions.RedisError as exc:  # it expires by itself
                    log.warning("could not release %s: %s", key, exc)

    async def _acquire(self, key: str) -> str:
        token = secrets.token_hex(16)
        deadline = time.monotonic() + self.lock_wait_s
        wait = LOCK_POLL_S[0]
        while True:
            with unavailable_on_outage():
                taken = await asyncio.to_thread(
                    self.client.set, key, token, nx=True, px=self.lock_ttl_ms
                )
            if taken:
                return token
            if time.monotonic() >= deadline:
                log.warning("gave up waiting %.0f s for %s", self.lock_wait_s, key)
                raise StoreUnavailable()
            await asyncio.sleep(wait * (0.5 + secrets.randbelow(1000) / 1000))
            wait = min(wait * 2, LOCK_POLL_S[1])

    async def _keep(self, key: str, token: str) -> None:
        """Renew the lock while the turn runs, so a slow skill never loses it to another worker."""
        while True:
            await asyncio.sleep(self.lock_ttl_ms / 3000)
            try:
                renewed = await asyncio.to_thread(
                    self._renew, keys=[key], args=[token, self.lock_ttl_ms]
                )
            except redis.exceptions.RedisError as exc:
                log.warning("could not renew %s: %s", key, exc)
                continue
            if not renewed:
                log.warning("lost %s while a turn was running", key)
                return


__all__ = ["RedisSessionStore", "StoreUnavailable", "connect", "unavailable_on_outage"]
