"""Photos are never written to disk: websocket, REST chat and a multipart upload over 1 MB.

The real image-check skill (over the tiny test checkpoint) runs with the SQLite session store
while every way Python creates or writes a file is watched (``open``/``io.open`` in a writing mode,
``os.open`` with a writing flag: ``tempfile`` and ``SpooledTemporaryFile`` go through it, even for
unnamed ``O_TMPFILE`` files), and the temporary folder is a private one. Afterwards no file was
written, and the session database holds no picture: neither the photo nor the heat map drawn
over it (the reply the client got had the heat map; the stored one does not).
"""

from __future__ import annotations

import asyncio
import base64
import builtins
import io
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.datastructures import Headers
from starlette.formparsers import MultiPartParser

from assistant.config import Settings
from assistant.server import create_app
from tests.skills.image_check.photos import encode, skin_photo

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
PICTURE_MARKS = (b"\x89PNG", b"\xff\xd8\xff", b"iVBORw0KGgo", b"/9j/")  # raw and base64 magic


@pytest.fixture
def watch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[tuple[list[str], Path]]:
    """Record every file write from now on (the list) and use a private temporary folder."""
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    writes: list[str] = []
    real_open, real_os_open = builtins.open, os.open

    def spy_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if any(c in mode for c in "wax+"):
            writes.append(f"open({file!r}, {mode!r})")
        return real_open(file, mode, *args, **kwargs)

    def spy_os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if flags & _WRITE_FLAGS:
            writes.append(f"os.open({path!r}, {flags:#o})")
        return real_os_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(io, "open", spy_open)
    monkeypatch.setattr(os, "open", spy_os_open)
    yield writes, private_tmp


def _multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = "vita-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: image/png\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def _starlette_spools_to_disk(body: bytes, content_type: str) -> None:
    """Starlette's own parser, as FastAPI's ``UploadFile`` uses it, on the same upload."""

    async def stream() -> AsyncIterator[bytes]:
        for i in range(0, len(body), 65536):
            yield body[i : i + 65536]

    async def parse() -> None:
        form = await MultiPartParser(Headers({"content-type": content_type}), stream()).parse()
        await form.close()

    asyncio.run(parse())


def test_no_photo_reaches_the_disk(image_settings: Settings, watch: tuple[list[str], Path]) -> None:
    writes, private_tmp = watch
    settings = image_settings.replace(session_store="sqlite")
    small = base64.b64encode(encode(skin_photo(11))).decode()
    big = encode(skin_photo(12, size=(1200, 900)), "PNG")
    assert len(big) > 1024 * 1024  # past the 1 MB at which Starlette's spool goes to disk
    body, content_type = _multipart("big.png", big)

    # the watch can fail: Starlette's default parser writes this very upload to a temporary file
    _starlette_spools_to_disk(body, content_type)
    assert writes, "the spy should have seen the spool roll over to disk"
    writes.clear()

    with TestClient(create_app(settings)) as client:
        assert client.app.state.runtime.ready.wait(60)  # type: ignore[attr-defined]
        writes.clear()  # from here on nothing may be written
        with client.websocket_connect("/ws") as ws:
            ws.send_json({"type": "hello"})
            sid = ws.receive_json()["session_id"]
            ws.send_json({"type": "message", "text": "", "image": {"data": small}})
            while (frame := ws.receive_json())["type"] != "reply":
                pass
        assert frame["cards"][0]["heatmap_png_base64"]  # the client gets the heat map
        r = client.post(
            "/api/v1/chat", json={"session_id": sid, "text": "", "image": {"data": small}}
        )
        assert r.json()["replies"][0]["cards"][0]["type"] == "image_check"
        r = client.post("/api/v1/image-check", content=body, headers={"content-type": content_type})
        assert r.status_code == 200 and r.json()["file"] == "big.png", r.text
        stored = client.get(f"/api/v1/sessions/{sid}").json()

    assert writes == []
    assert list(private_tmp.iterdir()) == []
    files = sorted(p.name for p in settings.data_dir.rglob("*") if p.is_file())
    assert set(files) <= {"vita.db", "vita.db-wal", "vita.db-shm"}, files
    for name in files:
        data = (settings.data_dir / name).read_bytes()
        assert not [m for m in PICTURE_MARKS if m in data], name
    cards = [e["reply"]["cards"][0] for e in stored["events"] if e["type"] == "BotSaid"]
    assert len(cards) == 2 and all(c["heatmap_png_base64"] is None for c in cards)
    assert all(c["type"] == "image_check" and c["action"] for c in cards)
