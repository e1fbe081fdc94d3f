"""Property-based tests of the three parsers every message meets first: frames, NLU, safety.

They extend the robustness tests in ``tests/assistant`` (``test_validation.py``, ``test_nlu.py``,
``test_safety.py``), which already feed random text, random JSON and 100 KB texts made of one
repeated chunk. Here: lone surrogates sent as JSON escapes, control and format characters, 100 KB
of random Unicode, 10,000 levels of nesting, frames around the size limit, and a time bound on
every call. The documented contract of each:

* ``parse_frame`` raises only ``InputError`` with one of its six codes, and what it returns holds
  only text that UTF-8 can encode;
* ``analyse`` returns an ``NLUResult`` with scores in 0..1 and plausible entities;
* ``SafetyScreen.screen`` returns a ``Screening`` and never fails *silently*: its stages catch
  their own errors (so a conversation goes on), and the tests check that none was logged, since a
  swallowed error means a missed emergency. An emergency sentence padded with junk still escalates.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.channels.protocol import MessageFrame, parse_frame
from assistant.config import Settings
from assistant.nlu import analyse
from assistant.safety import SafetyScreen, Screening
from assistant.types import NLUResult
from assistant.validation import InputError
from index.embed import HashEmbedder

FRAME_CODES = {
    "invalid_utf8", "binary_frame", "frame_too_large", "invalid_json", "bad_frame",
    "unknown_frame_type",
}  # fmt: skip
LIMIT = 8 * 1024 * 1024  # the default max_frame_bytes
# per call: generous on a busy 2-core machine; catastrophic regex backtracking takes minutes
SECONDS = 2.0

# every code point, lone surrogates included (st.text leaves them out by default)
any_char = st.characters(codec=None, exclude_categories=())
hostile_char = st.one_of(
    any_char,
    st.characters(codec=None, categories=["Cc", "Cf", "Cs", "Zl", "Zp", "Mn"]),
    st.sampled_from(["\x00", "\u202e", "\ufeff", "\u200b", "\ud800", "\udfff", "\U0001f600"]),
)
hostile_text = st.text(alphabet=hostile_char, max_size=400)
_quick = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_slow = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))


def _big(chunk: str, size: int = 100_000) -> str:
    return (chunk * (size // max(1, len(chunk)) + 1))[:size]


def _timed(fn, *args):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn(*args)
    elapsed = time.perf_counter() - start
    assert elapsed < SECONDS, f"{fn.__name__} took {elapsed:.2f} s"
    return result


def _utf8_clean(value: object) -> None:
    """Every string in ``value`` can be encoded as UTF-8 (so it can be stored and sent back)."""
    json.dumps(value, ensure_ascii=False).encode("utf-8")


# --------------------------------------------------------------------------- websocket frames


def _parse(raw: str | bytes, limit: int = LIMIT) -> object:
    try:
        frame = _timed(parse_frame, raw, limit)
    except InputError as err:
        assert err.code in FRAME_CODES, err.code
        return err
    _utf8_clean(frame.model_dump())
    return frame


@_quick
@given(hostile_text, st.sampled_from(["message", "quick_reply", "hello"]))
def test_escaped_surrogates_and_controls_come_out_encodable(text: str, kind: str) -> None:
    field = {"message": "text", "quick_reply": "value", "hello": "locale"}[kind]
    raw = json.dumps({"type": kind, field: text})  # ensure_ascii: "\ud800" escapes
    frame = _parse(raw)
    if isinstance(frame, MessageFrame):
        assert frame.text == "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text)


@_quick
@given(st.binary(max_size=2000))
def test_any_bytes(raw: bytes) -> None:
    err = _parse(raw)
    assert isinstance(err, InputError) and err.code in {"invalid_utf8", "binary_frame"}


def _nested(kind: str, depth: int) -> str:
    if kind == "array":
        return "[" * depth + "]" * depth
    if kind == "object":
        return '{"a":' * depth + "1" + "}" * depth
    if kind == "inside a frame":
        return '{"type":"message","x":' + "[" * depth + "]" * depth + "}"
    return '{"type":"message","text":' + '{"t":' * depth + "1" + "}" * depth + "}"


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(["array", "object", "inside a frame", "as the text"]),
    st.integers(min_value=33, max_value=10_000),
)
def test_deep_nesting_is_a_clean_error(kind: str, depth: int) -> None:
    err = _parse(_nested(kind, depth))
    assert isinstance(err, InputError) and err.code in {"invalid_json", "bad_frame"}


def test_ten_thousand_levels_everywhere() -> None:
    for raw in (
        "[" * 10_000 + "]" * 10_000,
        '{"a":' * 10_000 + "null" + "}" * 10_000,
        '{"type":"hello","session_id":' + "[" * 10_000 + "]" * 10_000 + "}",
        '{"type":"message","image":{"data":' + '{"d":' * 10_000 + "0" + "}" * 10_001 + "}",
        "[" * 10_000,  # never closed
    ):
        err = _parse(raw)
        assert isinstance(err, InputError) and err.code in {"invalid_json", "bad_frame"}, raw[:40]


@_slow
@given(st.text(alphabet=hostile_char, min_size=1, max_size=50), st.integers(-2, 2))
def test_frames_around_the_size_limit(chunk: str, delta: int) -> None:
    limit = 100_000
    text = _big(chunk, 120_000)
    raw = '{"type":"message","text":' + json.dumps(text, ensure_ascii=False)[: limit - 30] + '"}'
    raw = raw + " " * max(0, limit + delta - len(raw.encode("utf-8", "surrogatepass")))
    size = len(raw.encode("utf-8", "surrogatepass"))
    result = _parse(raw, limit)
    too_large = isinstance(result, InputError) and result.code == "frame_too_large"
    assert too_large == (size > limit)


@_slow
@given(st.text(alphabet=hostile_char, min_size=1, max_size=40))
def test_100kb_message_frames_parse_quickly(chunk: str) -> None:
    frame = _parse(json.dumps({"type": "message", "text": _big(chunk)}))
    assert isinstance(frame, MessageFrame) and len(frame.text) == 100_000


# --------------------------------------------------------------------------- NLU


def _check_nlu(result: NLUResult) -> None:
    assert isinstance(result, NLUResult)
    assert all(isinstance(k, str) and 0.0 <= v <= 1.0 for k, v in result.intents.items())
    e = result.entities
    assert e.age is None or 0 < e.age < 120
    assert e.days_per_week is None or 1 <= e.days_per_week <= 7
    assert e.duration_days is None or e.duration_days >= 0
    assert e.minutes is None or e.minutes >= 0
    assert e.sex in (None, "female", "male")
    assert all(isinstance(x, str) for x in (*e.body_parts, *e.symptoms, *e.equipment))


@_quick
@given(hostile_text)
def test_nlu_on_hostile_text(text: str) -> None:
    _check_nlu(_timed(analyse, text))


@_slow
@given(st.text(alphabet=hostile_char, min_size=1, max_size=60))
def test_nlu_on_100kb(chunk: str) -> None:
    _check_nlu(_timed(analyse, _big(chunk)))


@pytest.mark.parametrize(
    "text",
    [
        _big("9" * 50 + " "),  # numbers too big for any entity
        _big("for 99999999999999999999 days "),
        _big("i am 5 years old i am 200 years old "),
        _big("\u0301"),  # one long run of combining marks
        _big("a\u200b"),
        _big("(((((((((("),
        _big("ﬀ"),  # NFKC expands it
    ],
)
def test_nlu_on_pathological_100kb(text: str) -> None:
    _check_nlu(_timed(analyse, text))


# --------------------------------------------------------------------------- safety screen


def _settings(tmp: Path) -> Settings:
    return Settings.load(env={}, toml_path=tmp / "none.toml")


@pytest.fixture(scope="module")
def screens(tmp_path_factory: pytest.TempPathFactory) -> tuple[SafetyScreen, SafetyScreen]:
    settings_ = _settings(tmp_path_factory.mktemp("safety"))
    full = SafetyScreen(settings_, HashEmbedder())  # patterns, then the semantic stage
    full.warm_up()
    return SafetyScreen(settings_), full


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _screen(screen: SafetyScreen, text: str) -> Screening:
    """Screen ``text`` in bounded time; fail if a stage failed and its error was swallowed."""
    records = _Records()
    logger = logging.getLogger("vita")
    logger.addHandler(records)
    try:
        result = _timed(screen.screen, text)
    finally:
        logger.removeHandler(records)
    assert isinstance(result, Screening)
    assert not records.messages, records.messages
    return result


@_quick
@given(hostile_text)
def test_screen_on_hostile_text(screens: tuple[SafetyScreen, SafetyScreen], text: str) -> None:
    for screen in screens:
        _screen(screen, text)


@_slow
@given(st.text(alphabet=hostile_char, min_size=1, max_size=60))
def test_full_screen_on_100kb(screens: tuple[SafetyScreen, SafetyScreen], chunk: str) -> None:
    _screen(screens[1], _big(chunk))


# junk with no Latin letters, so it cannot spell a negation or a figurative phrase
junk = st.text(
    alphabet=st.characters(
        codec=None, categories=["Cc", "Cf", "Cs", "Zs", "Nd", "Pd", "Ps", "Pe", "Sm", "Sc", "Lo"]
    ),
    max_size=300,
)


@_quick
@given(
    junk,
    junk,
    st.sampled_from(
        [
            ("I think I'm having a heart attack", "medical"),
            ("my husband is not breathing", "medical"),
            ("I want to end my life", "mental_health"),
        ]
    ),
)
def test_emergency_padded_with_junk_still_escalates(
    screens: tuple[SafetyScreen, SafetyScreen],
    before: str,
    after: str,
    emergency: tuple[str, str],
) -> None:
    phrase, kind = emergency
    for screen in screens:
        result = _screen(screen, f"{before}\n{phrase}.\n{after}")
        assert result.escalate and result.kind == kind, (before, after)
