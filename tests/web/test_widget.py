"""The widget (web/widget.js) in a real headless Chromium against a real Vita server.

Covers the demo page round trip and quick replies, the emergency card's call link, hostile text
from the user and from a reply, reload / new-tab resume, new conversation, "Delete my data",
a dropped connection (banner, queue sent once and in order), keyboard-only use, a host page with
aggressive CSS on another origin, the full page, the phone layout, every card type, photo upload
(button, paste, drop, size and type checks), the JavaScript API and events.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from assistant import __version__
from assistant.registry import REGISTRY
from tests.web.helpers import SHADOW, Widget

if TYPE_CHECKING:
    from tests.web.conftest import HostSite, LiveServer

pytestmark = pytest.mark.browser
OpenWidget = Callable[..., Widget]


def host_page(server: LiveServer, body: str = "", head: str = "", attrs: str = "") -> str:
    """An HTML page of a customer's site that embeds the widget with the one tag."""
    tag = f'<script src="{server.url}/widget.js" data-server="{server.url}" {attrs} defer></script>'
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Host</title><link rel='icon' href='data:,'>{head}"
        f"{tag}</head><body><main><h1>A customer's site</h1><p>Some text.</p>"
        f"<a href='#top'>A link</a>{body}</main></body></html>"
    )


# --------------------------------------------------------------------------- conversations


def test_demo_page_round_trip_and_quick_reply(open_widget: OpenWidget, screenshots: Path) -> None:
    w = open_widget("/demo")
    page = w.page
    assert page.title() == "Riverside Health & Fitness Club"
    assert page.locator(".vw-panel").is_hidden()
    launcher = page.get_by_role("button", name="Ask Vita")
    assert launcher.get_attribute("aria-expanded") == "false"

    launcher.click()
    dialog = page.get_by_role("dialog", name="Vita at Riverside")  # data-title
    assert dialog.is_visible()
    assert launcher.get_attribute("aria-expanded") == "true"
    notice = page.locator(".vw-notice")
    assert "not a doctor" in notice.inner_text() and "Privacy" in notice.inner_text()
    assert page.locator(".vw-input").is_hidden()  # until the notice is accepted
    w.accept_notice()

    reply = w.say("hi")
    assert w.user_texts() == ["hi"]
    assert reply.locator(".vw-msg__text").inner_text().strip()
    buttons = page.locator(".vw-quick button")
    assert buttons.count() >= 1
    label = buttons.first.inner_text()
    before = w.bot_count()
    buttons.first.click()
    reply = w.wait_replies(before)
    assert w.user_texts() == ["hi", label]
    assert reply.locator(".vw-msg__text").inner_text().strip()
    assert page.locator(".vw-quick").count() <= 1  # only the newest reply offers buttons
    w.shot(screenshots / "demo.png")


@pytest.mark.parametrize(("path", "number"), [("/demo", "911"), ("/demo?locale=en-GB", "999")])
def test_emergency_card_has_a_call_link(
    open_widget: OpenWidget, screenshots: Path, path: str, number: str
) -> None:
    w = open_widget(path).open()
    reply = w.say("I think I'm having a heart attack")
    card = reply.locator(".vw-card--emergency")
    assert card.count() == 1
    assert card.get_attribute("role") == "alert"
    assert card.locator(".vw-card__title").inner_text().strip()
    call = card.locator(f'a[href="tel:{number}"]')
    assert call.count() == 1 and call.is_visible()
    assert number in call.inner_text()
    if number == "911":
        w.shot(screenshots / "emergency.png")


def test_figure_of_speech_is_not_an_emergency(open_widget: OpenWidget) -> None:
    w = open_widget("/demo").open()
    w.say("that spin class nearly killed me")
    assert w.page.locator(".vw-card--emergency").count() == 0


