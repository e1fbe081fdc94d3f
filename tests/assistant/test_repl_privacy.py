"""The terminal chat's privacy line, ``/privacy`` and ``/delete`` (erase, then a new session)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.testing import settings_for_tests
from tests.assistant.test_repl import chat, flat


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_for_tests(tmp_path, session_store="sqlite", skills="smalltalk")


def _sessions(settings: Settings) -> set[str]:
    with sqlite3.connect(settings.db_path) as db:
        return {r[0] for r in db.execute("SELECT session_id FROM sessions")}


def _texts(settings: Settings) -> str:
    with sqlite3.connect(settings.db_path) as db:
        return " ".join(r[0] for r in db.execute("SELECT payload FROM events"))


def test_start_line_and_privacy_command(settings: Settings) -> None:
    code, out = chat(settings, "/privacy")
    text = flat(out)
    assert code == 0
    assert "deleted 30 days after your last message" in text and "/delete erases it" in text
    assert "What is kept" in text and "never stored or written to disk" in text
    assert "/delete in the terminal" in text
    _, out = chat(settings.replace(session_ttl_days=0))
    assert "stored until you delete it" in flat(out)


def test_delete_erases_after_yes_only(settings: Settings) -> None:
    code, out = chat(settings, "hello, I'm Wombatina", "/delete", "no")
    assert code == 0 and "Nothing was deleted" in flat(out)
    assert "Wombatina" in _texts(settings)
    (first,) = _sessions(settings)

    code, out = chat(settings, "/delete", "yes", "hi again", session_id=first)
    text = flat(out)
    assert code == 0 and "have been deleted" in text
    assert first not in _sessions(settings) and len(_sessions(settings)) == 1
    assert "Wombatina" not in _texts(settings) and "hi again" in _texts(settings)
    (second,) = _sessions(settings)
    assert f"Conversation {second}" in text  # the chat goes on in a new session


def test_help_lists_the_privacy_commands(settings: Settings) -> None:
    _, out = chat(settings, "/help")
    assert "/privacy" in out and "/delete" in out
