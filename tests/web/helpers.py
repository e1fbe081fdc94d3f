"""Driving the widget in a Playwright page: open it, talk to it, read its Shadow DOM.

Playwright's CSS locators pierce open shadow roots, so ``page.locator(".vw-msg--bot")`` finds the
widget's messages; JavaScript run in the page reaches them through ``vita-chat``'s shadowRoot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from tests.web.conftest import LiveServer

TIMEOUT_MS = 20_000

# JavaScript snippets run in the page
SHADOW = "document.querySelector('vita-chat').shadowRoot"
IS_ONLINE = "() => !!document.querySelector('vita-chat[data-connection=online]')"
ACTIVE = """() => {
  const host = document.querySelector('vita-chat');
  if (!host || document.activeElement !== host) return null;
  const a = host.shadowRoot.activeElement;
  return a ? { cls: a.className, tag: a.tagName.toLowerCase(), text: a.textContent.trim(),
               inPanel: !!a.closest('.vw-panel'), launcher: a.classList.contains('vw-launcher') } : null;
}"""


class Widget:
    """One browser tab with the widget, and the few actions the tests need."""

    def __init__(self, page: Any, server: LiveServer) -> None:
        self.page = page
        self.server = server
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("console", self._on_console)
        page.on("dialog", self._on_dialog)
        page.set_default_timeout(TIMEOUT_MS)

    def _on_console(self, msg: Any) -> None:
        # a refused connection while the test has stopped the server is expected
        if msg.type == "error" and "ERR_CONNECTION_REFUSED" not in msg.text:
            self.errors.append(f"console: {msg.text}")

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    # ------------------------------------------------------------------ navigation

    def goto(self, path: str) -> Widget:
        url = path if path.startswith("http") else f"{self.server.url}{path}"
        self.page.goto(url)
        self.wait_online()
        return self

    def wait_online(self, timeout: int = TIMEOUT_MS) -> None:
        """Until a hello came back on the current socket."""
        self.page.wait_for_function(IS_ONLINE, timeout=timeout)

    def session(self) -> str | None:
        return cast("str | None", self.page.evaluate("() => window.Vita.sessionId()"))

    def active(self) -> dict[str, Any] | None:
        """The focused element inside the widget (None when focus is outside it)."""
        return cast("dict[str, Any] | None", self.page.evaluate(ACTIVE))

    # ------------------------------------------------------------------ actions

    def open(self) -> Widget:
        """Open the floating panel with the launcher and accept the first-open notice."""
        self.page.locator(".vw-launcher").click()
        self.page.locator(".vw-panel").wait_for()
        self.accept_notice()
        return self

    def accept_notice(self) -> None:
        button = self.page.locator(".vw-notice .vw-btn--primary")
        if button.is_visible():
            button.click()
        self.page.locator(".vw-input").wait_for()

    def bot_count(self) -> int:
        return int(self.page.locator(".vw-msg--bot").count())

    def wait_replies(self, before: int, count: int = 1) -> Any:
        """Until ``count`` more replies came and typing is off; returns the last reply."""
        self.page.wait_for_function(
            f"n => {SHADOW}.querySelectorAll('.vw-msg--bot').length >= n", arg=before + count
        )
        self.page.locator(".vw-typing").wait_for(state="hidden")
        return self.page.locator(".vw-msg--bot").last

    def say(self, text: str) -> Any:
        before = self.bot_count()
        box = self.page.locator(".vw-input")
        box.fill(text)
        box.press("Enter")
        return self.wait_replies(before)

    def user_texts(self) -> list[str]:
        return [
            t.strip() for t in self.page.locator(".vw-msg--user .vw-msg__text").all_inner_texts()
        ]

    def bot_texts(self) -> list[str]:
        return cast(
            "list[str]", self.page.locator(".vw-msg--bot > .vw-msg__text").all_inner_texts()
        )

    def computed(self, selector: str, props: list[str]) -> dict[str, str]:
        """Computed style properties of the first element matching ``selector`` in the widget."""
        return cast(
            "dict[str, str]",
            self.page.evaluate(
                f"""([sel, props]) => {{
              const node = {SHADOW}.querySelector(sel);
              const style = getComputedStyle(node);
              return Object.fromEntries(props.map(p => [p, style.getPropertyValue(p)]));
            }}""",
                [selector, props],
            ),
        )

    def shot(self, path: Any, **kwargs: Any) -> None:
        self.page.screenshot(path=str(path), **kwargs)
