"""Shared fixtures: fast settings (memory store, hashing embedder, pattern-only safety)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.config import Settings
from assistant.runtime import Runtime
from assistant.server import create_app
from assistant.testing import runtime_for_tests, settings_for_tests

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_for_tests(tmp_path)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = runtime_for_tests(settings)
    rt.warm_up()
    yield rt
    rt.close()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The real app (smalltalk + safety) over a memory store."""
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture
def patient_client(tmp_path: Path) -> Iterator[TestClient]:
    """The real app with a rate limit high enough for tests that send many frames on purpose."""
    settings = settings_for_tests(tmp_path, rate_limit_burst=1000)
    with TestClient(create_app(settings)) as c:
        yield c
