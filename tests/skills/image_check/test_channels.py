"""The card through every door: websocket image frames, REST (multipart and chat), terminal, CLI."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageFilter
from rich.console import Console

from assistant.channels.repl import run_chat
from assistant.cli import main
from assistant.config import Settings
from assistant.server import create_app
from tests.skills.image_check.photos import encode, png_bomb, skin_photo

CARD_KEYS = {"type", "action", "classes", "heatmap_png_base64", "refusal"}


@pytest.fixture
def client(image_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(image_settings)) as c:
        yield c


def _until(ws: Any, kind: str) -> dict[str, Any]:
    for _ in range(20):
        frame: dict[str, Any] = ws.receive_json()
        if frame["type"] == kind:
            return frame
    raise AssertionError(f"no {kind} frame")


def _blurry() -> bytes:
    return encode(np.asarray(Image.fromarray(skin_photo(9)).filter(ImageFilter.GaussianBlur(8))))


def test_websocket_image_frame_gets_the_card(client: TestClient) -> None:
    data = base64.b64encode(encode(skin_photo(1))).decode()
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "hello"})
        _until(ws, "hello")
        ws.send_json({"type": "message", "text": "", "image": {"data": data, "mime": "image/jpeg"}})
        reply = _until(ws, "reply")
    assert reply["skill"] == "image_check"
    (card,) = reply["cards"]
    assert set(card) >= CARD_KEYS and card["type"] == "image_check" and card["refusal"] is None
    assert len(card["classes"]) == 3 and {"name", "probability", "code"} <= set(card["classes"][0])
    png = base64.b64decode(card["heatmap_png_base64"])
    assert Image.open(io.BytesIO(png)).format == "PNG"
    assert "not a diagnosis" in reply["text"]


def test_websocket_refusal_and_bad_image_frames(client: TestClient) -> None:
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "hello"})
        _until(ws, "hello")
        blurry = base64.b64encode(_blurry()).decode()
        ws.send_json({"type": "message", "image": {"data": blurry}})
        card = _until(ws, "reply")["cards"][0]
        assert card["classes"] == [] and "blurry" in card["refusal"]
        bomb = base64.b64encode(png_bomb(20000, 20000)).decode()
        ws.send_json({"type": "message", "image": {"data": bomb}})
        assert _until(ws, "error")["code"] == "image_too_many_pixels"
        ws.send_json({"type": "message", "text": "hi"})
        assert _until(ws, "reply")["skill"] == "smalltalk"


def test_rest_multipart_upload(client: TestClient) -> None:
    r = client.post(
        "/api/v1/image-check", files={"file": ("spot.jpg", encode(skin_photo(2)), "image/jpeg")}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["file"] == "spot.jpg" and body["refused"] is False and body["reason"] is None
    assert len(body["probabilities"]) == 7 and abs(sum(body["probabilities"].values()) - 1) < 1e-3
    assert body["top"] == max(body["probabilities"], key=body["probabilities"].get)
    assert body["card"]["type"] == "image_check" and body["card"]["heatmap_png_base64"]
    r = client.post("/api/v1/image-check?heatmap=false",
                    files={"file": ("b.jpg", _blurry(), "image/jpeg")})  # fmt: skip
    body = r.json()
    assert r.status_code == 200 and body["refused"] is True and body["reason"] == "too_blurry"
    assert body["top"] is None and body["card"]["refusal"]


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        (b"", 400, "image_empty"),
        (b"GIF89a" + b"\0" * 50, 415, "image_unsupported"),
        (b"%PDF-1.4 hello", 415, "image_unsupported"),
        (png_bomb(20000, 20000), 413, "image_too_many_pixels"),
        (b"\xff\xd8\xff\xe0" + b"\x13" * 500, 400, "image_corrupt"),
    ],
)
def test_rest_bad_uploads(client: TestClient, payload: bytes, status: int, code: str) -> None:
    r = client.post("/api/v1/image-check", files={"file": ("x.jpg", payload, "image/jpeg")})
    assert r.status_code == status and r.json()["error"]["code"] == code, r.text


def test_rest_missing_field_too_large_and_disabled(
    client: TestClient, image_settings: Settings
) -> None:
    r = client.post("/api/v1/image-check", data={"nothing": "here"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_request"
    small = image_settings.replace(max_image_bytes=1000)
    with TestClient(create_app(small)) as c:
        r = c.post("/api/v1/image-check", files={"file": ("a.jpg", encode(skin_photo(3)))})
        assert r.status_code == 413 and r.json()["error"]["code"] == "image_too_large"
    off = image_settings.replace(skills="smalltalk")
    with TestClient(create_app(off)) as c:
        r = c.post("/api/v1/image-check", files={"file": ("a.jpg", encode(skin_photo(3)))})
        assert r.status_code == 503 and r.json()["error"]["code"] == "image_check_disabled"


def test_rest_chat_with_an_image(client: TestClient) -> None:
    data = base64.b64encode(encode(skin_photo(4))).decode()
    r = client.post("/api/v1/chat", json={"text": "", "image": {"data": data}})
    assert r.status_code == 200
    assert r.json()["replies"][0]["cards"][0]["type"] == "image_check"


def test_terminal_image_command_saves_the_heat_map(
    image_settings: Settings, tmp_path: Path
) -> None:
    photo = tmp_path / "my spot.jpg"
    photo.write_bytes(encode(skin_photo(5)))
    console = Console(file=io.StringIO(), width=120, color_system=None, record=True)
    lines = iter([f'/image "{photo}"'])

    def read(prompt: str) -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    assert run_chat(image_settings, console=console, read_line=read) == 0
    out = " ".join(console.export_text().split())
    saved = sorted((image_settings.data_dir / "heatmaps").glob("heatmap-*.png"))
    assert len(saved) == 1 and Image.open(saved[0]).format == "PNG"
    assert (saved[0].stat().st_mode & 0o777) == 0o600
    assert "Heat map saved to" in out and "Asymmetry" in out and "not a diagnosis" in out
    pictures = {f for f in image_settings.data_dir.rglob("*") if f.suffix in (".jpg", ".png")}
    assert pictures == {photo, *saved}  # the photo itself is never copied anywhere


def test_cli_json_lines(lenient_checkpoint: Path, tmp_path: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    good = tmp_path / "good.jpg"
    good.write_bytes(encode(skin_photo(6)))
    blurry = tmp_path / "blurry.jpg"
    blurry.write_bytes(_blurry())
    lying = tmp_path / "text.jpg"
    lying.write_text("I am not a photo")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    args = ["image-check", "--json", "--checkpoint", str(lenient_checkpoint),
            "--data-dir", str(tmp_path)]  # fmt: skip
    code = main([*args, str(good), str(blurry), str(lying), str(empty), str(tmp_path / "no.jpg")])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1 and [r["file"] for r in rows][:2] == [str(good), str(blurry)]
    assert rows[0]["refused"] is False and len(rows[0]["probabilities"]) == 7 and rows[0]["top"]
    assert rows[1]["refused"] is True and rows[1]["reason"] == "too_blurry"
    assert rows[2]["error"]["code"] == "image_unsupported"
    assert rows[3]["error"]["code"] == "image_empty"
    assert rows[4]["error"]["code"] == "file_unreadable"
