"""The ``vita`` command.

The engine's own sub-commands are ``serve`` (web chat, websocket and REST), ``chat`` (terminal)
and ``ask`` (one turn, printed or as JSON). Packages contribute more (``index``, ``plan``,
``triage``, ``image-check``, and groups under ``train`` and ``eval``) through
:data:`COMMAND_MODULES`: each such module defines ``register(commands: Commands) -> None`` and
imports its heavy dependencies inside its handlers, so ``vita --help`` stays fast. Flags override
``vita.toml`` and ``VITA_*`` (see :mod:`assistant.config`).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from assistant import __version__
from assistant.config import Settings, SettingsError

# Modules that add sub-commands, in the order they appear in ``vita --help``.
COMMAND_MODULES: tuple[str, ...] = (
    "assistant.retention",
    "index.cli",
    "skills.triage.cli",
    "skills.image_check.cli",
    "skills.workout.cli",
)

Handler = Callable[[argparse.Namespace], int]


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", type=Path, help="where sessions and indexes live (default ./var)"
    )
    parser.add_argument("--config", type=Path, help="a vita.toml to read (default ./vita.toml)")
    parser.add_argument("--locale", help="e.g. en-GB: picks emergency numbers (default en-US)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vita",
        description="Vita, a health and fitness assistant. Not a doctor: in an emergency call your local emergency number.",
    )
    parser.add_argument("--version", action="version", version=f"vita {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser("serve", help="serve the web chat, websocket and REST API")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 8000)")
    serve.add_argument("--workers", type=int, help="worker processes (default 1)")
    serve.add_argument(
        "--log-level", choices=["debug", "info", "warning", "error"], help="log level"
    )
    _common(serve)

    chat = sub.add_parser("chat", help="chat in this terminal")
    chat.add_argument("--session", help="resume a session by id")
    _common(chat)

    ask = sub.add_parser("ask", help="ask one question and print the answer")
    ask.add_argument("text", help="what to say to Vita")
    ask.add_argument("--json", action="store_true", help="print the replies as JSON")
    ask.add_argument(
        "--session", help="continue a stored session by id (default: a one-off session)"
    )
    _common(ask)
    commands = Commands(sub)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(commands)
    return parser


class Commands:
    """What a package sees when it adds sub-commands: top-level ones and ``train``/``eval`` groups.

    Each method returns a parser that already has ``--data-dir``, ``--config`` and ``--locale``;
    the caller adds its own arguments and ``parser.set_defaults(handler=fn)`` with
    ``fn(args) -> exit status``.
    """

    def __init__(self, sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        self._sub = sub
        self._groups: dict[str, argparse._SubParsersAction[argparse.ArgumentParser]] = {}

    def add(self, name: str, help: str, description: str | None = None) -> argparse.ArgumentParser:
        parser = self._sub.add_parser(name, help=help, description=description or help)
        _common(parser)
        return parser

    def add_train(self, name: str, help: str) -> argparse.ArgumentParser:
        """``vita train NAME``."""
        return self._grouped(
            "train", "train a model and write its checkpoint and model card", name, help
        )

    def add_eval(self, name: str, help: str) -> argparse.ArgumentParser:
        """``vita eval NAME``."""
        return self._grouped(
            "eval", "evaluate a model or the index and print the metrics", name, help
        )

    def _grouped(
        self, group: str, group_help: str, name: str, help: str
    ) -> argparse.ArgumentParser:
        if group not in self._groups:
            parent = self._sub.add_parser(group, help=group_help, description=group_help)
            self._groups[group] = parent.add_subparsers(dest=f"{group}_command", metavar="WHAT")
            parent.set_defaults(handler=_group_help(parent))
        parser = self._groups[group].add_parser(name, help=help, description=help)
        _common(parser)
        return parser


def _group_help(parser: argparse.ArgumentParser) -> Handler:
    def show(args: argparse.Namespace) -> int:
        parser.print_help()
        return 2

    return show


def settings_from_args(args: argparse.Namespace, **extra: Any) -> Settings:
    """Settings from ``--config``, ``--data-dir`` and ``--locale`` plus ``extra`` overrides."""
    return _settings(args, **extra)


def _settings(args: argparse.Namespace, **extra: Any) -> Settings:
    return Settings.load(
        toml_path=args.config,
        data_dir=args.data_dir,
        default_locale=args.locale,
        **extra,
    )


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = _settings(
        args, host=args.host, port=args.port, workers=args.workers, log_level=args.log_level
    )
    from assistant import logs
    from assistant.metrics import MULTIPROC_ENV

    logs.configure(settings)  # request ids, redaction (see assistant/logs.py)
    print(
        f"Vita is starting on http://{settings.host}:{settings.port}  (Ctrl-C to stop)", flush=True
    )
    common: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "ws_max_size": settings.max_frame_bytes + 1024 * 1024,
        "access_log": False,  # Vita logs each request itself, with its id and no client address
    }
    if settings.workers > 1:
        if "://" not in settings.session_store:  # sqlite or memory: nothing shared across workers
            own = ", each worker has its own sessions" if settings.session_store == "memory" else ""
            logging.getLogger("vita.serve").warning(
                "%d workers with session_store=%s: a websocket stays on one worker, but REST "
                "turns of one session on two workers are not serialised%s and rate limits are "
                "per worker; VITA_SESSION_STORE=redis://HOST:PORT/DB shares all of it",
                settings.workers,
                settings.session_store,
                own,
            )
        # Each worker process rebuilds the same settings from the environment.
        for key, value in {
            "VITA_DATA_DIR": str(settings.data_dir),
            "VITA_DEFAULT_LOCALE": settings.default_locale,
            "VITA_LOG_LEVEL": settings.log_level,
        }.items():
            os.environ[key] = value
        if args.config:
            os.environ["VITA_CONFIG"] = str(args.config)
        # /metrics of any worker adds up all workers' numbers (prometheus multiprocess mode)
        metrics_dir = None
        if not os.environ.get(MULTIPROC_ENV):
            metrics_dir = tempfile.mkdtemp(prefix="vita-metrics-")
            os.environ[MULTIPROC_ENV] = metrics_dir
        try:
            uvicorn.run(
                "assistant.server:app_from_environment",
                factory=True,
                workers=settings.workers,
                **common,
            )
        finally:
            if metrics_dir is not None:
                os.environ.pop(MULTIPROC_ENV, None)
                shutil.rmtree(metrics_dir, ignore_errors=True)
    else:
        from assistant.server import create_app

        uvicorn.run(create_app(settings), **common)
    return 0


def _ask(args: argparse.Namespace) -> int:
    from rich.console import Console

    from assistant.channels.repl import render_reply
    from assistant.runtime import Runtime
    from assistant.validation import InputError

    logging.basicConfig(level=logging.ERROR)  # keep stdout and stderr clean for scripts
    store = None if args.session else "memory"
    settings = _settings(args, session_store=store)
    runtime = Runtime.build(settings)
    try:
        runtime.warm_up()
        manager = runtime.manager
        session_id = args.session or manager.new_session()
        try:
            msg = runtime.user_message(session_id, args.text, locale=args.locale)
        except InputError as err:
            print(err.message(runtime.prompts), file=sys.stderr)
            return 2
        replies = asyncio.run(manager.handle(msg))
    finally:
        runtime.close()
    if args.json:
        print(
            json.dumps(
                {"session_id": session_id, "replies": [r.to_dict() for r in replies]}, indent=2
            )
        )
    else:
        console = Console()
        for reply in replies:
            render_reply(console, reply, prompts=runtime.prompts)
    return 0


def _chat(args: argparse.Namespace) -> int:
    from assistant.channels.repl import run_chat

    return run_chat(_settings(args), session_id=args.session)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        builtin: dict[str, Handler] = {"serve": _serve, "chat": _chat, "ask": _ask}
        handler: Handler = builtin.get(args.command) or args.handler
        return handler(args)
    except SettingsError as err:
        print(f"vita: configuration error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