def test_hostile_text_is_shown_as_text_and_nothing_runs(open_widget: OpenWidget) -> None:
    w = open_widget("/demo").open()
    page = w.page
    typed = ["<img src=x onerror=alert(1)>", "[click me](javascript:alert(1))"]
    for text in typed:
        w.say(text)
    assert w.user_texts() == typed

    reply = w.say("/card hostile")  # a reply carrying HTML, script and javascript: links
    text = reply.locator(".vw-msg__text")
    assert "<img src=x onerror=alert(2)>" in text.inner_text()
    assert "<script>alert(3)</script>" in text.inner_text()
    assert "[evil](javascript:alert(4))" in text.inner_text()
    assert text.locator("strong").all_inner_texts() == ["Bold"]
    assert text.locator("li").all_inner_texts() == ["first point", "second point"]
    hrefs = page.evaluate(
        f"() => [...{SHADOW}.querySelectorAll('a')].map(a => a.getAttribute('href'))"
    )
    assert "https://example.org/safe" in hrefs and "https://www.nhs.uk/conditions/fever/" in hrefs
    assert not [h for h in hrefs if not h.startswith(("https:", "tel:", "#"))], hrefs
    safe = text.locator("a")
    assert safe.get_attribute("target") == "_blank"
    assert "noopener" in (safe.get_attribute("rel") or "")
    assert page.locator(".vw-quick button").inner_text() == "<b>Yes</b>"
    tags = page.evaluate(
        f"() => [...{SHADOW}.querySelectorAll('.vw-log *')].map(n => n.tagName.toLowerCase())"
    )
    assert not {"img", "script", "iframe", "b", "object"} & set(tags)
    page.wait_for_timeout(300)  # an onerror handler would have fired by now
    assert w.dialogs == []


def test_reload_and_a_new_tab_resume_the_conversation(open_widget: OpenWidget) -> None:
    w = open_widget("/demo").open()
    w.say("hi")
    w.say("what can you do?")
    session = w.session()
    bots = w.bot_texts()

    w.page.reload()
    w.wait_online()
    assert w.session() == session
    w.page.locator(".vw-launcher").click()  # the notice was accepted once: no notice now
    assert w.page.locator(".vw-notice").is_hidden()
    assert w.user_texts() == ["hi", "what can you do?"]
    assert w.bot_texts() == bots

    tab = Widget(w.page.context.new_page(), w.server).goto("/demo")
    assert tab.session() == session
    assert tab.user_texts() == ["hi", "what can you do?"]


def test_new_conversation_and_delete_my_data(open_widget: OpenWidget) -> None:
    w = open_widget("/demo").open()
    page = w.page
    w.say("hi")
    first = w.session()
    page.get_by_role("button", name="New conversation").click()
    page.wait_for_function(
        "old => window.Vita.sessionId() && window.Vita.sessionId() !== old", arg=first
    )
    assert page.locator(".vw-msg").count() == 0
    assert page.locator(".vw-intro").is_visible()

    w.say("hi")
    second = w.session()
    assert httpx.get(f"{w.server.url}/api/v1/sessions/{second}").status_code == 200
    page.get_by_role("button", name="Delete my data").click()
    confirm = page.locator(".vw-confirm")
    assert "cannot be undone" in confirm.inner_text()
    page.get_by_role("button", name="Cancel").click()
    assert confirm.is_hidden() and w.session() == second

    page.get_by_role("button", name="Delete my data").click()
    page.get_by_role("button", name="Delete", exact=True).click()
    page.wait_for_function(
        "old => window.Vita.sessionId() && window.Vita.sessionId() !== old", arg=second
    )
    assert "have been deleted" in page.locator(".vw-note").inner_text()
    assert page.locator(".vw-msg").count() == 0
    assert httpx.get(f"{w.server.url}/api/v1/sessions/{second}").status_code == 404


def test_dropped_connection_banner_and_queue(
    open_widget: OpenWidget, server_factory: Callable[..., LiveServer], screenshots: Path
) -> None:
    server = server_factory()
    w = open_widget("/demo", server=server).open()
    page = w.page
    w.say("hi")
    session = w.session()

    server.stop()
    banner = page.locator(".vw-banner")
    banner.wait_for(state="visible")
    assert "Reconnecting" in banner.inner_text()
    assert banner.get_attribute("role") == "status"
    for text in ("first while offline", "second while offline"):
        page.locator(".vw-input").fill(text)
        page.locator(".vw-input").press("Enter")
    assert page.locator(".vw-msg--pending").count() == 2
    w.shot(screenshots / "offline.png")

    server.start()  # same port, same database: the session is still there
    retry = page.get_by_role("button", name="Retry now")
    if retry.is_visible():  # the widget may already have reconnected on its own (backoff)
        retry.click()
    w.wait_online(timeout=30_000)
    assert banner.is_hidden()
    page.wait_for_function(
        f"() => {SHADOW}.querySelectorAll('.vw-msg--pending').length === 0"
        f" && {SHADOW}.querySelectorAll('.vw-msg--bot').length >= 3"
    )
    assert w.session() == session
    assert w.user_texts() == ["hi", "first while offline", "second while offline"]
    # the server got each queued message exactly once, in order
    export = httpx.get(f"{server.url}/api/v1/sessions/{session}").json()
    said = [t["text"] for t in export["transcript"] if t["role"] == "user"]
    assert said == ["hi", "first while offline", "second while offline"]


