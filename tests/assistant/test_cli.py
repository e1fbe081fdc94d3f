"""The `vita` command: --version, --help everywhere, ask (text and JSON), configuration errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import __version__
from assistant.cli import build_parser, main


@pytest.fixture
def fast_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run `vita` in ``tmp_path`` with settings that load no model."""
    monkeypatch.setenv("VITA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("VITA_SAFETY_SEMANTIC", "false")
    monkeypatch.setenv("VITA_EMBEDDER", "hash")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"vita {__version__}"


@pytest.mark.parametrize("command", [[], ["serve"], ["chat"], ["ask"]])
def test_help_everywhere(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: vita") and "--help" in out


def test_serve_flags_parse() -> None:
    args = build_parser().parse_args(
        ["serve", "--host", "127.0.0.1", "--port", "9001", "--workers", "2", "--data-dir", "x"]
    )
    assert (args.port, args.workers, str(args.data_dir)) == (9001, 2, "x")


def test_ask_json(fast_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "I think I'm having a heart attack", "--locale", "en-GB", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    card = data["replies"][0]["cards"][0]
    assert card["type"] == "emergency" and card["number"] == "999"


def test_ask_renders_text(fast_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "hello"]) == 0
    assert "Vita" in capsys.readouterr().out
    assert main(["ask", "   "]) == 2
    assert "empty" in capsys.readouterr().err


def test_configuration_errors_are_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VITA_PORT", "not-a-port")
    monkeypatch.chdir(tmp_path)
    assert main(["ask", "hi"]) == 2
    assert "VITA_PORT" in capsys.readouterr().err


def test_console_script_is_installed(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "vita"
    result = subprocess.run(
        [str(exe), "--version"], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert result.returncode == 0 and result.stdout.strip() == f"vita {__version__}"
