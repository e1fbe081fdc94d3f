"""Malicious pictures through ``POST /api/v1/image-check`` and the websocket's image frames.

``tests/skills/image_check`` already covers an empty file, a GIF, a PDF, a 20000 x 20000 PNG bomb
and a damaged JPEG header, one by one. Here every hostile file goes through both doors, built at
run time (nothing binary is committed): truncated JPEG and PNG, a PNG header declaring
50000 x 50000, a 12 KB PNG that declares 39.7 million pixels, a 16 MB-inflating zTXt chunk, files
whose name or declared type lies, and polyglots (a PNG with a ZIP or HTML appended, a JPEG whose
comment is a script). Each gets a clean error with a clear code, or, if it really is a picture,
is judged as the picture it decodes to without the rest of the file ever coming back.

Memory: the peak resident memory of this process during each upload is measured (Linux
``/proc/self/clear_refs`` resets the peak, glibc's ``malloc_trim`` first returns freed memory so
that "before" is honest) and must stay under ``PEAK_MB`` for the largest pictures the limits let
through: a 16-megapixel WebP (the dearest to decode), a 16-megapixel RGBA PNG and a 40-megapixel
progressive JPEG, besides every hostile file.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import functools
import gc
import io
import json
import re
import resource
import struct
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from assistant.server import create_app
from assistant.testing import settings_for_tests
from tests.hostile.conftest import assert_error_body

PEAK_MB = 300
PAYLOADS = (b"<script>", b"alert(", b"PK\x03\x04", b"<html>")


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png(width: int, height: int, bit_depth: int, colour: int, row: bytes) -> bytes:
    """A valid PNG of identical rows, compressed hard: a tiny file for a huge picture."""
    deflate = zlib.compressobj(9)
    data = b"".join(deflate.compress(row * 100) for _ in range(height // 100))
    data += deflate.compress(row * (height % 100)) + deflate.flush()
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )


def one_bit_bomb(width: int, height: int) -> bytes:
    return _png(width, height, 1, 0, b"\x00" + b"\xff" * ((width + 7) // 8))


def rgba_bomb(width: int, height: int) -> bytes:
    return _png(width, height, 8, 6, b"\x00" + b"\xc8\x96\x8c\xff" * width)


def header_only(width: int, height: int) -> bytes:
    """An IHDR declaring ``width`` x ``height`` and almost no data."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\0" * 64)) + _chunk(b"IEND", b"")
    )  # fmt: skip


def photo(fmt: str = "JPEG", size: tuple[int, int] = (600, 450), **params: Any) -> bytes:
    rng = np.random.default_rng(7)
    w, h = size
    pixels = np.array([225, 170, 160]) + rng.normal(0, 9, (h, w, 3))
    buffer = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(buffer, fmt, **params)
    return buffer.getvalue()


def flat(fmt: str, size: tuple[int, int], **params: Any) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 150, 140)).save(buffer, fmt, **params)
    return buffer.getvalue()


def ztxt_bomb() -> bytes:
    """A small PNG whose zTXt comment inflates to 200 MB."""
    png = photo("PNG", (64, 64))
    text = _chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"\0" * 200_000_000, 9))
    return png[:-12] + text + png[-12:]  # before IEND


def jpeg_with_script_comment() -> bytes:
    jpeg = photo()
    comment = b"<html><script>alert('polyglot')</script></html>"
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + jpeg[2:]


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    filename: str
    content_type: str
    code: str | None  # None: a real picture, judged
    # the header is intact, so the chat accepts it; it fails to decode in the skill, whose reply
    # then refuses it as unreadable (REST answers the decoder's error instead)
    refused_in_chat: bool = False


