"""The full-page chat (web/index.html) driven by a real headless Chromium against a real server.

Covers: a greeting round trip, quick-reply buttons, the emergency card with the locale's number
(en-US 911, en-GB 999 from ``?locale=``), a figure of speech that must not escalate, user-typed
HTML shown as text, resume after reload, "New conversation", the offline banner and reconnect
across a server restart, safe Markdown rendering, a phone-sized layout, and the page's strings
matching ``prompts/web.yaml``. Screenshots go to /tmp/vita_web.png and /tmp/vita_web_mobile.png.

Skipped (with the reason) when /usr/bin/chromium or the ``playwright`` package is missing;
Playwright's own browser download is never used.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

if TYPE_CHECKING:
    from tests.web.conftest import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
SCREENSHOT = Path("/tmp/vita_web.png")
SCREENSHOT_MOBILE = Path("/tmp/vita_web_mobile.png")
TIMEOUT_MS = 20_000


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found (apt-get install chromium)")
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason="the playwright package is not installed (pip install playwright)",
    )
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


class Chat:
    """One browser tab on the chat page, with the few actions the tests need."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("dialog", self._on_dialog)
        page.set_default_timeout(TIMEOUT_MS)

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, query: str = "") -> Chat:
        self.page.goto(f"{self.base_url}/{query}")
        self.wait_connected()
        return self

    def wait_connected(self) -> None:
        """Until a hello came back: the session id is stored and the offline banner is hidden."""
        self.page.wait_for_function(
            "() => localStorage.getItem('vita.session')"
            " && document.getElementById('offline').hidden"
        )

    def session(self) -> str | None:
        return self.page.evaluate("() => localStorage.getItem('vita.session')")

    def bot_count(self) -> int:
        return self.page.locator(".msg--bot").count()

    def wait_replies(self, before: int) -> Any:
        """Until a turn is answered (a new reply and typing off); returns the last reply."""
        self.page.wait_for_function(
            "n => document.querySelectorAll('.msg--bot').length > n", arg=before
        )
        self.page.wait_for_selector("#typing", state="hidden")
        return self.page.locator(".msg--bot").last

    def say(self, text: str) -> Any:
        before = self.bot_count()
        box = self.page.get_by_label("Message")
        box.fill(text)
        box.press("Enter")
        return self.wait_replies(before)

    def user_texts(self) -> list[str]:
        return self.page.locator(".msg--user .msg__text").all_text_contents()


@pytest.fixture
def open_chat(browser: Any, live_server: LiveServer) -> Iterator[Callable[..., Chat]]:
    """Opens tabs in fresh browser contexts (own localStorage); checks no script error happened."""
    contexts: list[Any] = []
    chats: list[Chat] = []

    def make(
        query: str = "",
        *,
        base_url: str | None = None,
        before_open: Callable[[Any], None] | None = None,
        **context_args: Any,
    ) -> Chat:
        context_args.setdefault("locale", "en-US")
        context_args.setdefault("viewport", {"width": 1000, "height": 800})
        context = browser.new_context(**context_args)
        contexts.append(context)
        chat = Chat(context.new_page(), base_url or live_server.url)
        chats.append(chat)
        if before_open is not None:
            before_open(chat.page)
        return chat.open(query)

    yield make
    for context in contexts:
        context.close()
    for chat in chats:
        assert chat.errors == [], f"script errors on the page: {chat.errors}"
        assert chat.dialogs == [], f"unexpected dialogs: {chat.dialogs}"


# --------------------------------------------------------------------------- conversations


@pytest.mark.browser
def test_page_is_accessible_and_answers_hi(open_chat: Callable[..., Chat]) -> None:
    chat = open_chat()
    page = chat.page
    assert page.title() == "Vita"
    assert page.locator("main").count() == 1
    log = page.locator("[role=log]")
    assert log.get_attribute("aria-live") == "polite"
    assert log.get_attribute("aria-label")
    assert page.get_by_role("button", name="Send").is_visible()
    assert "not a diagnosis" in page.locator("footer").inner_text()

    reply = chat.say("hi")
    assert chat.user_texts() == ["hi"]
    assert reply.locator(".msg__text").inner_text().strip()
    # the input keeps focus and is empty, ready for the next message
    assert page.evaluate("() => document.activeElement.id") == "input"
    assert page.get_by_label("Message").input_value() == ""


