"""Prometheus metrics: what ``GET /metrics`` shows (see README, "Observability").

One :class:`Metrics` per running Vita (the manager owns it; channels reach it through the
runtime), each with its own registry, so tests can build many apps in one process.

Decisions:
    * Label values come from small fixed sets, never from user input: the route *template*
      (``/api/v1/sessions/{session_id}``, not the path), the HTTP method, the status code, skill
      names, safety categories and error codes. Anything unexpected is counted as ``other``, so a
      client cannot grow the number of time series.
    * Several worker processes (``vita serve --workers N``) use prometheus_client's multiprocess
      mode: ``PROMETHEUS_MULTIPROC_DIR`` names a folder where every worker keeps its numbers and
      any worker's ``/metrics`` adds them all up. ``vita serve`` sets it to a fresh temporary
      folder when it starts several workers and the variable is not set. The open-websockets
      gauge counts live workers only (``livesum``); a worker stopped normally is marked dead.
"""

from __future__ import annotations

import os
import re

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import multiprocess as _multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
TURN_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_LABEL = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _bounded(value: str | None) -> str:
    """A label value from a fixed vocabulary (lower-case identifiers), else ``other``."""
    return value if value is not None and _LABEL.match(value) else "other"


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


class Metrics:
    """The counters, histograms and gauges of one Vita process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "vita_http_requests",
            "HTTP requests answered, by method, route template and status code.",
            ("method", "route", "status"),
            registry=r,
        )
        self.replies = Counter(
            "vita_replies", "Replies sent, by the skill that answered.", ("skill",), registry=r
        )
        self.turn_seconds = Histogram(
            "vita_turn_duration_seconds",
            "Time to answer one message (lock, safety screen, skill, storage), by skill.",
            ("skill",),
            buckets=TURN_BUCKETS,
            registry=r,
        )
        self.escalations = Counter(
            "vita_safety_escalations",
            "Messages the safety screen escalated, by kind and category.",
            ("kind", "category"),
            registry=r,
        )
        self.errors = Counter(
            "vita_errors",
            "Errors answered to clients (REST and websocket) and failed skills, by code.",
            ("code",),
            registry=r,
        )
        self.websockets = Gauge(
            "vita_websocket_connections",
            "Websocket connections open now.",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.purged = Counter(
            "vita_sessions_purged",
            "Sessions deleted because they expired (session_ttl_days).",
            registry=r,
        )

    # ------------------------------------------------------------------ recording

    def request(self, method: str, route: str, status: int) -> None:
        verb = method.upper() if method.upper() in METHODS else "OTHER"
        self.requests.labels(verb, route, str(status)).inc()

    def turn(self, skill: str, seconds: float) -> None:
        name = _bounded(skill)
        self.replies.labels(name).inc()
        self.turn_seconds.labels(name).observe(seconds)

    def escalation(self, kind: str | None, category: str | None) -> None:
        self.escalations.labels(_bounded(kind), _bounded(category)).inc()

    def error(self, code: str) -> None:
        self.errors.labels(_bounded(code)).inc()

    # ------------------------------------------------------------------ exposition

    def render(self) -> tuple[bytes, str]:
        """The text exposition format and its content type (all workers in multiprocess mode)."""
        folder = multiprocess_dir()
        if folder is None:
            return generate_latest(self.registry), CONTENT_TYPE_LATEST
        combined = CollectorRegistry()
        _multiprocess.MultiProcessCollector(combined, path=folder)  # type: ignore[no-untyped-call]
        return generate_latest(combined), CONTENT_TYPE_LATEST


def worker_stopped() -> None:
    """Tell multiprocess mode that this process is gone, so its live gauges stop counting."""
    folder = multiprocess_dir()
    if folder is not None:
        _multiprocess.mark_process_dead(os.getpid(), path=folder)  # type: ignore[no-untyped-call]


__all__ = ["MULTIPROC_ENV", "Metrics", "multiprocess_dir", "worker_stopped"]
