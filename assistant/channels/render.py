"""Terminal output for Vita with rich: replies as Markdown, cards as panels and tables.

Used by the terminal chat (``repl.py``) and by ``vita ask``. It reads a reply as the JSON dict that
every channel shares (``Reply.to_dict()``, also what ``BotSaid`` stores), so a resumed session's
history renders exactly like a live turn, old transcripts included.

Decisions:
    * Every label (table headings, level names, "Sources") comes from ``prompts/terminal.yaml``.
      ``render_reply`` takes the runtime's :class:`Prompts`; without one it loads the packaged
      ``prompts/`` folder once (enough for ``vita ask`` with default settings).
    * Rendering never raises on a reply's content: a card with missing or odd fields falls back to
      a plain field/value table, so an old or unexpected transcript still shows something useful.
    * Text that comes from users or skills is printed as ``Text``/``Markdown``, never parsed as rich
      console markup, so a ``[bold]`` typed by a user cannot restyle the terminal.
    * The chat's other output (banner, profile table, the prompt and its readline-safe reader)
      lives here too, so ``repl.py`` holds only the loop and the commands.
    * Quick replies are numbered from 1 in the order the skill gave them; ``repl.py`` maps a typed
      number back to the value.
"""

from __future__ import annotations

import functools
import logging
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.markdown import Markdown
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from assistant.config import Settings
from assistant.prompts import Prompts
from assistant.types import Reply

log = logging.getLogger("vita.render")
PROMPT_STYLE = "bold cyan"
_ANSI = re.compile(r"(\x1b\[[0-9;]*m)")
LEVEL_STYLES = {
    "emergency": "bold red",
    "urgent": "dark_orange",
    "routine": "blue",
    "self_care": "green",
}


@functools.lru_cache(maxsize=4)
def _load_prompts(directory: Path) -> Prompts:
    return Prompts(directory)


def default_prompts() -> Prompts:
    """The templates of the packaged ``prompts/`` folder (loaded once per process)."""
    return _load_prompts(Settings().prompts_dir)


def render_reply(
    console: Console, reply: Reply | Mapping[str, Any], *, prompts: Prompts | None = None
) -> None:
    """Print one reply: its text as Markdown, then its cards, citations and quick replies.

    Args:
        console: where to print.
        reply: a :class:`Reply` or its ``to_dict()`` (as stored in a transcript).
        prompts: the runtime's templates; the packaged ones when omitted.
    """
    p = prompts or default_prompts()
    data: Mapping[str, Any] = reply.to_dict() if isinstance(reply, Reply) else reply
    text = str(data.get("text") or "").strip()
    if text:
        console.print(Markdown(text))
    for card in _items(data.get("cards")):
        console.print(render_card(card, p))
    citations = _items(data.get("citations"))
    if citations:
        console.print(Text(_t(p, "sources"), style="bold"))
        for i, cite in enumerate(citations, 1):
            title = str(cite.get("title") or cite.get("source") or "")
            url = cite.get("url")
            console.print(Text(f"[{i}] {title}" + (f" — {url}" if url else ""), style="dim"))
    quick = quick_replies(data)
    if quick:
        line = Text()
        for i, (label, _value) in enumerate(quick, 1):
            line.append(f"[{i}] ", style="bold cyan").append(label).append("  ")
        line.append(_t(p, "quick_replies_hint"), style="dim")
        console.print(line)
    console.print()


