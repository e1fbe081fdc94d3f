"""GET /api/v1/search through the real app, over a small index built at warm-up."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.runtime import Runtime
from assistant.server import create_app
from assistant.testing import FakeRetriever, settings_for_tests
from assistant.types import Passage
from tests.index.conftest import ARTICLES


@pytest.fixture
def api(tmp_path: Path) -> Iterator[TestClient]:
    settings = settings_for_tests(
        tmp_path, retrieval=True, index_corpus=ARTICLES, rate_limit_burst=1000
    )
    with TestClient(create_app(settings)) as client:
        yield client


def _err(response, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["code"] == code and body["error"]["message"]


def test_search_returns_passages(api: TestClient) -> None:
    r = api.get("/api/v1/search", params={"q": "ice pack for a sprained ankle", "k": 2})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["query"] == "ice pack for a sprained ankle" and body["k"] == 2
    top = body["results"][0]
    assert top["title"] == "Sprained ankle first aid"
    assert top["url"] == "https://example.org/vita-fixtures/sprained-ankle"
    assert top["text"].startswith("Rest the ankle") and top["score"] > 0
    assert {"dense_score", "bm25_score", "doc_id", "passage_id", "topic"} <= set(top)
    assert len(body["results"]) == 2


def test_topic_filter_and_unknown_topic(api: TestClient) -> None:
    r = api.get("/api/v1/search", params={"q": "water walking ankle", "k": 10, "topic": "Fitness"})
    assert r.status_code == 200 and {p["topic"] for p in r.json()["results"]} == {"fitness"}
    r = api.get("/api/v1/search", params={"q": "ankle", "topic": "astrology"})
    _err(r, 400, "unknown_topic")
    assert "fitness" in r.json()["error"]["message"]


def test_bad_queries(api: TestClient) -> None:
    _err(api.get("/api/v1/search"), 400, "empty_query")
    _err(api.get("/api/v1/search", params={"q": " \x00\x01 "}), 400, "empty_query")
    _err(api.get("/api/v1/search", params={"q": "x" * 10_000}), 400, "query_too_long")
    _err(api.get("/api/v1/search", params={"q": "ankle", "k": 0}), 400, "bad_search_k")
    _err(api.get("/api/v1/search", params={"q": "ankle", "k": 500}), 400, "bad_search_k")
    _err(api.get("/api/v1/search", params={"q": "ankle", "k": "many"}), 422, "bad_request")
    r = api.get("/api/v1/search", params={"q": "ankle\x1b[2J pain\u202e"})
    assert r.status_code == 200 and r.json()["query"] == "ankle [2J pain"


def test_unavailable_index(tmp_path: Path) -> None:
    off = settings_for_tests(tmp_path)  # retrieval switched off
    with TestClient(create_app(off)) as client:
        _err(client.get("/api/v1/search", params={"q": "ankle"}), 503, "index_unavailable")
    broken = settings_for_tests(tmp_path, retrieval=True, index_corpus=tmp_path / "nothing")
    with TestClient(create_app(broken)) as client:
        r = client.get("/api/v1/search", params={"q": "ankle"})
        _err(r, 503, "index_unavailable")
        assert "not found" in r.json()["error"]["message"]


def test_any_retriever_can_serve_the_endpoint(tmp_path: Path) -> None:
    settings = settings_for_tests(tmp_path)
    fake = FakeRetriever([Passage("p1", "d1", "Ankles", "ankle ice rest", 0.5, {"url": "u"})])
    runtime = Runtime.build(settings, retriever=fake)
    with TestClient(create_app(settings, runtime=runtime)) as client:
        r = client.get("/api/v1/search", params={"q": "ankle"})
        assert r.status_code == 200
        assert r.json()["results"][0]["url"] == "u"
        assert r.json()["results"][0]["dense_score"] == 0.0
