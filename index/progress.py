"""Progress reporting for long index work: a rich bar in a terminal, log lines in a server.

``build`` reports stages (``reading``, ``embedding``, ``indexing``) through the :class:`Progress`
protocol, so the same code shows a bar under ``vita index build`` and writes a few lines
("vita.index: build: embedding 1,200/2,400 (50%, 40 s)") to the log when ``vita serve`` builds at warm-up.
"""

from __future__ import annotations

import logging
import time
from types import TracebackType
from typing import Any, Protocol


class Progress(Protocol):
    """Receives the stages of a build and how far each has got."""

    def stage(self, name: str, total: int | None = None) -> None: ...

    def advance(self, amount: int = 1) -> None: ...


class NullProgress:
    """Reports nothing (tests, library use)."""

    def stage(self, name: str, total: int | None = None) -> None:
        return None

    def advance(self, amount: int = 1) -> None:
        return None


class LogProgress:
    """Logs each stage and every ``step`` (a fraction) of its progress, at INFO."""

    def __init__(self, logger: logging.Logger, step: float = 0.25) -> None:
        self._log = logger
        self._step = step
        self._name = ""
        self._total: int | None = None
        self._done = 0
        self._next = 0.0
        self._start = time.perf_counter()

    def stage(self, name: str, total: int | None = None) -> None:
        self._name, self._total, self._done, self._next = name, total, 0, self._step
        self._start = time.perf_counter()
        suffix = f" ({total:,})" if total is not None else ""
        self._log.info("build: %s%s", name, suffix)

    def advance(self, amount: int = 1) -> None:
        self._done += amount
        if not self._total:
            return
        fraction = self._done / self._total
        if fraction >= self._next:
            self._next = (int(fraction / self._step) + 1) * self._step
            self._log.info(
                "build: %s %s/%s (%.0f%%, %.0f s)",
                self._name,
                f"{self._done:,}",
                f"{self._total:,}",
                100 * fraction,
                time.perf_counter() - self._start,
            )


class RichProgress:
    """A rich progress bar on stderr, one task per stage; use as a context manager."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as Bar

        self._bar = Bar(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        )
        self._task: Any = None
        self._started = False

    def __enter__(self) -> RichProgress:
        return self  # the bar starts with the first stage: an up-to-date index prints nothing

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._started:
            self._bar.stop()

    def stage(self, name: str, total: int | None = None) -> None:
        if not self._started:
            self._bar.start()
            self._started = True
        if self._task is not None:
            task = self._bar.tasks[-1]
            self._bar.update(self._task, completed=task.total or task.completed)
        self._task = self._bar.add_task(name, total=total)

    def advance(self, amount: int = 1) -> None:
        if self._task is not None:
            self._bar.advance(self._task, amount)