def test_error_frame_is_an_inline_note(open_widget: OpenWidget) -> None:
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

    w = open_widget(
        "/demo", before_open=lambda page: page.route_web_socket(re.compile(r"/ws$"), proxy)
    ).open()
    w.page.locator(".vw-input").fill("boom")
    w.page.locator(".vw-input").press("Enter")
    note = w.page.locator(".vw-log .vw-note")
    note.wait_for()
    assert note.inner_text() == "Oops."
    w.say("hi")  # still working
    assert w.user_texts() == ["boom", "hi"]


# --------------------------------------------------------------------------- keyboard, CSS, layout


def test_keyboard_only(open_widget: OpenWidget) -> None:
    w = open_widget("/demo")
    page = w.page
    for _ in range(40):  # tab through the host page until the launcher has focus
        page.keyboard.press("Tab")
        active = w.active()
        if active and active["launcher"]:
            break
    else:
        pytest.fail("the launcher is not reachable with Tab")
    page.keyboard.press("Enter")
    page.locator(".vw-panel").wait_for()
    assert w.active()["text"] == "I understand"  # type: ignore[index]
    page.keyboard.press("Enter")
    assert w.active()["tag"] == "textarea"  # type: ignore[index]

    page.keyboard.type("hi")
    before = w.bot_count()
    page.keyboard.press("Enter")
    w.wait_replies(before)
    assert w.active()["tag"] == "textarea"  # type: ignore[index]

    for _ in range(12):  # back to the quick replies
        page.keyboard.press("Shift+Tab")
        active = w.active()
        if active and "vw-btn--chip" in active["cls"]:
            break
    else:
        pytest.fail("no quick reply reachable with Shift+Tab")
    label = w.active()["text"]  # type: ignore[index]
    before = w.bot_count()
    page.keyboard.press("Enter")
    w.wait_replies(before)
    assert w.user_texts()[-1] == label
    assert w.active()["tag"] == "textarea"  # type: ignore[index]

    seen = set()
    for _ in range(25):  # focus stays in the open panel
        page.keyboard.press("Tab")
        active = w.active()
        assert active is not None and active["inPanel"], active
        seen.add(active["cls"])
    assert any("vw-input" in c for c in seen) and any("vw-head__close" in c for c in seen)
    outline = page.evaluate(f"() => getComputedStyle({SHADOW}.activeElement).outlineStyle")
    assert outline != "none"  # visible focus

    page.keyboard.press("Escape")
    assert page.locator(".vw-panel").is_hidden()
    assert w.active()["launcher"]  # type: ignore[index]


AGGRESSIVE_CSS = """<style>
  * { all: unset; }
  html, body, * { font-size: 44px !important; line-height: 3 !important; color: #ff00ff !important;
    background: #00ff00 !important; font-family: "Comic Sans MS", fantasy !important;
    letter-spacing: 4px !important; text-transform: uppercase !important; }
  :root { font-size: 40px !important; }
  vita-chat, div, button, textarea, section { display: none !important; width: 10px !important;
    transform: rotate(7deg) !important; opacity: 0.2 !important; }
  ::selection { background: red; }
</style>"""
KEY_STYLES: dict[str, list[str]] = {
    ".vw-launcher": ["width", "height", "font-size", "color", "background-color", "border-radius"],
    ".vw-panel": ["width", "height", "font-size", "color", "background-color", "display"],
    ".vw-head__title": ["font-size", "font-family", "color", "text-transform", "letter-spacing"],
    ".vw-input": ["font-size", "width", "height", "color", "background-color"],
    ".vw-send": ["font-size", "width", "color", "background-color"],
    ".vw-msg--user": ["font-size", "line-height", "color", "background-color", "width"],
    ".vw-msg--bot .vw-msg__text": ["font-size", "line-height", "color", "background-color"],
}


