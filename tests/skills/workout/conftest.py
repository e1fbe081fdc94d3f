"""Fixtures of the workout tests: the fixture catalogue, prompts, and settings that use them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.config import Settings
from assistant.prompts import Prompts
from assistant.server import create_app
from assistant.testing import settings_for_tests
from skills.workout.catalogue import PACKAGED, Catalogue, load_catalogue

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CATALOGUE = FIXTURES / "catalogue.yaml"


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue(CATALOGUE)


@pytest.fixture(scope="session")
def real_catalogue() -> Catalogue:
    return load_catalogue(PACKAGED)


@pytest.fixture(scope="session")
def prompts() -> Prompts:
    return Prompts(Settings().prompts_dir)


@pytest.fixture
def workout_settings(tmp_path: Path) -> Settings:
    return settings_for_tests(
        tmp_path, skills="workout", workout_catalogue=str(CATALOGUE), rate_limit_burst=1000
    )


@pytest.fixture(scope="module")
def workout_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The real app with the workout skill (fixture catalogue) over a memory store, shared by a
    module's tests (each test makes its own sessions)."""
    settings = settings_for_tests(
        tmp_path_factory.mktemp("app"),
        skills="workout",
        workout_catalogue=str(CATALOGUE),
        rate_limit_burst=1000,
    )
    with TestClient(create_app(settings)) as client:
        yield client
