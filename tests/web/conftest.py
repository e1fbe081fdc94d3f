"""A real Vita server on 127.0.0.1 for the browser tests, run by uvicorn in a background thread.

The server is imported inside the fixtures, so collecting tests/web never fails on a machine
where the server (or one of its dependencies) is broken; the test that needs it fails instead.
Fast settings: the hash embedder and the rule-only safety screen, SQLite sessions in tmp.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

START_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """One uvicorn server in a daemon thread; ``stop()`` and ``start()`` again keep the port."""

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = None
        self._thread: threading.Thread | None = None

    def start(self) -> LiveServer:
        import uvicorn

        from assistant.config import Settings
        from assistant.server import create_app

        settings = Settings.load(
            env={},
            toml_path=self.data_dir / "none.toml",
            data_dir=self.data_dir,
            session_store="sqlite",
            embedder="hash",
            safety_semantic=False,
        )
        config = uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=self.port, log_level="warning"
        )
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(target=server.run, name=f"vita-{self.port}", daemon=True)
        self._thread.start()
        self._wait_healthy()
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self._thread is not None
            if not self._thread.is_alive():
                raise RuntimeError(f"the server thread exited before {self.url}/healthz answered")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.url}/healthz did not answer within {START_TIMEOUT_S:.0f} s")

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
            if self._thread.is_alive():
                # open websockets held it up; force it so the port is free for a restart
                assert self._server is not None
                self._server.force_exit = True
                self._thread.join(timeout=10)
        self._server = None
        self._thread = None


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server shared by the browser tests of a run."""
    server = LiveServer(tmp_path_factory.mktemp("vita-web")).start()
    yield server
    server.stop()


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[Callable[[], LiveServer]]:
    """A server of the test's own (so it may be stopped and restarted); stopped afterwards."""
    servers: list[LiveServer] = []

    def make() -> LiveServer:
        server = LiveServer(tmp_path / f"server{len(servers)}")
        server.data_dir.mkdir()
        servers.append(server)
        return server.start()

    yield make
    for server in servers:
        server.stop()
