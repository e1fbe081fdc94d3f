from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from assistant.channels.protocol import parse_frame
from assistant.ratelimit import TokenBucketLimiter
from assistant.testing import settings_for_tests
from assistant.validation import (
    InputError,
    check_locale,
    check_session_id,
    check_text,
    decode_image,
)


def _png(size: tuple[int, int] = (8, 8)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 120, 90)).save(buf, format="PNG")
    return buf.getvalue()


def _code(fn: object, *args: object) -> str:
    with pytest.raises(InputError) as info:
        fn(*args)  # type: ignore[operator]
    return info.value.code


def test_text(tmp_path: Path) -> None:
    s = settings_for_tests(tmp_path)
    assert check_text("  hi \x00 ", s) == "hi"
    assert _code(check_text, "   ", s) == "empty_message"
    assert _code(check_text, "x" * (s.max_message_chars + 1), s) == "message_too_long"
    assert check_text("", s, allow_empty=True) == ""


def test_session_ids_and_locales() -> None:
    assert check_session_id("a" * 32) == "a" * 32
    for bad in ("short", "../../etc/passwd", "x" * 65, "semi;colon0"):
        assert _code(check_session_id, bad) == "bad_session_id"
    assert check_locale("en_GB") == "en-GB"
    assert check_locale(None) is None and check_locale("") is None
    assert _code(check_locale, "<script>") == "bad_frame"


def test_images(tmp_path: Path) -> None:
    s = settings_for_tests(tmp_path, max_image_bytes=100_000)
    ok = decode_image(base64.b64encode(_png()).decode(), s)
    assert ok.mime == "image/png" and ok.data.startswith(b"\x89PNG")
    data_url = "data:image/png;base64," + base64.b64encode(_png()).decode()
    assert decode_image(data_url, s).mime == "image/png"
    assert _code(decode_image, "%%%not base64%%%", s) == "image_bad_base64"
    assert _code(decode_image, base64.b64encode(b"GIF89a....").decode(), s) == "image_unsupported"
    corrupt = _png()[:40] + b"\x00" * 40
    assert _code(decode_image, base64.b64encode(corrupt).decode(), s) == "image_corrupt"
    big = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200_000).decode()
    assert _code(decode_image, big, s) == "image_too_large"


def test_frames() -> None:
    assert parse_frame('{"type":"message","text":"hi"}', 1000).type == "message"
    cases = {
        b"\xff\xfe": "invalid_utf8",
        b'{"type":"message"}': "binary_frame",
        "not json": "invalid_json",
        "[1,2]": "bad_frame",
        '{"text":"no type"}': "bad_frame",
        '{"type":"dance"}': "unknown_frame_type",
        '{"type":"message","text":5}': "bad_frame",
        '{"type":"quick_reply"}': "bad_frame",
        "[" * 5000 + "]" * 5000: "invalid_json",
        '{"type":"message","x":' + "[" * 100 + "]" * 100 + "}": "bad_frame",
        '{"type":"message","text":"' + "x" * 30_000 + '"}': "frame_too_large",
    }
    for raw, code in cases.items():
        with pytest.raises(InputError) as info:
            parse_frame(raw, 20_000)
        assert info.value.code == code, raw[:40]


def test_token_bucket() -> None:
    now = [0.0]
    limiter = TokenBucketLimiter(per_minute=60, burst=3, clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")  # other keys are unaffected
    now[0] += 1.0  # one token per second comes back
    assert limiter.allow("a") and not limiter.allow("a")


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=3000),
        st.binary(max_size=3000),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=50),
            lambda inner: (
                st.lists(inner, max_size=5)
                | st.dictionaries(st.text(max_size=10), inner, max_size=5)
            ),
            max_leaves=40,
        ).map(json.dumps),
        st.fixed_dictionaries(
            {"type": st.sampled_from(["hello", "message", "quick_reply", "reset", "x"])},
            optional={
                "text": st.one_of(st.text(max_size=100), st.integers(), st.none()),
                "value": st.one_of(st.text(max_size=100), st.lists(st.integers())),
                "session_id": st.one_of(st.text(max_size=70), st.integers()),
                "image": st.one_of(
                    st.none(),
                    st.text(max_size=20),
                    st.fixed_dictionaries({"data": st.text(max_size=40)}),
                ),
            },
        ).map(json.dumps),
    )
)
def test_frame_parser_only_ever_raises_input_error(raw: str | bytes) -> None:
    try:
        frame = parse_frame(raw, 2000)
    except InputError as err:
        assert err.code in {
            "invalid_utf8", "binary_frame", "frame_too_large", "invalid_json", "bad_frame", "unknown_frame_type",
        }  # fmt: skip
    else:
        assert frame.type in {"hello", "message", "quick_reply", "reset"}
