"""The real MiniLM model over our fixture articles: meaning, not just shared words."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.testing import settings_for_tests
from index.embed import MiniLMEmbedder
from index.service import open_retriever
from tests.index.conftest import ARTICLES

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    data = tmp_path_factory.mktemp("minilm")
    settings = settings_for_tests(data, retrieval=True, index_corpus=ARTICLES, embedder="minilm")
    found = open_retriever(settings, MiniLMEmbedder())
    found.warm_up()
    assert found.available, found.error
    return found


@pytest.mark.parametrize(
    ("query", "doc_id"),
    [
        ("my head is pounding and bright light hurts my eyes", "conditions/migraine"),
        ("I twisted my foot playing football and it is swollen", "first_aid/sprained-ankle"),
        ("I can't switch off my thoughts at night", "mental_health/sleep-and-stress"),
        ("how do I know if I'm dehydrated", "nutrition/hydration"),
    ],
)
def test_paraphrases_find_their_article(retriever, query: str, doc_id: str) -> None:  # type: ignore[no-untyped-def]
    top = retriever.search(query, k=3)
    assert top[0].doc_id == doc_id


def test_dense_score_separates_relevant_from_unrelated(retriever) -> None:  # type: ignore[no-untyped-def]
    def best(query: str) -> float:
        return max(p.metadata["dense_score"] for p in retriever.search(query, k=3))

    assert best("how do I change a car tyre") < 0.35 < best("what helps a migraine attack") <= 1.0


def test_index_records_the_model(retriever, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    manifest = retriever.manifest
    assert manifest.embedder == MiniLMEmbedder.name and manifest.dim == 384