@functools.cache
def hostile_cases() -> tuple[Case, ...]:
    jpeg, png = photo(), photo("PNG")
    gif = io.BytesIO()
    Image.new("RGB", (40, 40)).save(gif, "GIF")
    return (
        Case("truncated JPEG", jpeg[: len(jpeg) * 6 // 10], "a.jpg", "image/jpeg", "image_corrupt",
             refused_in_chat=True),
        Case("truncated PNG", png[: len(png) * 6 // 10], "a.png", "image/png", "image_corrupt"),
        Case("header says 50000x50000", header_only(50_000, 50_000), "a.png", "image/png",
             "image_too_many_pixels"),
        Case("20000x20000 PNG bomb", one_bit_bomb(20_000, 20_000), "a.png", "image/png",
             "image_too_many_pixels"),
        Case("39.7 MP PNG bomb", one_bit_bomb(6300, 6300), "a.png", "image/png",
             "image_too_many_pixels"),
        Case("zTXt bomb", ztxt_bomb(), "a.png", "image/png", "image_corrupt",
             refused_in_chat=True),
        Case("GIF named .png", gif.getvalue(), "a.png", "image/png", "image_unsupported"),
        Case("text named .png", b"just text\n" * 20, "a.png", "image/png", "image_unsupported"),
        Case("HTML named .jpg", b"<html><script>alert(1)</script></html>", "a.jpg", "image/jpeg",
             "image_unsupported"),
        Case("SVG with script", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)'
             b"</script></svg>", "a.svg", "image/svg+xml", "image_unsupported"),
        Case("WebP header only", b"RIFF\x24\0\0\0WEBPVP8 " + b"\0" * 20, "a.webp", "image/webp",
             "image_corrupt"),
        Case("PNG sent as JPEG", png, "a.jpg", "image/jpeg", None),
        Case("JPEG named .exe", jpeg, "a.exe", "application/octet-stream", None),
        Case("PNG + ZIP", png + b"PK\x03\x04" + b"\0" * 26 + b"<script>alert(1)</script>",
             "a.png", "image/png", None),
        Case("PNG + HTML", png + b"<html><script>alert('polyglot')</script></html>", "a.png",
             "image/png", None),
        Case("JPEG/HTML polyglot", jpeg_with_script_comment(), "a.jpg", "image/jpeg", None),
    )  # fmt: skip


@functools.cache
def largest_allowed() -> tuple[Case, ...]:
    """The dearest pictures the limits let through, by format."""
    return (
        Case("16 MP WebP", flat("WEBP", (4000, 4000), quality=10), "a.webp", "image/webp", None),
        Case("16 MP RGBA PNG", rgba_bomb(4000, 4000), "a.png", "image/png", None),
        Case("40 MP progressive JPEG", flat("JPEG", (6300, 6300), quality=30, progressive=True),
             "a.jpg", "image/jpeg", None),
        Case("40 MP WebP", flat("WEBP", (6300, 6300), quality=10), "a.webp", "image/webp",
             "image_too_many_pixels"),
        Case("40 MP RGBA PNG", rgba_bomb(6300, 6300), "a.png", "image/png",
             "image_too_many_pixels"),
    )  # fmt: skip


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = settings_for_tests(
        tmp_path_factory.mktemp("images"), skills="smalltalk,image_check", rate_limit_burst=1000
    )  # the committed image-check checkpoint
    with TestClient(create_app(settings)) as c:
        deadline = time.monotonic() + 120
        while c.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        yield c


def _upload(client: TestClient, case: Case, *, heatmap: bool = True) -> Any:
    return client.post(
        f"/api/v1/image-check?heatmap={str(heatmap).lower()}",
        files={"file": (case.filename, case.data, case.content_type)},
    )


def _check_answer(case: Case, status: int, body: bytes) -> None:
    if case.code is None:
        assert status == 200, (case.name, body[:200])
        answer = json.loads(body)
        assert isinstance(answer["refused"], bool) and answer["card"]["type"] == "image_check"
        heatmap = base64.b64decode(answer["card"]["heatmap_png_base64"] or "")
        assert not any(p in heatmap for p in PAYLOADS), case.name  # a new picture, not the file
    else:
        expected = {"image_corrupt": 400, "image_too_many_pixels": 413, "image_unsupported": 415}
        assert status == expected[case.code], (case.name, status, body[:200])
        assert assert_error_body(body)["code"] == case.code, case.name
    for payload in PAYLOADS:
        assert payload not in body, (case.name, payload)  # nothing of the file comes back


@pytest.mark.parametrize("case", hostile_cases(), ids=lambda c: c.name)
def test_rest_upload(client: TestClient, case: Case) -> None:
    answer: list[Any] = []
    peak = _peak_growth_mb(lambda: answer.append(_upload(client, case)))
    _check_answer(case, answer[0].status_code, answer[0].content)
    # refused from the header or small: a few MB at most; nothing here is a big picture
    assert peak < 50, f"{case.name}: {peak} MB"


@pytest.mark.parametrize("case", largest_allowed(), ids=lambda c: c.name)
def test_largest_pictures_the_limits_allow_stay_in_memory_bounds(
    client: TestClient, case: Case
) -> None:
    answer: list[Any] = []
    peak = _peak_growth_mb(lambda: answer.append(_upload(client, case, heatmap=True)))
    _check_answer(case, answer[0].status_code, answer[0].content)
    print(f"\n{case.name}: peak memory growth {peak} MB")
    assert peak < PEAK_MB, f"{case.name}: {peak} MB"


def test_websocket_image_frames(client: TestClient) -> None:
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "hello"})
        session_id = ws.receive_json()["session_id"]
        for case in hostile_cases():
            data = base64.b64encode(case.data).decode()
            ws.send_json({"type": "message", "image": {"data": data, "mime": case.content_type}})
            frame = _next(ws)
            if case.code is None or case.refused_in_chat:
                assert frame["type"] == "reply" and frame["skill"] == "image_check", case.name
                card = frame["cards"][0]
                assert card["type"] == "image_check"
                unreadable = "couldn't open" in frame["text"]  # refused as "unreadable"
                assert unreadable == case.refused_in_chat, (case.name, frame["text"])
            else:
                assert frame["type"] == "error" and frame["code"] == case.code, (case.name, frame)
            encoded = json.dumps(frame).encode()
            assert not any(p in encoded for p in PAYLOADS), case.name
        ws.send_json({"type": "message", "text": "hello"})
        assert _next(ws)["skill"] == "smalltalk"  # the connection lived through all of it
    export = client.get(f"/api/v1/sessions/{session_id}").content
    assert not any(p in export for p in PAYLOADS)  # and nothing of the files was stored


def _next(ws: Any) -> dict[str, Any]:
    while True:
        frame: dict[str, Any] = ws.receive_json()
        if frame["type"] != "typing":
            return frame


# --------------------------------------------------------------------------- memory


def _status_mb(key: str) -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        match = re.search(rf"^{key}:\s+(\d+) kB", f.read(), re.M)
    assert match, key
    return int(match.group(1)) // 1024


def _peak_growth_mb(call: Any) -> int:
    """Peak RSS during ``call()`` minus RSS before it, in MB."""
    gc.collect()
    # return freed memory to the system first, so "before" is what is really in use (glibc; with
    # another libc "before" may include freed memory, and the growth reads low)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")  # resets VmHWM, the peak resident set size
    except OSError:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        call()
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024 - before
    before = _status_mb("VmRSS")
    call()
    return _status_mb("VmHWM") - before
