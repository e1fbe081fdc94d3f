"""supporting_citations: sources other skills can attach to their answers."""

from __future__ import annotations

from assistant.types import Passage
from skills.knowledge.grounding import DEFAULT_MIN_DENSE, supporting_citations
from tests.skills.knowledge.fakes import EmbeddingRetriever


def test_citations_for_a_supported_claim() -> None:
    retriever = EmbeddingRetriever()
    cites = supporting_citations(retriever, "sprained ankle rest and ice", k=2, min_dense=0.12)
    assert cites and cites[0].title == "Sprains and strains"
    assert cites[0].url == "https://example.org/sprain" and cites[0].passage_id
    assert len({c.title for c in cites}) == len(cites) <= 2  # one per article


def test_nothing_weak_or_off_topic_is_cited() -> None:
    retriever = EmbeddingRetriever()
    assert supporting_citations(retriever, "car brake repair", min_dense=0.12) == ()
    assert supporting_citations(retriever, "sprained ankle", min_dense=0.99) == ()
    assert supporting_citations(retriever, "sprained ankle", k=0, min_dense=0.12) == ()


def test_never_raises() -> None:
    class Broken:
        def search(self, query: str, k: int = 5, topic: str | None = None) -> list[Passage]:
            raise RuntimeError("index corrupt")

    assert supporting_citations(None, "sprained ankle") == ()
    assert supporting_citations(Broken(), "sprained ankle") == ()
    assert supporting_citations(EmbeddingRetriever(), "\x00\x01  ") == ()


def test_topic_filter_is_passed_on() -> None:
    retriever = EmbeddingRetriever()
    cites = supporting_citations(retriever, "protein sleep", k=3, min_dense=0.05, topic="sleep")
    assert [c.title for c in cites] == ["Sleep for adults"]


def test_default_matches_the_settings_default() -> None:
    from assistant.config import Settings

    assert Settings().knowledge_min_score == DEFAULT_MIN_DENSE
