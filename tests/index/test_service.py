"""The runtime contract: open_retriever, warm-up builds then reuses, Passage fields, wiring."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.runtime import Runtime
from assistant.testing import FakeRetriever, runtime_for_tests, settings_for_tests
from assistant.types import Passage
from index.embed import HashEmbedder
from index.service import IndexRetriever, open_retriever
from tests.index.conftest import ARTICLES

CONTRACT_KEYS = {
    "topic",
    "url",
    "source",
    "audience",
    "reviewed",
    "dense_score",
    "bm25_score",
    "rank",
}


def test_search_returns_passages_with_the_contract_metadata(index_settings: Settings) -> None:
    retriever = open_retriever(index_settings, HashEmbedder())
    assert not retriever.available  # cheap constructor: nothing read yet
    retriever.warm_up()
    passages = retriever.search("how much water should I drink each day", k=3)
    assert 1 <= len(passages) <= 3 and all(isinstance(p, Passage) for p in passages)
    top = passages[0]
    assert top.doc_id == "nutrition/hydration" and top.title == "Drinking enough water"
    assert top.passage_id.startswith("nutrition/hydration#")
    assert set(top.metadata) >= CONTRACT_KEYS
    assert top.metadata["url"] == "https://example.org/vita-fixtures/hydration"
    assert top.metadata["rank"] == 1 and top.score > 0
    assert all(isinstance(p.metadata["dense_score"], float) for p in passages)
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)
    assert top.to_citation().url == top.metadata["url"]


def test_topic_and_bad_input(index_settings: Settings) -> None:
    retriever = open_retriever(index_settings, HashEmbedder())
    fitness = retriever.search("walking water ankle", k=10, topic="fitness")  # warms up lazily
    assert fitness and {p.metadata["topic"] for p in fitness} == {"fitness"}
    assert retriever.search("walking", k=5, topic="astrology") == []
    assert retriever.search("", k=5) == [] and retriever.search("\x00\x07", k=5) == []
    assert retriever.search("ankle", k=0) == []
    assert len(retriever.search("ankle " * 3000, k=2)) <= 2
    assert retriever.topics()["fitness"] >= 5


def test_second_start_reuses_the_index(
    index_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="vita.index")
    open_retriever(index_settings, HashEmbedder()).warm_up()
    assert any(
        r.message.startswith("build: embedding") for r in caplog.records
    )  # progress in the log
    assert any("built" in r.message for r in caplog.records)
    caplog.clear()
    second = open_retriever(index_settings, HashEmbedder())
    second.warm_up()
    assert any("loaded" in r.message and "corpus unchanged" in r.message for r in caplog.records)
    assert not any(r.message.startswith("build: embedding") for r in caplog.records)


def test_a_failed_warm_up_is_logged_and_search_answers_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for_tests(tmp_path, retrieval=True, index_corpus=tmp_path / "no-corpus")
    retriever = open_retriever(settings, HashEmbedder())
    retriever.warm_up()
    assert not retriever.available and retriever.error and "not found" in retriever.error
    assert "could not build" in caplog.text
    assert retriever.search("ankle") == []


def test_runtime_wires_one_embedder_into_safety_and_index(tmp_path: Path) -> None:
    settings = settings_for_tests(
        tmp_path, retrieval=True, safety_semantic=True, index_corpus=ARTICLES
    )
    runtime = Runtime.build(settings, skills=[], store=None)
    try:
        retriever = runtime.retriever
        assert isinstance(retriever, IndexRetriever)
        assert retriever.embedder is runtime.manager.safety._embedder
        runtime.manager.warm_up()  # the manager warms the index too
        assert retriever.available and (tmp_path / "index" / "current" / "manifest.json").is_file()
    finally:
        runtime.close()


def test_tests_keep_retrieval_off_and_an_explicit_retriever_wins(tmp_path: Path) -> None:
    settings = settings_for_tests(tmp_path)
    assert settings.retrieval is False
    assert runtime_for_tests(settings).retriever is None
    fake = FakeRetriever([Passage("p", "d", "t", "ankle ice")])
    on = settings_for_tests(tmp_path, retrieval=True)
    assert Runtime.build(on, skills=[], retriever=fake).retriever is fake