def test_aggressive_host_css_changes_nothing(
    open_widget: OpenWidget, live_server: LiveServer, host_site: HostSite, screenshots: Path
) -> None:
    pages = {
        "/plain.html": host_page(live_server),
        "/hostile.html": host_page(live_server, head=AGGRESSIVE_CSS),
    }
    host_site.serve(pages)
    styles = []
    for path in pages:
        w = open_widget(host_site.origin + path)
        w.open()
        w.say("hi")
        styles.append({sel: w.computed(sel, props) for sel, props in KEY_STYLES.items()})
        box = w.page.locator(".vw-panel").bounding_box()
        styles[-1]["box"] = {k: str(round(v)) for k, v in box.items()}
        w.shot(screenshots / f"host{path.replace('.html', '')}.png".replace("/", "-", 1))
    plain, hostile = styles
    assert plain == hostile
    assert plain[".vw-head__title"]["text-transform"] == "none"
    assert plain[".vw-msg--user"]["font-size"] == "15px"


def test_widget_adds_nothing_to_the_host_page(
    open_widget: OpenWidget, live_server: LiveServer, host_site: HostSite
) -> None:
    probe = """() => ({
      sheets: document.styleSheets.length,
      children: [...document.body.children].map(n => n.tagName.toLowerCase()),
      h1: getComputedStyle(document.querySelector('h1')).fontSize,
      body: getComputedStyle(document.body).fontFamily,
    })"""
    pages = {"/with.html": host_page(live_server), "/without.html": host_page(live_server)}
    pages["/without.html"] = pages["/without.html"].replace("<script", "<x-script")
    host_site.serve(pages)
    w = open_widget(host_site.origin + "/with.html")
    with_widget = w.page.evaluate(probe)
    w.page.goto(host_site.origin + "/without.html")
    without = w.page.evaluate(probe)
    assert with_widget["children"] == ["main", "vita-chat"]
    assert with_widget["sheets"] == without["sheets"]
    assert with_widget["h1"] == without["h1"] and with_widget["body"] == without["body"]


def test_full_page_is_the_inline_widget(open_widget: OpenWidget, screenshots: Path) -> None:
    w = open_widget("/")
    page = w.page
    assert page.title() == "Vita"
    assert page.locator(".vw-launcher").is_hidden()
    region = page.get_by_role("region", name="Vita")
    assert region.is_visible()
    box = region.bounding_box()
    assert box["height"] >= 780  # fills the window
    assert page.locator(".vw-head__close").count() == 0
    w.accept_notice()
    w.say("hi")
    assert w.active()["tag"] == "textarea"  # type: ignore[index]
    w.shot(screenshots / "index.png")


def test_phone_layout_is_full_screen(open_widget: OpenWidget, screenshots: Path) -> None:
    w = open_widget("/demo", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = w.page
    w.open()
    box = page.locator(".vw-panel").bounding_box()
    assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 390, 844)
    assert page.locator(".vw-launcher").is_hidden()
    assert page.get_by_role("button", name="Take a photo").is_visible()
    capture = page.locator(".vw-composer input[capture]")
    assert capture.get_attribute("capture") == "environment"
    w.say("I think I'm having a heart attack")
    assert page.locator(".vw-card--emergency a[href^='tel:']").first.is_visible()
    overflow = page.evaluate(f"() => {SHADOW}.querySelector('.vw-body').scrollWidth - 390")
    assert overflow <= 0, "the panel scrolls sideways on a phone"
    w.shot(screenshots / "mobile.png")
    page.get_by_role("button", name="Close the chat").click()
    assert page.locator(".vw-launcher").is_visible()


# --------------------------------------------------------------------------- cards and photos


