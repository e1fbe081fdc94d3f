"""Per-key rate limiting (a token bucket), used by the channels for each session and client.

``rate_limit_burst`` messages may arrive at once; after that one more is allowed every
``60 / rate_limit_per_minute`` seconds. The in-process limiter suits one worker; with several
workers the limit moves to Redis (scale-out issue) behind the same ``RateLimiter`` protocol.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from assistant.config import Settings


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