def quick_replies(reply: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A reply's quick replies as ``(label, value)`` pairs, in order."""
    pairs = []
    for q in _items(reply.get("quick_replies")):
        value = str(q.get("value") or q.get("label") or "")
        pairs.append((str(q.get("label") or value), value))
    return pairs


def render_card(card: Mapping[str, Any], prompts: Prompts) -> RenderableType:
    """A rich renderable for one card dict; unknown or malformed cards become a field table."""
    renderer = _RENDERERS.get(str(card.get("type")))
    if renderer is not None:
        try:
            return renderer(card, prompts)
        except Exception:  # a malformed card must not hide the rest of the reply
            log.exception("could not render a %s card", card.get("type"))
    return _generic(card, prompts)


def render_banner(console: Console, prompts: Prompts) -> None:
    """The terminal chat's opening panel: who Vita is, that it is no doctor, how to get help."""
    body = Text.assemble((_t(prompts, "banner"), "bold"), "\n", (_t(prompts, "banner_hint"), "dim"))
    console.print(Panel(body, title=_t(prompts, "banner_title"), border_style="green"))


def render_user_line(console: Console, text: str, prompts: Prompts) -> None:
    """A line the user typed, as it looked at the prompt (used when replaying history)."""
    console.print(Text.assemble((_t(prompts, "prompt") + " ", PROMPT_STYLE), text))


def render_profile(console: Console, profile: Mapping[str, Any], *, prompts: Prompts) -> None:
    """The profile as a two-column table, or a line saying that it is still empty."""
    if not profile:
        console.print(Text(_t(prompts, "profile_empty"), style="dim"))
        return
    table = Table(title=_t(prompts, "profile_title"), title_justify="left")
    table.add_column(_t(prompts, "profile_key"), style="bold")
    table.add_column(_t(prompts, "profile_value"))
    for key, value in profile.items():
        table.add_row(str(key).replace("_", " "), _value(value))
    console.print(table)


def terminal_reader(console: Console) -> Callable[[str], str]:
    """``console.input`` with readline history; the styled prompt goes through ``input()``.

    readline must know the prompt, or recalling history erases it; its colour codes are wrapped in
    ``\\x01``/``\\x02`` so readline does not count them as visible characters.
    """
    try:
        import readline  # noqa: F401  (importing it turns on line editing and history for input())
    except ImportError:
        return lambda prompt: console.input(Text(prompt, style=PROMPT_STYLE))

    def read(prompt: str) -> str:
        if not console.is_terminal or console.file is not sys.stdout:
            return console.input(Text(prompt, style=PROMPT_STYLE))
        with console.capture() as capture:
            console.print(Text(prompt, style=PROMPT_STYLE), end="")
        return input(_ANSI.sub("\x01\\1\x02", capture.get()))

    return read


# --------------------------------------------------------------------------- card renderers


def _emergency(card: Mapping[str, Any], p: Prompts) -> RenderableType:
    parts: list[RenderableType] = [Text(str(card.get("message", "")), style="bold")]
    call = Text(
        _t(p, "call", label=card.get("number_label") or "", number=card.get("number") or ""),
        style="bold white on red",
    )
    parts += [Text(), call]
    if card.get("crisis_line"):
        label = str(card.get("crisis_label") or "")
        label = label[:1].upper() + label[1:]  # written to fit mid-sentence; here it starts a line
        parts.append(Text(_t(p, "call", label=label, number=card["crisis_line"]), style="bold red"))
    steps = [str(s) for s in card.get("steps") or ()]
    if steps:
        parts += [Text(), Text(_t(p, "emergency_steps"), style="bold")]
        parts += [Text(f"{i}. {step}") for i, step in enumerate(steps, 1)]
    return Panel(
        Group(*parts),
        title=Text(str(card.get("title", "")), style="bold red"),
        border_style="bold red",
    )


def _triage(card: Mapping[str, Any], p: Prompts) -> RenderableType:
    level = str(card.get("level", ""))
    style = LEVEL_STYLES.get(level, "bold")
    names: Mapping[str, str] = p.data("terminal.triage_levels")
    parts: list[RenderableType] = [
        Text(str(card.get("headline", "")), style=f"bold {style}"),
        Text(str(card.get("reason", ""))),
    ]
    causes = _items(card.get("causes"))
    if causes:
        table = Table(title=_t(p, "causes_title"), title_justify="left", expand=False)
        table.add_column("#", justify="right")
        table.add_column(_t(p, "col_cause"))
        table.add_column(_t(p, "col_code"))
        table.add_column(_t(p, "col_probability"), justify="right")
        for i, cause in enumerate(causes, 1):
            table.add_row(
                str(i),
                str(cause.get("name", "")),
                str(cause.get("code") or ""),
                _pct(cause.get("probability")),
            )
        parts += [Text(), table]
    parts += _bullets(_t(p, "advice_title"), card.get("advice"))
    highlights = [str(h) for h in card.get("highlights") or ()]
    if highlights:
        parts += [Text(), Text(_t(p, "highlights", words=", ".join(highlights)), style="dim")]
    title = _t(p, "triage_title", level=names.get(level, level))
    return Panel(Group(*parts), title=Text(title, style=style), border_style=style)


def _plan(card: Mapping[str, Any], p: Prompts) -> RenderableType:
    labels: Mapping[str, str] = p.data("terminal.plan_columns")
    parts: list[RenderableType] = [Text(str(card.get("summary", "")))]
    for day in _items(card.get("days")):
        exercises = _items(day.get("exercises"))
        columns = list(dict.fromkeys(k for ex in exercises for k in ex))
        extra = [f"{k}: {_value(v)}" for k, v in day.items() if k not in {"name", "exercises"}]
        table = Table(
            title=str(day.get("name", "")),
            title_justify="left",
            caption="; ".join(extra) or None,
            caption_justify="left",
        )
        for key in columns:
            table.add_column(labels.get(key, key.replace("_", " ").capitalize()))
        for ex in exercises:
            table.add_row(*(_value(ex.get(key, "")) for key in columns))
        parts += [Text(), table]
    exports = [str(e) for e in card.get("exports") or ()]
    if exports:
        parts += [Text(), Text(_t(p, "plan_exports", formats=", ".join(exports)), style="dim")]
    return Panel(
        Group(*parts), title=Text(str(card.get("title", "")), style="bold"), border_style="cyan"
    )


def _image_check(card: Mapping[str, Any], p: Prompts) -> RenderableType:
    parts: list[RenderableType] = []
    if card.get("refusal"):
        parts.append(Text(str(card["refusal"]), style="yellow"))
        title, style = _t(p, "image_refused_title"), "yellow"
    else:
        title, style = _t(p, "image_title"), "magenta"
        table = Table(expand=False)
        table.add_column(_t(p, "col_class"))
        table.add_column(_t(p, "col_probability"), justify="right")
        for cls in _items(card.get("classes")):
            table.add_row(str(cls.get("name", "")), _pct(cls.get("probability")))
        parts.append(table)
    parts += [Text(), Text(str(card.get("action", "")), style="bold")]
    advice = [str(a) for a in card.get("advice") or ()]
    if advice:  # the first line is the heading of the ABCDE signs
        parts += _bullets(advice[0], advice[1:])
    if card.get("heatmap_png_base64"):
        parts.append(Text(_t(p, "heatmap_note"), style="dim"))
    if card.get("disclaimer"):
        parts += [Text(), Text(str(card["disclaimer"]), style="italic")]
    return Panel(Group(*parts), title=Text(title, style=f"bold {style}"), border_style=style)


def _generic(card: Mapping[str, Any], p: Prompts) -> RenderableType:
    table = Table(show_header=True, expand=False)
    table.add_column(_t(p, "col_field"), style="bold")
    table.add_column(_t(p, "col_value"))
    for key, value in card.items():
        if key != "type":
            table.add_row(str(key), _value(value))
    return Panel(table, title=_t(p, "card_title", type=str(card.get("type", "card"))))


_RENDERERS: dict[str, Callable[[Mapping[str, Any], Prompts], RenderableType]] = {
    "emergency": _emergency,
    "triage": _triage,
    "plan": _plan,
    "image_check": _image_check,
}


# --------------------------------------------------------------------------- helpers


def _t(p: Prompts, key: str, **variables: Any) -> str:
    return p.render(f"terminal.{key}", **variables)


def _items(value: Any) -> list[Mapping[str, Any]]:
    """The mappings in a list-like value (anything else is skipped)."""
    if not isinstance(value, Iterable) or isinstance(value, str | bytes | Mapping):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _bullets(title: str, items: Any) -> list[RenderableType]:
    lines = [str(i) for i in items or ()] if not isinstance(items, str) else [items]
    if not lines:
        return []
    return [Text(), Text(title, style="bold"), *(Text(f"• {line}") for line in lines)]


def _pct(value: Any) -> str:
    try:
        return f"{float(value):.0%}"
    except (TypeError, ValueError):
        return str(value) if value is not None else ""


def _value(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {_value(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else str(value)