def test_triage_plan_and_citation_cards(open_widget: OpenWidget, screenshots: Path) -> None:
    w = open_widget("/demo").open()
    page = w.page
    reply = w.say("/card triage I have had a fever for three days")
    card = reply.locator(".vw-card--triage")
    assert card.get_attribute("data-level") == "urgent"
    assert card.locator(".vw-card__title").inner_text() == "Urgent: see a clinician today"
    assert card.locator(".vw-card__title svg").count() == 1  # the level's icon
    colour = w.computed(".vw-card--triage .vw-card__title", ["background-color"])
    assert colour["background-color"] == "rgb(165, 72, 0)"
    assert card.locator(".vw-bar").count() == 3
    assert "55%" in card.locator(".vw-bar").first.inner_text()
    assert "Possible causes" in card.inner_text() and "Drink plenty of water." in card.inner_text()
    marked = page.locator(".vw-msg--user .vw-mark").all_inner_texts()
    assert [m.lower() for m in marked] == ["fever", "three days"]  # highlighted in what was said

    reply = w.say("/card plan")
    card = reply.locator(".vw-card--plan")
    tables = card.locator("table")
    assert tables.count() == 2
    first, second = tables.first, tables.last
    assert first.locator("caption").inner_text() == "Monday: Full body A (45 min)"
    assert first.locator("thead th").all_inner_texts() == [
        "Exercise",
        "Sets",
        "Reps",
        "Rest",
        "Effort",
    ]
    assert first.locator("tbody th").all_inner_texts() == ["Goblet squat", "Split squat"]
    assert second.locator("caption").inner_text() == "Thursday · Full body B · 45 min"
    assert second.locator("thead th").all_inner_texts() == ["Exercise", "Sets", "Reps", "Rest (s)"]
    assert "8 (each side)" in second.inner_text()
    notes = card.locator(".vw-table-note").all_inner_texts()
    assert notes == [
        "Warm-up: Brisk walk (5:00)",
        "Cardio: Cycling, 10 min, easy",
        "Warm-up: Brisk walk 300 s",
        "Cardio: Rowing 8 min",
    ]
    assert "**" not in card.inner_text() and card.locator("strong").count() == 1
    exports = card.get_by_role("link")
    assert exports.all_inner_texts() == ["Download MD", "Download CSV", "Download ICS"]
    md = card.get_by_role("link", name="Download MD").get_attribute("href")
    assert md == f"{w.server.url}/api/v1/sessions/abcdef123456/workout-plan.md"
    with page.expect_download() as download:
        card.get_by_role("link", name="Download CSV").click()
    csv = Path(download.value.path()).read_text(encoding="utf-8")
    assert csv.startswith('"day","Exercise","Sets"') and "Goblet squat" in csv and "Push-up" in csv
    with page.expect_download() as download:
        card.get_by_role("link", name="Download ICS").click()
    ics = Path(download.value.path()).read_text(encoding="utf-8")
    assert ics.startswith("BEGIN:VCALENDAR") and ics.count("BEGIN:VEVENT") == 2
    w.shot(screenshots / "cards.png", full_page=False)

    reply = w.say("/card hostile")
    sources = reply.locator(".vw-cites")
    assert "Sources" in sources.inner_text()
    link = sources.get_by_role("link", name="NHS: Fever")
    assert link.get_attribute("href") == "https://www.nhs.uk/conditions/fever/"
    assert sources.locator("a").count() == 1  # the javascript: citation is plain text


def png_bytes(size: int = 64) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (size, size), (200, 150, 130)).save(buf, format="PNG")
    return buf.getvalue()


DISPATCH_FILE = """([kind, bytes, size, type]) => {
  // builds the file in the page (fast even for megabytes), then pastes, drops or picks it
  const root = document.querySelector('vita-chat').shadowRoot;
  const data = bytes ? new Uint8Array(bytes) : new Uint8Array(size);
  const file = new File([data], 'spot.png', { type });
  const dt = new DataTransfer();
  dt.items.add(file);
  if (kind === 'paste') {
    root.querySelector('.vw-input').dispatchEvent(
      new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  } else if (kind === 'drop') {
    const panel = root.querySelector('.vw-panel');
    panel.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, bubbles: true }));
    panel.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  } else {
    const input = root.querySelector('.vw-composer input[type=file]:not([capture])');
    input.files = dt.files;
    input.dispatchEvent(new Event('change'));
  }
}"""


