"""Per-key rate limiting (a token bucket), used by the channels for each session and client.

``rate_limit_burst`` messages may arrive at once; after that one more is allowed every
``60 / rate_limit_per_minute`` seconds. The in-process limiter suits one worker; when sessions
live in Redis, :func:`open_limiter` picks :class:`RedisRateLimiter`, whose buckets are shared by
every worker on every machine.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from assistant.config import Settings

if TYPE_CHECKING:
    import redis


class RateLimiter(Protocol):
    def allow(self, key: str) -> bool:
        """Take one token for ``key``; False when the key is over its limit."""


class TokenBucketLimiter:
    """In-memory token buckets; idle buckets are dropped so memory stays bounded."""

    def __init__(
        self, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(max(1, burst))
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._mutex = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenBucketLimiter:
        return cls(settings.rate_limit_per_minute, settings.rate_limit_burst)

    def allow(self, key: str) -> bool:
        now = self._clock()
        with self._mutex:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            allowed = tokens >= 1.0
            self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
            if len(self._buckets) > 100_000:
                self._evict(now)
            return allowed

    def _evict(self, now: float) -> None:
        full_after = self.burst / self.rate if self.rate else float("inf")
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full_after}


# One token bucket per key in a Redis hash, updated atomically on Redis's clock (TIME), so every
# worker sees the same tokens; an idle bucket expires once it would be full again anyway.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens, ts = tonumber(b[1]), tonumber(b[2])
if tokens == nil or ts == nil then tokens, ts = burst, now end
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local allowed = 0
if tokens >= 1 then tokens, allowed = tokens - 1, 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
local ttl = 3600
if rate > 0 then ttl = math.ceil(burst / rate) + 1 end
redis.call('EXPIRE', KEYS[1], ttl)
return allowed
"""


class RedisRateLimiter:
    """The token bucket of :class:`TokenBucketLimiter`, kept in Redis and taken by a Lua script.

    ``allow`` is called on the event loop, so its client should have short timeouts (see
    :func:`open_limiter`). When Redis cannot be reached it raises ``StoreUnavailable`` (503), and
    for a second after a failure it does so without trying again, so an outage where connecting
    hangs stalls the loop for one short timeout a second at most.
    """

    def __init__(self, client: redis.Redis, per_minute: int, burst: int) -> None:
        from assistant.redis_store import StoreUnavailable, unavailable_on_outage

        self._client = client
        self.rate = per_minute / 60.0
        self.burst = max(1, burst)
        self._take = client.register_script(_TAKE)
        self._guard = unavailable_on_outage
        self._unavailable = StoreUnavailable
        self._retry_at = 0.0

    def ping(self) -> bool:
        """False while Redis is unreachable or ``allow`` is still refusing after a failure."""
        from redis.exceptions import RedisError

        if time.monotonic() < self._retry_at:
            return False
        try:
            return bool(self._client.ping())
        except (RedisError, OSError):
            return False

    def allow(self, key: str) -> bool:
        if time.monotonic() < self._retry_at:
            raise self._unavailable()
        try:
            with self._guard():
                return bool(self._take(keys=[f"vita:rate:{key}"], args=[self.rate, self.burst]))
        except self._unavailable:
            self._retry_at = time.monotonic() + 1.0
            raise


def open_limiter(settings: Settings) -> RateLimiter:
    """In-process buckets, or buckets in Redis when the sessions are there."""
    if "://" not in settings.session_store:  # "sqlite" or "memory": one process
        return TokenBucketLimiter.from_settings(settings)
    from assistant.redis_store import connect

    # its own connections, with a short timeout and one retry: it runs on the event loop
    client = connect(settings.session_store, timeout_s=0.25, retries=1)
    return RedisRateLimiter(client, settings.rate_limit_per_minute, settings.rate_limit_burst)
