"""The terminal chat (``vita chat``): typed lines in, rich replies out.

A thin channel like the websocket one: it validates a line through ``Runtime.user_message``, waits
until the models are warm, hands the message to ``DialogueManager.handle`` and renders the replies
(``render.py``). There is no dialogue logic here.

Decisions:
    * The prompt appears at once: warming runs in a background thread and only a turn waits for it
      (the spinner says "still loading" until then). Commands that need no model (``/help``,
      ``/profile``, ``/export``, ``/reset``) work during warm-up.
    * One event loop lives for the whole chat and every async call runs on it, because the session
      store's ``asyncio`` locks belong to the loop they were first used on.
    * A typed number picks one of the last reply's quick replies, unless it is exactly the text of
      one of them (so "3" answers "3" when the options are "2", "3", "4"); typing a quick reply's
      label also counts as tapping it. Any other number is sent as ordinary text.
    * Ctrl-C at the prompt asks to type ``/quit``; a second Ctrl-C in a row, or Ctrl-D, leaves.
      Ctrl-C while Vita thinks abandons that turn (nothing is stored) and returns to the prompt.
    * Arrow-key history uses ``readline`` when it is importable, kept in memory only: typed lines
      may hold health details, and the session store already keeps the transcript (``/export``).
    * No rate limit: one person types at their own terminal.
    * The background model loading draws no progress bar over the prompt: ``index.embed`` turns
      the Hugging Face bars off when it loads the model.
    * If the caller has not configured logging, the engine's warnings go to
      ``<data_dir>/chat.log`` instead of stderr, so log lines never land mid-conversation. Log
      records are redacted like the server's (:mod:`assistant.logs`).
    * Privacy: one line at the start says how long the conversation is kept; ``/privacy`` shows
      the full notice (``prompts/privacy.yaml``); ``/delete`` asks for a typed "yes", then erases
      the conversation and every skill's data about it (``DialogueManager.erase``, as the web
      chat's "Delete my data" does) and starts a new one. ``/reset`` keeps the profile.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import re
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console
from rich.markdown import Markdown
from rich.status import Status
from rich.text import Text

from assistant import logs
from assistant.channels.protocol import ImagePayload
from assistant.channels.render import (
    quick_replies,
    render_banner,
    render_profile,
    render_reply,
    render_user_line,
    terminal_reader,
)
from assistant.config import Settings
from assistant.prompts import PromptError, Prompts
from assistant.retention import privacy_notice
from assistant.runtime import Runtime
from assistant.types import Reply, UserMessage
from assistant.validation import InputError, check_session_id

__all__ = ["Chat", "render_reply", "run_chat"]  # render_reply is re-exported for `vita ask`
log = logging.getLogger("vita.repl")
T = TypeVar("T")
ReadLine = Callable[[str], str]
_FILE_ERRORS = {FileNotFoundError: "image_not_found", IsADirectoryError: "image_not_a_file"}
_COMMAND = re.compile(r"^/(\w+)(?:\s+(.*))?$", re.DOTALL)


def run_chat(
    settings: Settings,
    *,
    session_id: str | None = None,
    console: Console | None = None,
    read_line: ReadLine | None = None,
) -> int:
    """Interactive loop; returns an exit code.

    Args:
        settings: the settings to build the runtime from.
        session_id: resume this conversation if it exists (a new one is started otherwise).
        console: where to print (a new stdout console when omitted).
        read_line: reads one line given a prompt; defaults to ``console.input`` with readline
            history. Raises ``EOFError`` at the end of input.
    """
    console = console or Console()
    try:
        runtime = Runtime.build(settings)
    except Exception as exc:
        log.exception("could not build the runtime")
        console.print(Text(_start_failed(settings, exc), style="bold red"))
        return 1
    reader = read_line or terminal_reader(console)
    loop = asyncio.new_event_loop()
    try:
        with _log_to_file(settings):
            runtime.warm_up_in_background()
            return Chat(runtime, console, reader, loop).run(session_id)
    finally:
        loop.close()
        runtime.close()


class Chat:
    """One terminal conversation: its session, the last quick replies, and the command table."""

    def __init__(
        self,
        runtime: Runtime,
        console: Console,
        read_line: ReadLine,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.rt = runtime
        self.console = console
        self.read_line = read_line
        self.loop = loop
        self.p = runtime.prompts
        self.session_id = ""
        self.quick: list[tuple[str, str]] = []  # (label, value) of the last reply's quick replies
        self.commands: dict[str, Callable[[str], None]] = {
            "help": self.cmd_help,
            "reset": self.cmd_reset,
            "image": self.cmd_image,
            "profile": self.cmd_profile,
            "export": self.cmd_export,
            "privacy": self.cmd_privacy,
            "delete": self.cmd_delete,
        }

    # ------------------------------------------------------------------ the loop

    def run(self, session_id: str | None) -> int:
        """Open or resume the session, then read and answer lines until /quit or end of input."""
        self._open(session_id)
        interrupted = False
        prompt = self.t("prompt") + " "
        while True:
            try:
                line = self.read_line(prompt)
            except EOFError:
                break
            except KeyboardInterrupt:
                if interrupted:
                    break
                interrupted = True
                self.console.print()
                self.note(self.t("interrupt"))
                continue
            except UnicodeDecodeError:
                self.error(InputError("invalid_utf8").message(self.p))
                continue
            interrupted = False
            try:
                if not self.dispatch(line):
                    break
            except KeyboardInterrupt:
                self.note(self.t("cancelled"))
            except Exception:  # the chat must survive anything a line can cause
                log.exception("line failed on session %s…", self.session_id[:8])
                self.error(InputError("internal").message(self.p))
        self.console.print()
        self.note(self.t("goodbye"))
        return 0

    def dispatch(self, line: str) -> bool:
        """Handle one typed line; False means leave the chat."""
        try:
            line.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates from undecodable terminal input
            self.error(InputError("invalid_utf8").message(self.p))
            return True
        stripped = line.strip()
        match = _COMMAND.match(stripped)
        if match:
            name, args = match.group(1).lower(), (match.group(2) or "").strip()
            if name in ("quit", "exit"):
                return False
            command = self.commands.get(name)
            if command is None:
                self.error(self.t("unknown_command", command=f"/{name}"))
            else:
                command(args)
            return True
        value = self._quick_reply(stripped)
        if value is not None:
            self.turn("", quick_reply=value)
        else:
            self.turn(line)
        return True

    def turn(
        self, text: str, *, image: ImagePayload | None = None, quick_reply: str | None = None
    ) -> None:
        """Validate one message, answer it and print the replies."""
        try:
            msg = self.rt.user_message(self.session_id, text, image=image, quick_reply=quick_reply)
        except InputError as err:
            self.error(err.message(self.p))
            return
        replies = self.call(lambda status: self._answer(msg, status))
        if replies is not None:
            self.show(replies)

    async def _answer(self, msg: UserMessage, status: Status) -> list[Reply]:
        if not await self.rt.wait_ready():
            raise InputError("unavailable", status=503)
        status.update(self.t("thinking"))
        return await self.rt.manager.handle(msg)

    def call(self, work: Callable[[Status], Coroutine[Any, Any, T]]) -> T | None:
        """Run async work on the chat's loop under a spinner; None if it failed or was stopped."""
        text = self.t("thinking") if self.rt.ready.is_set() else self.t("warming")
        with self.console.status(text) as status:
            task = self.loop.create_task(work(status))
            try:
                return self.loop.run_until_complete(task)
            except KeyboardInterrupt:
                task.cancel()
                self.loop.run_until_complete(asyncio.gather(task, return_exceptions=True))
                self.note(self.t("cancelled"))
            except InputError as err:
                self.error(err.message(self.p))
        return None

    def show(self, replies: list[Reply]) -> None:
        """Print replies and remember the last one's quick replies for number picks."""
        for reply in replies:
            render_reply(self.console, reply, prompts=self.p)
            self._save_heatmaps(reply)
        if replies:
            last = replies[-1]
            self.quick = [(q.label, q.value) for q in last.quick_replies]

    def _save_heatmaps(self, reply: Reply) -> None:
        """Write each image-check heat map PNG to ``<data_dir>/heatmaps/`` and print the path.

        A terminal cannot show a picture, so the heat map goes to a file only the user can read
        (it is drawn over their photo); the photo itself is never written.
        """
        for i, card in enumerate(reply.cards):
            png = getattr(card, "heatmap_png_base64", None)
            if not png:
                continue
            folder = self.rt.settings.data_dir / "heatmaps"
            path = folder / f"heatmap-{reply.id[:12]}-{i}.png"
            try:
                folder.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(base64.b64decode(png))
            except (OSError, ValueError) as exc:
                reason = getattr(exc, "strerror", None) or str(exc)
                self.error(self.p.render("image_check.heatmap_not_saved", reason=reason))
                continue
            saved = self.p.render("image_check.heatmap_saved", path=str(path.resolve()))
            self.note(saved, style="green")

    # ------------------------------------------------------------------ commands

    def cmd_help(self, args: str) -> None:
        """``/help``: list the commands."""
        self.console.print(Markdown(self.t("help")))

    def cmd_reset(self, args: str) -> None:
        """``/reset``: start over through the manager (the profile is kept)."""
        replies = self.call(lambda status: self.rt.manager.reset(self.session_id))
        if replies is not None:
            self.show(replies)

    def cmd_image(self, args: str) -> None:
        """``/image PATH [message]``: send a photo file, with an optional message."""
        if not args:
            self.error(self.t("image_usage"))
            return
        raw, text = _split_path(args)
        limit = self.rt.settings.max_image_bytes
        try:
            with Path(raw).expanduser().open("rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                data = fh.read(limit + 1)  # never read a huge file whole
        except OSError as exc:
            key = _FILE_ERRORS.get(type(exc), "image_unreadable")
            self.error(self.t(key, path=raw, reason=exc.strerror or str(exc)))
            return
        if max(size, len(data)) > limit:
            self.error(InputError("image_too_large", size=size, limit=limit).message(self.p))
            return
        self.turn(text, image=ImagePayload(data=base64.b64encode(data).decode("ascii")))

    def cmd_profile(self, args: str) -> None:
        """``/profile``: show the session's profile."""
        state = self.call(lambda status: self.rt.manager.state(self.session_id))
        if state is None:
            return
        render_profile(self.console, state.profile, prompts=self.p)

    def cmd_export(self, args: str) -> None:
        """``/export [PATH]``: write the session as JSON (``vita-session-<id8>.json`` by default)."""
        raw = args.strip().strip("'\"") or f"vita-session-{self.session_id[:8]}.json"
        path = Path(raw).expanduser()
        data = self.call(lambda status: self.rt.manager.export(self.session_id))
        if data is None:
            return
        try:
            path.write_text(
                json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", "utf-8"
            )
        except OSError as exc:
            self.error(self.t("export_failed", path=raw, reason=exc.strerror or str(exc)))
            return
        self.note(self.t("export_done", path=str(path.resolve())), style="green")

    def cmd_privacy(self, args: str) -> None:
        """``/privacy``: the privacy notice in full."""
        title, paragraphs = privacy_notice(self.p, self.rt.settings)
        self.console.print(Markdown(f"**{title}**\n\n" + "\n\n".join(paragraphs)))

    def cmd_delete(self, args: str) -> None:
        """``/delete``: after a typed "yes", erase the conversation and start a new one."""
        try:
            answer = self.read_line(self.t("delete_confirm"))
        except (EOFError, KeyboardInterrupt):
            answer = ""
        if answer.strip().casefold() not in ("yes", "y"):
            self.note(self.t("delete_kept"))
            return
        if self.call(lambda status: self.rt.manager.erase(self.session_id)) is None:
            return
        self.quick = []
        self.note(self.t("deleted"), style="green")
        self.session_id = self.rt.manager.new_session()
        self.note(self.t("session_new", session_id=self.session_id))

    # ------------------------------------------------------------------ helpers

    def _open(self, session_id: str | None) -> None:
        """Print the banner, then resume ``session_id`` (with its history) or start a session."""
        render_banner(self.console, self.p)
        self.note(self.t("privacy_hint", days=self.rt.settings.session_ttl_days))
        manager = self.rt.manager
        if session_id:
            try:
                resumed = manager.store.exists(check_session_id(session_id))
            except InputError:
                resumed = False
            if resumed:
                self.session_id = session_id
                self.note(self.t("session_resumed", session_id=session_id))
                self._print_history()
                return
            self.error(self.t("session_not_found", session_id=session_id))
        self.session_id = manager.new_session()
        self.note(self.t("session_new", session_id=self.session_id))

    def _print_history(self) -> None:
        state = self.loop.run_until_complete(self.rt.manager.state(self.session_id))
        for turn in state.history:
            if turn.role == "user":
                render_user_line(self.console, turn.text, self.p)
            elif turn.reply is not None:
                render_reply(self.console, turn.reply, prompts=self.p)
                self.quick = quick_replies(turn.reply)

    def _quick_reply(self, typed: str) -> str | None:
        """The value of the quick reply a typed line picks, if it picks one."""
        for label, value in self.quick:
            if typed.casefold() in (label.casefold(), value.casefold()):
                return value
        if typed.isdigit() and 1 <= int(typed) <= len(self.quick):
            return self.quick[int(typed) - 1][1]
        return None

    def t(self, key: str, **variables: Any) -> str:
        return self.p.render(f"terminal.{key}", **variables)

    def note(self, text: str, style: str = "dim") -> None:
        self.console.print(Text(text, style=style))

    def error(self, text: str) -> None:
        self.console.print(Text(text, style="bold yellow"))


def _start_failed(settings: Settings, exc: Exception) -> str:
    try:
        return Prompts(settings.prompts_dir).render("terminal.start_failed", reason=str(exc))
    except PromptError:  # the prompts themselves are what is broken
        return f"Vita couldn't start: {exc}"


def _split_path(args: str) -> tuple[str, str]:
    """``PATH rest`` or ``"PATH with spaces" rest`` -> (path, rest)."""
    if args[0] in "'\"" and args.find(args[0], 1) > 0:
        end = args.find(args[0], 1)
        return args[1:end], args[end + 1 :].strip()
    path, _, rest = args.partition(" ")
    return path, rest.strip()


@contextmanager
def _log_to_file(settings: Settings) -> Iterator[None]:
    """Send WARNING+ records to ``<data_dir>/chat.log`` while chatting, if nobody set up logging."""
    logs.install()
    root = logging.getLogger()
    if root.handlers:
        yield
        return
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(settings.data_dir / "chat.log", delay=True)
    except OSError:
        handler = logging.NullHandler()
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        handler.close()
