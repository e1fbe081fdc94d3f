"""Logs carry a request id, never a user's words, and no e-mail address or phone number."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant import logs
from assistant.server import create_app
from assistant.skill import SkillContext
from assistant.state import DialogueState
from assistant.testing import FixedSkill, runtime_for_tests, settings_for_tests
from assistant.types import SkillReply, UserMessage

EMAIL = "jane.doe+vita@example.com"
PHONE = "+44 7700 900123"
WORDS = "ZEBRA-MARKER-91"
HOSTILE = (
    f"<script>alert(1)</script> %s %(x)s {{0}} \x1b[31m'; DROP TABLE events; -- {WORDS} "
    f"my email is {EMAIL} and my number is {PHONE}, my knee hurts"
)


def _logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every record as a handler would write it: message, exception text and the full line."""
    return [r.getMessage() + "\n" + (r.exc_text or "") for r in caplog.records] + [caplog.text]


def _assert_clean(caplog: pytest.LogCaptureFixture) -> None:
    for line in _logged(caplog):
        for secret in (WORDS, "alert(1)", EMAIL, "jane.doe", PHONE, "7700 900123"):
            assert secret not in line, line


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (f"mail {EMAIL} now", "mail [email] now"),
        (f"call {PHONE} or (555) 123-4567 or 555.123.4567", "call [phone] or [phone] or [phone]"),
        ("bare 07700900123", "bare [phone]"),
        ("/api/v1/sessions/3f2a9c1e3f2a9c1e3f2a9c1e3f2a9c1e", "/api/v1/sessions/3f2a9c1e…"),
        # numbers that are not phone numbers stay
        ("took 12.5 ms at 1732370000.123 from 127.0.0.1:8000", None),
        ("on 2024-01-05, 384 dims, 5242880 bytes, v1.2.3, score 0.45", None),
    ],
)
def test_redact(raw: str, clean: str | None) -> None:
    assert logs.redact(raw) == (raw if clean is None else clean)


def test_records_are_redacted_in_message_args_and_exception(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logs.install()
    log = logging.getLogger("vita.test")
    with caplog.at_level(logging.INFO):
        log.info("user %s, dict %r", EMAIL, {"phone": PHONE})
        log.info("mapping %(who)s", {"who": EMAIL})
        try:
            raise ValueError(f"could not parse {EMAIL} / {PHONE}")
        except ValueError:
            log.exception("failed for %d items", 3)
    text = "\n".join(_logged(caplog))
    assert "user [email], dict {'phone': '[phone]'}" in text and "mapping [email]" in text
    assert "failed for 3 items" in text and "ValueError: could not parse [email] / [phone]" in text
    assert EMAIL not in text and PHONE not in text


class _Exploding(FixedSkill):
    """Fails with the user's e-mail address in its exception, as careless code might."""

    def run(self, msg: UserMessage, state: DialogueState, ctx: SkillContext) -> SkillReply:
        raise RuntimeError(f"cannot handle {EMAIL} {PHONE}")


def test_a_chat_logs_request_ids_and_no_message_text(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for_tests(tmp_path, rate_limit_burst=1000)
    skills = [
        FixedSkill("knee", text="noted", trigger="knee"),
        _Exploding("boom", trigger="explode"),
    ]
    runtime = runtime_for_tests(settings, skills)
    caplog.set_level(logging.INFO)
    with TestClient(create_app(settings, runtime)) as client:
        runtime.ready.wait(10)
        caplog.clear()
        r = client.post("/api/v1/chat", json={"text": HOSTILE}, headers={"X-Request-ID": "req-1"})
        assert r.status_code == 200 and r.headers["x-request-id"] == "req-1"
        sid = r.json()["session_id"]
        r = client.post(
            "/api/v1/chat",
            json={"session_id": sid, "text": f"explode {WORDS} {EMAIL} {PHONE}"},
            headers={"X-Request-ID": "req-2"},
        )
        assert r.json()["replies"][0]["skill"] == "boom"  # answered with an apology
        r = client.post(
            "/api/v1/chat", json={"session_id": sid, "text": f"I can't breathe {EMAIL}"}
        )
        assert r.json()["replies"][0]["skill"] == "safety"
        generated = r.headers["x-request-id"]
        with client.websocket_connect("/ws", headers={"X-Request-ID": "ws-1"}) as ws:
            assert (b"x-request-id", b"ws-1") in (ws.extra_headers or [])
            ws.send_json({"type": "hello", "session_id": sid})
            ws.receive_json()
            ws.send_json({"type": "message", "text": HOSTILE})
            while ws.receive_json()["type"] != "reply":
                pass
        bad = client.get("/healthz", headers={"X-Request-ID": "no spaces or <tags> please"})
        assert bad.headers["x-request-id"] != "no spaces or <tags> please"
        assert len(bad.headers["x-request-id"]) == 16

    _assert_clean(caplog)
    by_id: dict[str, list[str]] = {}
    for record in caplog.records:
        by_id.setdefault(record.request_id, []).append(record.getMessage())  # type: ignore[attr-defined]
    # every request's own records carry its id: the access line and the turn line
    assert any("POST /api/v1/chat 200" in m for m in by_id["req-1"])
    assert any("answered by knee" in m for m in by_id["req-1"])
    assert any("skill boom failed" in m for m in by_id["req-2"])
    assert any("answered by safety" in m for m in by_id[generated])
    assert any("escalated" in m for m in by_id[generated])
    assert any("websocket opened" in m for m in by_id["ws-1"])
    assert any("answered by knee" in m for m in by_id["ws-1"])
    assert any("websocket closed" in m for m in by_id["ws-1"])
    # the failed skill's traceback was logged, with the address taken out
    failed = next(r for r in caplog.records if "skill boom failed" in r.getMessage())
    assert failed.exc_text and "RuntimeError: cannot handle [email] [phone]" in failed.exc_text
    # the access log names the route template, never the session id in the path
    assert sid not in caplog.text and sid[:8] in caplog.text