@pytest.mark.browser
def test_quick_reply_buttons_send_their_value(open_chat: Callable[..., Chat]) -> None:
    chat = open_chat()
    chat.say("hi")  # the greeting offers "What can you do?"
    buttons = chat.page.locator(".quick-replies button")
    assert buttons.count() >= 1
    label = buttons.first.inner_text()

    before = chat.bot_count()
    buttons.first.click()
    reply = chat.wait_replies(before)
    assert chat.user_texts()[-1] == label
    assert reply.locator(".msg__text").inner_text().strip()
    # only the newest reply may offer buttons
    assert chat.page.locator(".quick-replies").count() <= 1


@pytest.mark.browser
@pytest.mark.parametrize(("query", "number"), [("", "911"), ("?locale=en-GB", "999")])
def test_emergency_card_calls_the_local_number(
    open_chat: Callable[..., Chat], query: str, number: str
) -> None:
    chat = open_chat(query)
    reply = chat.say("I think I'm having a heart attack")
    card = reply.locator(".card--emergency")
    assert card.count() == 1
    assert card.get_attribute("role") == "alert"
    assert card.locator(".card__title").inner_text().strip()
    call = card.locator(f'a[href="tel:{number}"]')
    assert call.count() == 1
    assert call.is_visible()
    if not query:
        chat.page.screenshot(path=str(SCREENSHOT), full_page=True)


@pytest.mark.browser
def test_figure_of_speech_is_not_an_emergency(open_chat: Callable[..., Chat]) -> None:
    chat = open_chat()
    chat.say("that spin class nearly killed me")
    assert chat.page.locator(".card--emergency").count() == 0


@pytest.mark.browser
def test_user_html_is_shown_as_text(open_chat: Callable[..., Chat]) -> None:
    chat = open_chat()
    payload = "<img src=x onerror=alert(1)>"
    chat.say(payload)
    assert chat.user_texts() == [payload]
    assert chat.page.locator("img").count() == 0
    chat.page.wait_for_timeout(200)  # an onerror handler would have fired by now
    assert chat.dialogs == []


@pytest.mark.browser
def test_reload_resumes_the_conversation(open_chat: Callable[..., Chat]) -> None:
    chat = open_chat()
    chat.say("hi")
    chat.say("what can you do?")
    session = chat.session()
    bot_texts = chat.page.locator(".msg--bot .msg__text").all_inner_texts()

    chat.page.reload()
    chat.wait_connected()
    chat.page.wait_for_function(
        "n => document.querySelectorAll('.msg--bot').length >= n", arg=len(bot_texts)
    )
    assert chat.session() == session
    assert chat.user_texts() == ["hi", "what can you do?"]
    assert chat.page.locator(".msg--bot .msg__text").all_inner_texts() == bot_texts
    assert chat.page.locator("#intro").is_hidden()


@pytest.mark.browser
def test_new_conversation_starts_a_fresh_session(open_chat: Callable[..., Chat]) -> None:
    chat = open_chat()
    chat.say("hi")
    old = chat.session()
    chat.page.get_by_role("button", name="New conversation").click()
    chat.page.wait_for_function(
        "old => { const s = localStorage.getItem('vita.session'); return s && s !== old; }", arg=old
    )
    assert chat.page.locator(".msg").count() == 0
    assert chat.page.locator("#intro").is_visible()
    chat.say("hi")
    assert chat.user_texts() == ["hi"]


@pytest.mark.browser
def test_reconnects_after_the_server_restarts(
    open_chat: Callable[..., Chat], server_factory: Callable[[], LiveServer]
) -> None:
    server = server_factory()
    chat = open_chat(base_url=server.url)
    chat.say("hi")
    session = chat.session()

    server.stop()
    chat.page.wait_for_selector("#offline", state="visible")
    assert "Reconnecting" in chat.page.locator("#offline").inner_text()

    server.start()  # same port, same data directory: the session is still there
    chat.page.wait_for_selector("#offline", state="hidden", timeout=30_000)
    assert chat.session() == session
    assert chat.user_texts() == ["hi"]
    chat.say("thanks")
    assert chat.user_texts() == ["hi", "thanks"]


