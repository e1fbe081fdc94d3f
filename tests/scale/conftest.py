"""Scale-out fixtures: a real redis-server, real Vita server processes sharing it, a balancer.

* ``redis_server`` (package): ``redis-server`` on a free 127.0.0.1 port, no persistence of its
  own, in a temporary folder; :meth:`RedisServer.restart` shuts it down (saving a snapshot, as a
  Redis with persistence would) and starts it again on the same port.
* ``vita_pair``: two ``vita serve`` processes (started once per package) on free ports sharing
  that Redis, with only smalltalk and triage switched on and no index or sentence model, so they
  start in seconds. Server A runs ``--workers 2``; server B is one process, which the fault test
  may SIGKILL. A server found dead when a test starts is started again.
* :class:`Balancer`: a load balancer stand-in that forwards the raw bytes of each TCP connection
  to the first backend that accepts it (websockets included), as a balancer with health checks
  and without sticky sessions would.

Everything skips, saying why, when ``redis-server`` is not installed (``make redis-deps``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from tests.web.conftest import free_port

__all__ = ["Balancer", "RedisServer", "VitaServer", "free_port"]

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 90.0
# the servers' rate limit (per session and per client): 10 messages at once, then one every
# 10 s, so the shared-limit test can count precisely however slowly the machine answers; each
# test starts with full buckets (``redis_client``)
RATE_BURST = 10
RATE_PER_MINUTE = 6


def redis_binary() -> str | None:
    return shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )


class RedisServer:
    """A ``redis-server`` process of the tests' own."""

    def __init__(self, binary: str, folder: Path) -> None:
        self.binary = binary
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        log = (self.folder / "redis.log").open("ab")
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        client = self.client()
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.exceptions.RedisError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start, see {self.folder}") from None
                time.sleep(0.05)
        client.close()
        return self

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, decode_responses=True, socket_timeout=5)

    def stop(self) -> None:
        """Shut down cleanly, writing a snapshot that the next start loads."""
        if self.proc is None:
            return
        with contextlib.suppress(redis.exceptions.RedisError):
            self.client().save()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


@pytest.fixture(scope="package")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    binary = redis_binary()
    if binary is None:
        pytest.skip(
            "redis-server is not installed (make redis-deps, or apt-get install redis-server)"
        )
    server = RedisServer(binary, tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def redis_client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    """A client of the test's own; rate-limit buckets are emptied so tests do not share them."""
    client = redis_server.client()
    for key in client.scan_iter(match="vita:rate:*"):
        client.delete(key)
    yield client
    client.close()


class VitaServer:
    """``vita serve`` in a process of its own, on a free port, sessions in the given Redis."""

    def __init__(self, name: str, redis_url: str, folder: Path, workers: int = 1) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws"
        self.workers = workers
        self.folder = folder
        self.log = folder / f"{name}.log"
        self.env = {
            **os.environ,
            "OMP_NUM_THREADS": "1",
            "VITA_SESSION_STORE": redis_url,
            "VITA_DATA_DIR": str(folder / "var"),
            "VITA_CONFIG": str(folder / "none.toml"),
            "VITA_SKILLS": "smalltalk,triage",
            "VITA_RETRIEVAL": "false",
            "VITA_SAFETY_SEMANTIC": "false",
            "VITA_EMBEDDER": "hash",
            "VITA_RATE_LIMIT_BURST": str(RATE_BURST),
            "VITA_RATE_LIMIT_PER_MINUTE": str(RATE_PER_MINUTE),
            "VITA_LOG_LEVEL": "warning",
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self._stopping = False

    def spawn(self) -> VitaServer:
        args = [sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1"]
        args += ["--port", str(self.port), "--workers", str(self.workers)]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                args, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        self._stopping = False
        return self

    def wait_ready(self) -> VitaServer:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if not self.alive:
                raise RuntimeError(f"{self.name} exited:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return self
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready in {START_TIMEOUT_S:.0f} s:\n{self.log_tail()}")

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs (one process only: use it on ``workers=1``)."""
        assert self.proc is not None and self.workers == 1
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def request_stop(self) -> None:
        """Ask it to shut down, like Ctrl-C (once), without waiting."""
        if self.alive and not self._stopping:
            assert self.proc is not None
            self.proc.send_signal(signal.SIGINT)
            self._stopping = True

    def stop(self) -> None:
        self.request_stop()
        if self.proc is not None:
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def chat(self, text: str, session_id: str | None = None, **kw: Any) -> httpx.Response:
        body: dict[str, Any] = {"text": text}
        if session_id:
            body["session_id"] = session_id
        return httpx.post(f"{self.url}/api/v1/chat", json=body, timeout=kw.get("timeout", 30))


@pytest.fixture(scope="package")
def vita_servers(
    redis_server: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[VitaServer, VitaServer]]:
    folder = tmp_path_factory.mktemp("vita-scale")
    pair = (
        VitaServer("A", redis_server.url, folder, workers=2),
        VitaServer("B", redis_server.url, folder),
    )
    for server in pair:  # both load their models at the same time
        server.spawn()
    try:
        for server in pair:
            server.wait_ready()
        yield pair
    finally:
        for server in pair:
            server.request_stop()
        for server in pair:
            server.stop()


@pytest.fixture
def vita_pair(
    vita_servers: tuple[VitaServer, VitaServer], redis_client: redis.Redis
) -> tuple[VitaServer, VitaServer]:
    """The two servers, both up (one killed by an earlier test is started again)."""
    for server in vita_servers:
        if not server.alive:
            server.spawn().wait_ready()
    return vita_servers


class Balancer:
    """Forwards each TCP connection's bytes to the first backend port that accepts it."""

    def __init__(self, backends: list[int]) -> None:
        self.backends = backends
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.chosen: list[int] = []  # the backend of each connection, in order
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._handle, "127.0.0.1", self.port), self._loop
        ).result(10)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for port in self.backends:
            try:
                up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                continue  # that backend is down: try the next
            self.chosen.append(port)
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
            return
        writer.close()

    def close(self) -> None:
        async def shut() -> None:
            self._server.close()
            pipes = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in pipes:
                task.cancel()
            await asyncio.gather(*pipes, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shut(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()
