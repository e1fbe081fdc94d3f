"""Write one benchmark's section into BENCHMARKS.md, replacing that section if it exists."""

from __future__ import annotations

import datetime as dt
import platform
import re
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
HEADER = "# Benchmarks\n\nFigures measured by `make bench`; each section says the command and the machine.\n"


def write_section(name: str, command: str, body: str) -> None:
    """Replace (or add) the ``## name`` section of BENCHMARKS.md."""
    text = BENCHMARKS.read_text(encoding="utf-8") if BENCHMARKS.exists() else HEADER
    stamp = dt.date.today().isoformat()
    machine = f"{platform.machine()}, {_cores()} cores, Python {platform.python_version()}"
    section = f"## {name}\n\nCommand: `{command}` ({stamp}; {machine})\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(name)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = (
        pattern.sub(lambda _: section + "\n", text)
        if pattern.search(text)
        else f"{text.rstrip()}\n\n{section}"
    )
    BENCHMARKS.write_text(text.rstrip() + "\n", encoding="utf-8")


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