@pytest.mark.browser
def test_error_frame_is_an_inline_notice(open_chat: Callable[..., Chat]) -> None:
    """The socket is proxied so one message is answered with an error frame, as a server would."""

    def proxy(ws: Any) -> None:
        server = ws.connect_to_server()
        server.on_message(ws.send)

        def from_page(message: str | bytes) -> None:
            if isinstance(message, str) and '"boom"' in message:
                ws.send(json.dumps({"type": "error", "code": "bad_frame", "message": "Oops."}))
            else:
                server.send(message)

        ws.on_message(from_page)

    chat = open_chat(before_open=lambda page: page.route_web_socket(re.compile(r"/ws$"), proxy))
    chat.page.get_by_label("Message").fill("boom")
    chat.page.get_by_label("Message").press("Enter")
    notice = chat.page.locator("[role=log] .notice")
    notice.wait_for()
    assert notice.inner_text() == "Oops."
    chat.say("hi")  # still working
    assert chat.user_texts() == ["boom", "hi"]


@pytest.mark.browser
def test_phone_sized_layout(open_chat: Callable[..., Chat]) -> None:
    chat = open_chat(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    chat.say("what can you do?")
    chat.say("I think I'm having a heart attack")
    overflow = chat.page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, "the page scrolls sideways on a phone"
    assert chat.page.get_by_label("Message").is_visible()
    assert chat.page.locator(".card--emergency a[href^='tel:']").first.is_visible()
    chat.page.screenshot(path=str(SCREENSHOT_MOBILE))


# --------------------------------------------------------------------------- the renderer


RENDER = """text => {
  const box = document.createElement('div');
  box.appendChild(window.Vita.renderText(text));
  return {
    html: box.innerHTML,
    text: box.textContent,
    strong: [...box.querySelectorAll('strong')].map(n => n.textContent),
    em: [...box.querySelectorAll('em')].map(n => n.textContent),
    items: [...box.querySelectorAll('ul > li')].map(n => n.textContent),
    ordered: [...box.querySelectorAll('ol > li')].map(n => n.textContent),
    links: [...box.querySelectorAll('a')].map(a => [a.textContent, a.getAttribute('href')]),
    tags: [...box.querySelectorAll('*')].map(n => n.tagName.toLowerCase()),
  };
}"""


@pytest.mark.browser
def test_reply_markdown_is_rendered_without_html(open_chat: Callable[..., Chat]) -> None:
    page = open_chat().page
    text = (
        "**Rest** and *fluids* help.\n"
        "See a GP if it lasts.\n"
        "\n"
        "- drink water\n"
        "- sleep\n"
        "\n"
        "1. first\n"
        "2. second\n"
        "[NHS](https://www.nhs.uk/conditions/) [evil](javascript:alert(1)) "
        "[data](data:text/html,hi) <b>bold?</b> <script>alert(2)</script> https://example.org/x."
    )
    out = page.evaluate(RENDER, text)
    assert out["strong"] == ["Rest"]
    assert out["em"] == ["fluids"]
    assert out["items"] == ["drink water", "sleep"]
    assert out["ordered"] == ["first", "second"]
    assert out["links"] == [
        ["NHS", "https://www.nhs.uk/conditions/"],
        ["https://example.org/x", "https://example.org/x"],
    ]
    assert set(out["tags"]) <= {"p", "br", "strong", "em", "ul", "ol", "li", "a", "code"}
    assert "<b>bold?</b>" in out["text"]
    assert "<script>alert(2)</script>" in out["text"]
    assert "[evil](javascript:alert(1))" in out["text"]
    assert "br" in out["tags"]  # a single newline is a line break

    tel = page.evaluate(
        "xs => xs.map(x => window.Vita.telHref(x))", ["911", "116 123", "+1 (800) 273-8255", "HOME"]
    )
    assert tel == ["tel:911", "tel:116123", "tel:+18002738255", None]


# --------------------------------------------------------------------------- strings


def test_page_strings_match_prompts_web_yaml() -> None:
    """The page's STRINGS table and prompts/web.yaml must say the same thing."""
    source = (REPO / "web" / "chat.js").read_text(encoding="utf-8")
    table = re.search(r"const STRINGS = \{(.*?)\n  \};", source, re.S)
    assert table, "const STRINGS = {...} not found in web/chat.js"
    pairs = re.findall(r'(\w+):\s*("(?:[^"\\]|\\.)*")', table.group(1))
    page_strings = {key: json.loads(value) for key, value in pairs}
    prompts = yaml.safe_load((REPO / "prompts" / "web.yaml").read_text(encoding="utf-8"))
    assert page_strings == prompts
