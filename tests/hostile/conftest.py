"""Shared checks of the hostile-input tests: the one error shape, and "nothing internal leaks"."""

from __future__ import annotations

import json
import re
from typing import Any

# What a leaked stack trace or exception would show: the traceback header, a source file or a
# frame line, or a Python exception class name.
_LEAKS = re.compile(
    r"Traceback|File \"|\.py\b|/work/|site-packages|\b[A-Z][A-Za-z]*(?:Error|Exception)\b"
)


def assert_error_body(body: bytes | str, status: int | None = None) -> dict[str, str]:
    """``body`` is exactly ``{"error": {"code": str, "message": str}}``; returns the inner dict."""
    data: Any = json.loads(body)
    assert isinstance(data, dict) and set(data) == {"error"}, data
    error = data["error"]
    assert isinstance(error, dict) and set(error) == {"code", "message"}, error
    assert isinstance(error["code"], str) and re.fullmatch(r"[a-z][a-z0-9_]*", error["code"]), error
    assert isinstance(error["message"], str) and error["message"].strip(), error
    return error


def assert_no_leak(text: str, *secrets: str) -> None:
    """No stack trace, source path or exception name in ``text``, nor any of ``secrets``."""
    match = _LEAKS.search(text)
    assert match is None, f"internal detail {match.group(0)!r} reached the client: {text[:300]}"
    for secret in secrets:
        assert secret not in text, f"{secret!r} reached the client: {text[:300]}"