def test_photo_upload_preview_checks_and_image_card(
    open_widget: OpenWidget, screenshots: Path
) -> None:
    w = open_widget("/demo").open()
    page = w.page
    file_input = page.locator(".vw-composer input[type=file]:not([capture])")
    assert file_input.get_attribute("accept") == "image/jpeg,image/png,image/webp"

    # too large (over the server's 5 MiB) and wrong type: refused before sending, with the reason
    page.evaluate(DISPATCH_FILE, ["pick", None, 6 * 1024 * 1024, "image/png"])
    assert "too large (6.0 MB; the limit is 5.0 MB)" in page.locator(".vw-note").last.inner_text()
    page.evaluate(DISPATCH_FILE, ["drop", None, 10, "text/plain"])
    assert "JPEG, PNG or WebP" in page.locator(".vw-note").last.inner_text()
    assert page.locator(".vw-preview").is_hidden()

    # paste and drop both attach; the remove button detaches
    for kind in ("paste", "drop"):
        page.evaluate(DISPATCH_FILE, [kind, list(png_bytes()), 0, "image/png"])
        assert page.locator(".vw-preview").is_visible(), kind
        page.get_by_role("button", name="Remove the photo").click()
        assert page.locator(".vw-preview").is_hidden()

    with page.expect_file_chooser() as chooser:  # the attach button opens the file picker
        page.get_by_role("button", name="Attach a photo").click()
    chooser.value.set_files({"name": "spot.png", "mimeType": "image/png", "buffer": png_bytes()})
    assert page.locator(".vw-preview__img").get_attribute("src").startswith("blob:")
    before = w.bot_count()
    page.locator(".vw-input").fill("is this spot ok?")
    page.get_by_role("button", name="Send").click()
    reply = w.wait_replies(before)
    assert page.locator(".vw-msg--user .vw-msg__photo").count() == 1
    card = reply.locator(".vw-card--image_check")
    assert card.locator("img").count() == 2  # the photo with the heat map over it
    heat = card.locator(".vw-figure__heat")
    assert heat.get_attribute("src").startswith("data:image/png;base64,")
    assert heat.get_attribute("alt")
    assert card.locator(".vw-bar").count() == 2 and "60%" in card.inner_text()
    assert "within two weeks" in card.inner_text()
    w.shot(screenshots / "image_check.png")


@pytest.mark.skipif(
    "image_check" not in REGISTRY,
    reason="the image_check skill is not registered in assistant/registry.py yet",
)
def test_photo_gets_the_real_image_check_card(
    open_widget: OpenWidget, server_factory: Callable[..., LiveServer], screenshots: Path
) -> None:
    server = server_factory(skills="smalltalk,image_check")
    w = open_widget("/demo", server=server).open()
    file_input = w.page.locator(".vw-composer input[type=file]:not([capture])")
    file_input.set_input_files(
        {"name": "spot.png", "mimeType": "image/png", "buffer": png_bytes(128)}
    )
    before = w.bot_count()
    w.page.get_by_role("button", name="Send").click()
    reply = w.wait_replies(before)
    card = reply.locator(".vw-card--image_check")
    assert card.count() == 1
    assert card.locator(".vw-card__title").inner_text().strip()
    # a verdict (probabilities and what to do) or a refusal with its reason, never an empty card
    assert card.locator(".vw-bar").count() >= 1 or "couldn't check" in card.inner_text()
    w.shot(screenshots / "image_check_real.png")


# --------------------------------------------------------------------------- options and API


def test_javascript_api_events_and_options(
    open_widget: OpenWidget, live_server: LiveServer, host_site: HostSite
) -> None:
    attrs = 'data-position="left" data-theme="dark" data-title="Ask our nurse bot" data-open'
    host_site.serve({"/api.html": host_page(live_server, attrs=attrs)})
    w = open_widget(host_site.origin + "/api.html", reduced_motion="reduce")
    page = w.page
    assert page.locator(".vw-panel").is_visible()  # data-open
    assert page.get_by_role("dialog", name="Ask our nurse bot").count() == 1
    assert "vw--dark" in (page.locator(".vw").get_attribute("class") or "")
    box = page.locator(".vw-panel").bounding_box()
    assert box["x"] < 100  # data-position=left
    w.accept_notice()
    page.evaluate(
        """() => {
      window.seen = [];
      for (const name of ['open', 'close', 'message'])
        window.Vita.on(name, d => window.seen.push([name, d.role || '', d.text || '']));
      window.addEventListener('vita:close', () => window.seen.push(['window:close', '', '']));
    }"""
    )
    page.evaluate("() => window.Vita.close()")
    assert page.locator(".vw-panel").is_hidden() and not page.evaluate("() => Vita.isOpen()")
    assert page.evaluate("() => window.Vita.send('   ')") is False
    before = w.bot_count()
    assert page.evaluate("() => window.Vita.send('hi')") is True
    w.wait_replies(before)
    page.evaluate("() => window.Vita.open()")
    seen = page.evaluate("() => window.seen")
    assert seen[:3] == [["close", "", ""], ["window:close", "", ""], ["message", "user", "hi"]]
    assert seen[3][:2] == ["message", "bot"] and seen[3][2]
    assert seen[4] == ["open", "", ""]
    assert page.evaluate("() => window.Vita.version") == __version__
    dots = w.computed(".vw-typing__dots span", ["animation-name"])
    assert dots["animation-name"] == "none"  # prefers-reduced-motion is respected
