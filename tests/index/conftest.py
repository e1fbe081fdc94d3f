"""Fixtures of the index tests: our own small corpus (tests/index/fixtures/) and the hash embedder."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.testing import settings_for_tests
from index.build import build_index
from index.embed import HashEmbedder
from index.sources import SourceSpec
from index.store import IndexStore

FIXTURES = Path(__file__).parent / "fixtures"
ARTICLES = FIXTURES / "articles"


@pytest.fixture
def embedder() -> HashEmbedder:
    return HashEmbedder(128)


@pytest.fixture
def small_store(embedder: HashEmbedder) -> IndexStore:
    """Articles, JSONL passages and exercises: every topic the filters are tested on."""
    sources = [
        SourceSpec(ARTICLES, "markdown"),
        SourceSpec(FIXTURES / "passages.jsonl", "jsonl"),
        SourceSpec(FIXTURES / "exercises.json", "exercises"),
    ]
    return build_index(sources, embedder)


@pytest.fixture
def index_settings(tmp_path: Path) -> Settings:
    """Test settings with the index switched on over the fixture articles."""
    return settings_for_tests(tmp_path, retrieval=True, index_corpus=ARTICLES)
