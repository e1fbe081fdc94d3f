"""A real Vita server on 127.0.0.1 and a real headless Chromium for the browser tests.

The server runs in a uvicorn thread with fast settings (hash embedder, rule-only safety screen,
no index, SQLite sessions in tmp) and, besides smalltalk, the test-only :class:`CardSkill`
(``tests/web/cards.py``) so every card type can be rendered without the real models. It allows
one extra origin, ``server.host_origin``, where :class:`HostSite` serves the tests' own host
pages, so the widget is also exercised cross-origin, as on a customer's site.

Skipped (with the reason) when /usr/bin/chromium or the ``playwright`` package is missing;
Playwright's own browser download is never used. Screenshots go to ``var/screenshots`` (or
``$VITA_SCREENSHOTS``); the folder is printed at the end of the run.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.web.helpers import Widget

START_TIMEOUT_S = 60.0
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
SCREENSHOTS = Path(os.environ.get("VITA_SCREENSHOTS", REPO / "var" / "screenshots"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """One uvicorn server in a daemon thread; ``stop()`` and ``start()`` again keep the port.

    Args:
        data_dir: where its SQLite database lives (kept across a restart).
        extra_skills: makes skill objects for each start (smalltalk is added as the fallback).
        overrides: settings to change, e.g. ``skills=("smalltalk", "image_check")``.
    """

    def __init__(
        self,
        data_dir: Path,
        extra_skills: Callable[[], Sequence[Any]] | None = None,
        **overrides: Any,
    ) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.host_origin = f"http://127.0.0.1:{free_port()}"
        self.extra_skills = extra_skills
        self.overrides = overrides
        self.runtime: Any = None
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> LiveServer:
        import uvicorn

        from assistant.server import create_app
        from assistant.testing import runtime_for_tests, settings_for_tests

        values: dict[str, Any] = {
            "session_store": "sqlite",
            "allowed_origins": self.host_origin,
            "rate_limit_burst": 100,
            **self.overrides,
        }
        settings = settings_for_tests(self.data_dir, **values)
        # a fresh runtime per start: stopping the app closes its store
        extra = self.extra_skills
        self.runtime = runtime_for_tests(settings, list(extra())) if extra else None
        config = uvicorn.Config(
            create_app(settings, self.runtime),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, name=f"vita-{self.port}", daemon=True
        )
        self._thread.start()
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self._thread is not None
            if not self._thread.is_alive():
                raise RuntimeError(f"the server thread exited before {self.url}/readyz answered")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.url}/readyz did not answer within {START_TIMEOUT_S:.0f} s")

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
            if self._thread.is_alive():
                # open websockets held it up; force it so the port is free for a restart
                self._server.force_exit = True
                self._thread.join(timeout=10)
        self._server = None
        self._thread = None


class HostSite:
    """A customer's web site on another origin than Vita's: serves the HTML pages it is given.

    A real server on 127.0.0.1 rather than a Playwright route: Chromium treats a routed page as
    public, and its Local Network Access rules would then block the widget on 127.0.0.1.
    """

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path.split("?")[0])
                data = (body or "not found").encode("utf-8")
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:  # keep the test output quiet
                return None

        port = int(origin.rsplit(":", 1)[1])
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def serve(self, pages: dict[str, str]) -> None:
        self.pages.clear()
        self.pages.update(pages)

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _card_skills() -> list[Any]:
    from tests.web.cards import CardSkill

    return [CardSkill()]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server shared by the browser tests of a run (smalltalk + the test card skill)."""
    server = LiveServer(tmp_path_factory.mktemp("vita-web"), extra_skills=_card_skills).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def host_site(live_server: LiveServer) -> Iterator[HostSite]:
    """Another origin (listed in the server's allowed_origins) that serves test host pages."""
    site = HostSite(live_server.host_origin)
    yield site
    site.close()


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """Servers of the test's own (they may be stopped and restarted); stopped afterwards."""
    servers: list[LiveServer] = []

    def make(**overrides: Any) -> LiveServer:
        server = LiveServer(tmp_path / f"server{len(servers)}", **overrides)
        server.data_dir.mkdir()
        servers.append(server)
        return server.start()

    yield make
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found (make browser-deps, or apt-get install chromium)")
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason="the playwright package is not installed (pip install playwright)",
    )
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def open_widget(browser: Any, live_server: LiveServer) -> Iterator[Callable[..., Widget]]:
    """Opens pages in fresh browser contexts (own localStorage).

    Afterwards it checks that no page had a script error, a console error (a CSP violation is
    one) or a dialog (``alert`` from injected markup would be one).
    """
    contexts: list[Any] = []
    widgets: list[Widget] = []

    def make(
        path: str = "/demo",
        *,
        server: LiveServer | None = None,
        before_open: Callable[[Any], None] | None = None,
        **context_args: Any,
    ) -> Widget:
        context_args.setdefault("locale", "en-US")
        context_args.setdefault("viewport", {"width": 1100, "height": 800})
        context = browser.new_context(**context_args)
        contexts.append(context)
        widget = Widget(context.new_page(), server or live_server)
        widgets.append(widget)
        if before_open is not None:
            before_open(widget.page)
        return widget.goto(path)

    yield make
    for context in contexts:
        context.close()
    for widget in widgets:
        assert widget.errors == [], f"script or console errors on the page: {widget.errors}"
        assert widget.dialogs == [], f"unexpected dialogs: {widget.dialogs}"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SCREENSHOTS.is_dir() and any(SCREENSHOTS.glob("*.png")):
        terminalreporter.write_line(f"browser screenshots: {SCREENSHOTS}")
