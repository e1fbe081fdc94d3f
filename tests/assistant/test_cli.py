"""The `vita` command: --version, --help everywhere, ask (text and JSON), configuration errors."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

from assistant import __version__, cli
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


def _all_commands(parser: argparse.ArgumentParser, prefix: list[str]) -> list[list[str]]:
    """Every sub-command path of ``parser`` (``[["serve"], ["eval", "retrieval"], ...]``)."""
    found: list[list[str]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append([*prefix, name])
                found.extend(_all_commands(sub, [*prefix, name]))
    return found


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    commands = _all_commands(build_parser(), [])
    assert ["serve"] in commands and ["ask"] in commands
    for command in commands:
        with pytest.raises(SystemExit) as exit_info:
            main([*command, "--help"])
        assert exit_info.value.code == 0, command
        assert capsys.readouterr().out.startswith("usage: vita"), command


def test_packages_add_commands_and_groups(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    plugin = types.ModuleType("fake_vita_plugin")

    def register(commands: cli.Commands) -> None:
        hello = commands.add("hello", help="say hello")
        hello.add_argument("name")
        hello.set_defaults(handler=lambda args: print(f"hi {args.name}") or 0)
        scored = commands.add_eval("widgets", help="score the widgets")
        scored.set_defaults(handler=lambda args: 3)

    plugin.register = register  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_vita_plugin", plugin)
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("fake_vita_plugin",))
    assert main(["hello", "Ada"]) == 0
    assert capsys.readouterr().out == "hi Ada\n"
    assert main(["eval", "widgets"]) == 3
    assert main(["eval"]) == 2  # a bare group prints its help
    assert "widgets" in capsys.readouterr().out
