"""Logging that is safe to keep: a request id on every record, personal details redacted.

* **Request id.** :data:`request_id` is a context variable that the server's middleware sets for
  every HTTP request and websocket connection (``assistant/channels/observe.py``). It follows the
  request into worker threads (``asyncio.to_thread`` copies the context), and every log record
  gets it as ``record.request_id`` (``-`` outside a request), so one request's records can be
  found together.
* **Redaction.** :func:`install` replaces the log-record factory once per process, so *every*
  record, from Vita, uvicorn or any library, and whichever handler writes it, is cleaned as it
  is made: e-mail addresses become ``[email]``, phone numbers ``[phone]``, and session ids (the
  128-bit secrets that open a conversation) are cut to their first 8 characters. The message, its
  arguments and the exception text are all cleaned; arguments keep their shape, so formatters
  that read ``record.args`` (uvicorn's access log) still work.
* **No message text.** Vita's own log calls never include what a user wrote, except at ``debug``
  level (the safety screen's semantic hits). Redaction is the second line of defence, for text
  that reaches a log by accident, e.g. inside an exception message.

:func:`configure` is what ``vita serve`` (and each worker) uses: one stderr handler with the
request id in the format, at ``settings.log_level``.
"""

from __future__ import annotations

import contextvars
import logging
import re
import secrets
import sys
from collections.abc import Callable, Mapping
from typing import Any

from assistant.config import Settings

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("vita_request_id", default="-")
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")
# a run of digits with the separators phone numbers use; judged by _phone below
_PHONE = re.compile(r"(?<![\w.])\+?\(?\d[\d ()./-]{5,}\d(?![\w]|\.\d)")
_DECIMAL = re.compile(r"\d+\.\d+")
_DATE_OR_IP = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,3}(?:\.\d{1,3}){3}")
_SESSION_ID = re.compile(r"\b([0-9a-f]{8})[0-9a-f]{24}\b")


def new_request_id() -> str:
    return secrets.token_hex(8)


def accept_request_id(given: str | None) -> str:
    """The client's ``X-Request-ID`` if it is a short, plain token, else a fresh one."""
    if given and _SAFE_ID.match(given):
        return given
    return new_request_id()


def _phone(match: re.Match[str]) -> str:
    text = match.group()
    digits = sum(c.isdigit() for c in text)
    separated = text.startswith("+") or any(not c.isdigit() for c in text)
    enough = 7 <= digits <= 15 if separated else 9 <= digits <= 15
    if not enough or _DECIMAL.fullmatch(text) or _DATE_OR_IP.fullmatch(text):
        return text
    return "[phone]"


def redact(text: str) -> str:
    """``text`` with e-mail addresses, phone numbers and full session ids taken out."""
    text = _EMAIL.sub("[email]", text)
    text = _PHONE.sub(_phone, text)
    return _SESSION_ID.sub(r"\1…", text)


class _Redacted:
    """An argument whose ``str`` and ``repr`` were cleaned (it still formats with ``%s``/``%r``)."""

    __slots__ = ("_repr", "_str")

    def __init__(self, text: str, representation: str) -> None:
        self._str, self._repr = text, representation

    def __str__(self) -> str:
        return self._str

    def __repr__(self) -> str:
        return self._repr


def _clean_arg(value: Any) -> Any:
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    if isinstance(value, str):
        return redact(value)
    text, representation = str(value), repr(value)
    clean_text, clean_repr = redact(text), redact(representation)
    if clean_text == text and clean_repr == representation:
        return value
    return _Redacted(clean_text, clean_repr)


def clean_record(record: logging.LogRecord) -> logging.LogRecord:
    """Redact a record in place (message, arguments, exception and stack text)."""
    if isinstance(record.msg, str):
        record.msg = redact(record.msg)
    elif record.msg is not None and not isinstance(record.msg, (int, float)):
        record.msg = redact(str(record.msg))
    if isinstance(record.args, Mapping):
        record.args = {k: _clean_arg(v) for k, v in record.args.items()}
    elif isinstance(record.args, tuple):
        record.args = tuple(_clean_arg(a) for a in record.args)
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


_installed: list[Callable[..., logging.LogRecord]] = []


def install() -> None:
    """Make every log record carry the request id and be redacted (idempotent, process-wide)."""
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = request_id.get()
        return clean_record(record)

    logging.setLogRecordFactory(factory)
    _installed.append(factory)


def configure(settings: Settings) -> None:
    """Log to stderr at ``settings.log_level`` with request ids (for ``vita serve``; idempotent)."""
    install()
    root = logging.getLogger()
    root.setLevel(settings.log_level.upper())
    if any(getattr(h, "vita", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.vita = True  # type: ignore[attr-defined]
    root.addHandler(handler)


def debug_enabled(logger: logging.Logger) -> bool:
    """Whether message text may be logged (only with debug logging on)."""
    return logger.isEnabledFor(logging.DEBUG)


__all__ = [
    "FORMAT",
    "accept_request_id",
    "clean_record",
    "configure",
    "install",
    "new_request_id",
    "redact",
    "request_id",
]
