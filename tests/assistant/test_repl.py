"""The terminal chat (``assistant/channels/repl.py``) and its rendering (``render.py``).

The chat runs against the real runtime with fast settings (hash embedder, rule-only safety screen,
SQLite in tmp), reading lines from a script and printing into a recording console.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from rich.console import Console

from assistant.channels.render import default_prompts, render_profile, render_reply
from assistant.channels.repl import run_chat
from assistant.config import Settings
from assistant.manager import DialogueManager
from assistant.types import Cause, EmergencyCard, QuickReply, Reply, TriageCard, UserMessage


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.load(
        env={},
        toml_path=tmp_path / "none.toml",
        data_dir=tmp_path,
        session_store="sqlite",
        embedder="hash",
        safety_semantic=False,
    )


def make_console() -> Console:
    return Console(
        file=io.StringIO(), width=100, force_terminal=False, color_system=None, record=True
    )


def script(*lines: str) -> Callable[[str], str]:
    """A ``read_line`` that types ``lines`` one by one, then presses Ctrl-D."""
    it: Iterator[str] = iter(lines)

    def read(prompt: str) -> str:
        try:
            return next(it)
        except StopIteration:
            raise EOFError from None

    return read


def chat(settings: Settings, *lines: str, session_id: str | None = None) -> tuple[int, str]:
    console = make_console()
    code = run_chat(settings, session_id=session_id, console=console, read_line=script(*lines))
    return code, console.export_text()


def flat(text: str) -> str:
    """Console text with line wrapping and panel borders undone, for asserting on sentences."""
    return " ".join(text.replace("│", " ").split())


def test_banner_says_not_a_doctor_and_eof_exits_cleanly(settings: Settings) -> None:
    code, out = chat(settings)
    assert code == 0
    assert "not a doctor" in flat(out)
    assert "emergency number" in flat(out)
    assert "Goodbye" in out


def test_greeting(settings: Settings) -> None:
    code, out = chat(settings, "hi")
    assert code == 0
    assert "Vita" in out and ("Hi" in out or "Hello" in out)


def test_quick_replies_are_numbered_and_a_number_sends_one(
    settings: Settings, tmp_path: Path
) -> None:
    target = tmp_path / "t.json"
    code, out = chat(settings, "hi", "1", f"/export {target}")
    assert code == 0
    match = re.search(r"\[1\] (.+?)  (?:\[2\]|\(type a number)", out)
    assert match is not None, out
    first = match.group(1)
    transcript = json.loads(target.read_text("utf-8"))["transcript"]
    assert transcript[2] == {**transcript[2], "role": "user", "text": first}
    events = json.loads(target.read_text("utf-8"))["events"]
    assert any(e["type"] == "UserSaid" and e["text"] == first for e in events)


def test_what_can_you_do_answers_with_help(settings: Settings) -> None:
    code, out = chat(settings, "what can you do?")
    assert code == 0
    assert default_prompts().render("smalltalk.help_intro") in flat(out)


def test_a_number_without_quick_replies_is_ordinary_text(settings: Settings) -> None:
    code, out = chat(settings, "7")
    assert code == 0
    assert "Goodbye" in out  # answered (by the fallback), no crash


def test_emergency_renders_a_panel_with_the_number(settings: Settings) -> None:
    code, out = chat(settings, "I think I'm having a heart attack")
    assert code == 0
    assert "911" in out
    assert "╭" in out  # drawn as a panel


def test_reset(settings: Settings) -> None:
    code, out = chat(settings, "hi", "/reset")
    assert code == 0
    assert default_prompts().render("system.reset_done") in flat(out)


def test_profile_empty(settings: Settings) -> None:
    code, out = chat(settings, "/profile")
    assert code == 0
    assert "profile is empty" in flat(out)


def test_export_writes_json_with_the_transcript(settings: Settings, tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    code, out = chat(settings, "hi", f"/export {target}")
    assert code == 0
    data = json.loads(target.read_text("utf-8"))
    assert data["transcript"][0] == {**data["transcript"][0], "role": "user", "text": "hi"}
    assert data["transcript"][1]["role"] == "bot"
    assert "Exported" in out and "out.json" in flat(out).replace(" ", "")


def test_export_default_path(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _ = chat(settings, "hi", "/export")
    assert code == 0
    files = list(tmp_path.glob("vita-session-*.json"))
    assert len(files) == 1 and len(files[0].stem) == len("vita-session-") + 8
    assert json.loads(files[0].read_text("utf-8"))["transcript"]


def test_export_to_a_bad_path_is_an_error_line(settings: Settings, tmp_path: Path) -> None:
    code, out = chat(settings, f"/export {tmp_path}/no/such/dir/x.json", "hi")
    assert code == 0
    assert "couldn't write" in flat(out)
    assert "Goodbye" in out


def test_image_missing_file_then_the_loop_continues(settings: Settings) -> None:
    code, out = chat(settings, "/image missing.png", "hi")
    assert code == 0
    assert "File not found: missing.png" in out
    assert "Hi" in out or "Hello" in out


def test_image_usage_directory_and_bad_image(settings: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "notes.png"
    bad.write_text("not a picture")
    code, out = chat(settings, "/image", f"/image {tmp_path}", f"/image {bad}")
    assert code == 0
    text = flat(out)
    assert "Usage: /image PATH" in text
    assert "isn't a file" in text
    assert default_prompts().render("errors.image_unsupported") in text


def test_image_too_large(settings: Settings, tmp_path: Path) -> None:
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 2048)
    code, out = chat(settings.replace(max_image_bytes=1024), f"/image {big}")
    assert code == 0
    assert "too large (2056 bytes; the limit is 1024 bytes)" in flat(out)


def test_image_with_a_real_png_goes_through(settings: Settings, tmp_path: Path) -> None:
    picture = tmp_path / "spot one.png"
    Image.new("RGB", (8, 8), (200, 120, 100)).save(picture)
    code, out = chat(settings.replace(skills="smalltalk"), f'/image "{picture}" is this ok?')
    assert code == 0
    # only smalltalk is enabled here, so it answers that photo checks are not switched on
    assert default_prompts().render("smalltalk.image_unavailable")[:40] in flat(out)


def test_empty_and_too_long_lines_get_clear_errors(settings: Settings) -> None:
    code, out = chat(settings, "", "   ", "x" * 10_000)
    assert code == 0
    text = flat(out)
    assert text.count(default_prompts().render("errors.empty_message")) == 2
    assert "too long (10000 characters)" in text


def test_unknown_command(settings: Settings) -> None:
    code, out = chat(settings, "/foo")
    assert code == 0
    assert "I don't know the command /foo" in flat(out)


def test_help_lists_commands(settings: Settings) -> None:
    _, out = chat(settings, "/help")
    for command in ("/help", "/reset", "/image", "/profile", "/export", "/quit"):
        assert command in out


def test_quit_returns_zero_and_stops_reading(settings: Settings) -> None:
    code, out = chat(settings, "/quit", "hi")
    assert code == 0
    assert "Hi, I'm Vita" not in out and "Hello! I'm Vita" not in out


def test_ctrl_c_asks_to_quit_then_a_second_one_leaves(settings: Settings) -> None:
    presses = iter(["^C", "hi", "^C", "^C", "never"])

    def read(prompt: str) -> str:
        item = next(presses)
        if item == "^C":
            raise KeyboardInterrupt
        return item

    console = make_console()
    assert run_chat(settings, console=console, read_line=read) == 0
    out = console.export_text()
    assert out.count("Type /quit to leave") == 2
    assert "never" not in out


def test_ctrl_c_while_thinking_abandons_the_turn(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def interrupted(self: DialogueManager, msg: UserMessage) -> list[Reply]:
        raise KeyboardInterrupt

    monkeypatch.setattr(DialogueManager, "handle", interrupted)
    code, out = chat(settings, "hi", "/profile")
    assert code == 0
    assert "Stopped waiting for that answer." in out
    assert "profile is empty" in flat(out)  # the loop and its event loop still work


def test_a_failing_turn_prints_an_error_and_continues(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(self: DialogueManager, msg: UserMessage) -> list[Reply]:
        raise RuntimeError("boom")

    monkeypatch.setattr(DialogueManager, "handle", broken)
    code, out = chat(settings, "hi", "/profile")
    assert code == 0
    assert default_prompts().render("errors.internal") in flat(out)
    assert "boom" not in out
    assert "profile is empty" in flat(out)


def test_resume_prints_the_earlier_history(settings: Settings) -> None:
    _, first = chat(settings, "hi")
    match = re.search(r"Conversation ([0-9a-f]{32})", first)
    assert match is not None
    session_id = match.group(1)
    code, out = chat(settings, "/profile", session_id=session_id)
    assert code == 0
    assert f"Resuming conversation {session_id}" in flat(out)
    assert "You › hi" in out
    assert "Vita" in out.split("Resuming", 1)[1]


def test_resume_unknown_session_starts_a_new_one(settings: Settings) -> None:
    code, out = chat(settings, session_id="0123456789abcdef")
    assert code == 0
    assert "couldn't find conversation 0123456789abcdef" in flat(out)


# --------------------------------------------------------------------------- render_reply


def rendered(reply: Reply | dict[str, Any]) -> str:
    console = make_console()
    render_reply(console, reply)
    return console.export_text()


def test_render_text_citations_and_quick_replies() -> None:
    out = rendered(
        {
            "text": "Drink **water**.",
            "cards": [],
            "citations": [{"title": "Hydration", "url": "https://example.org/water"}],
            "quick_replies": [{"label": "More", "value": "more"}, {"label": "Stop", "value": "x"}],
        }
    )
    assert "Drink water." in out
    assert "[1] Hydration — https://example.org/water" in out
    assert "[1] More" in out and "[2] Stop" in out


def test_render_emergency_card_object() -> None:
    card = EmergencyCard(
        kind="medical",
        title="Call an ambulance now",
        message="These symptoms can be a heart attack.",
        steps=("Call 911.", "Sit down and rest."),
        number="911",
        number_label="Emergency services",
        country="US",
        crisis_line="988",
        crisis_label="Suicide & Crisis Lifeline",
    )
    out = rendered(Reply(text="Please get help now.", skill="safety", cards=(card,)))
    assert "Call an ambulance now" in out
    assert "Emergency services: 911" in out
    assert "Suicide & Crisis Lifeline: 988" in out
    assert "1. Call 911." in out and "2. Sit down and rest." in out


def test_render_triage_card_shows_level_and_causes() -> None:
    card = TriageCard(
        level="urgent",
        headline="See a clinician today",
        reason="A high fever for three days needs a check.",
        causes=(Cause("Influenza", 0.62, "J11"), Cause("Strep throat", 0.21, "J02.0")),
        advice=("Drink fluids.",),
        highlights=("fever", "three days"),
    )
    out = rendered(Reply(text="", skill="triage", cards=(card,)))
    assert "Triage: Urgent" in out
    assert "Influenza" in out and "62%" in out and "J02.0" in out
    assert "• Drink fluids." in out
    assert "fever, three days" in out


def test_render_plan_card_table_per_day() -> None:
    card = {
        "type": "plan",
        "title": "3-day strength plan",
        "summary": "Full body, three days a week.",
        "days": [
            {"name": "Monday", "exercises": [{"name": "Squat", "sets": 3, "reps": "8-10"}]},
            {"name": "Wednesday", "exercises": [{"name": "Push-up", "sets": 3, "reps": "12"}]},
        ],
        "exports": ["markdown", "csv", "ics"],
    }
    out = rendered({"text": "Here is your plan.", "cards": [card]})
    assert "3-day strength plan" in out
    assert "Monday" in out and "Wednesday" in out
    assert "Squat" in out and "8-10" in out and "Exercise" in out
    assert "markdown, csv, ics" in out


def test_render_image_check_card_and_refusal() -> None:
    ok = {
        "type": "image_check",
        "action": "Show this spot to a doctor within a few weeks.",
        "classes": [{"name": "Benign keratosis", "probability": 0.7, "code": None}],
        "heatmap_png_base64": "iVBORw0KGgo=",
        "refusal": None,
    }
    out = rendered({"text": "", "cards": [ok]})
    assert "Benign keratosis" in out and "70%" in out
    assert "within a few weeks" in out and "heat map" in out
    refused = {**ok, "classes": [], "refusal": "This doesn't look like a skin close-up."}
    out = rendered({"text": "", "cards": [refused]})
    assert "couldn't check this photo" in out and "skin close-up" in out


def test_render_unknown_and_malformed_cards_never_raise() -> None:
    out = rendered(
        {
            "text": "x",
            "cards": [
                {"type": "mystery", "colour": "blue", "items": [1, 2]},
                {"type": "triage", "causes": "not a list", "advice": None},
                "not a card",
            ],
            "quick_replies": None,
        }
    )
    assert "mystery" in out and "colour" in out and "1, 2" in out
    assert "Triage" in out


def test_render_profile_table() -> None:
    console = make_console()
    render_profile(
        console, {"goal": "strength", "equipment": ["dumbbells", "band"]}, prompts=default_prompts()
    )
    out = console.export_text()
    assert "Your profile" in out and "strength" in out and "dumbbells, band" in out


def test_render_reply_object_and_dict_agree() -> None:
    reply = Reply(text="Hello", skill="smalltalk", quick_replies=(QuickReply("Help", "help"),))
    assert rendered(reply) == rendered(reply.to_dict())
