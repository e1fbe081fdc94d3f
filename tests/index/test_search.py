"""Hybrid search: RRF ordering, both raw scores on every hit, filters, bad queries, IVF recall."""

from __future__ import annotations

import numpy as np
import pytest

from index.dense import DenseIndex
from index.embed import HashEmbedder
from index.search import Fusion, Searcher, clean_query, doc_ranking
from index.store import IndexStore

QUERY = "ice and a raised foot for a swollen sprained ankle"


def test_hybrid_score_is_reciprocal_rank_fusion_of_both_rankings(
    small_store: IndexStore, embedder: HashEmbedder
) -> None:
    searcher = Searcher(small_store, embedder, Fusion(rrf_k=60, dense_weight=1.0, bm25_weight=2.0))
    n = len(small_store.table)
    dense = {h.row: h.rank for h in searcher.search(QUERY, k=n, mode="dense")}
    bm25 = {h.row: h.rank for h in searcher.search(QUERY, k=n, mode="bm25")}
    hybrid = searcher.search(QUERY, k=n)
    assert len(bm25) < n  # passages sharing no word with the query are no BM25 candidates
    expected = {
        row: (1.0 / (60 + dense[row]) if row in dense else 0.0)
        + (2.0 / (60 + bm25[row]) if row in bm25 else 0.0)
        for row in set(dense) | set(bm25)
    }
    assert [h.row for h in hybrid] == sorted(
        expected, key=lambda r: (-expected[r], -hybrid_dense(hybrid, r), r)
    )
    for hit in hybrid:
        assert hit.score == pytest.approx(expected[hit.row])
        assert (hit.dense_rank, hit.bm25_rank) == (dense.get(hit.row), bm25.get(hit.row))
    assert [h.rank for h in hybrid] == list(range(1, len(hybrid) + 1))
    top = searcher.passage(hybrid[0])
    assert top.doc_id == "first_aid/sprained-ankle"


def hybrid_dense(hits: list, row: int) -> float:  # type: ignore[type-arg]
    return next(h.dense_score for h in hits if h.row == row)


def test_weights_steer_the_fusion(small_store: IndexStore, embedder: HashEmbedder) -> None:
    only_dense = Searcher(small_store, embedder, Fusion(bm25_weight=0.0))
    plain_dense = Searcher(small_store, embedder)
    assert [h.row for h in only_dense.search(QUERY, 5)] == [
        h.row for h in plain_dense.search(QUERY, 5, mode="dense")
    ]


def test_every_hit_carries_the_true_cosine_and_bm25_score(
    small_store: IndexStore, embedder: HashEmbedder
) -> None:
    searcher = Searcher(small_store, embedder, Fusion(candidates=2))
    hits = searcher.search(QUERY, k=4)
    assert any(h.dense_rank is None for h in hits), "expected a hit only BM25 found"
    assert any(h.bm25_rank is None for h in hits), "expected a hit only the dense side found"
    query = embedder.encode([clean_query(QUERY)])[0]
    bm25 = small_store.sparse.scores(clean_query(QUERY))
    for hit in hits:
        vector = small_store.dense.vectors(np.array([hit.row]))[0]
        assert hit.dense_score == pytest.approx(float(vector @ query), abs=1e-5)
        assert hit.bm25_score == pytest.approx(float(bm25[hit.row]))
        meta = searcher.passage(hit).metadata
        assert meta["dense_score"] == hit.dense_score and meta["bm25_score"] == hit.bm25_score


def test_topic_filter(small_store: IndexStore, embedder: HashEmbedder) -> None:
    searcher = Searcher(small_store, embedder)
    for topic in ("fitness", "first_aid", "nutrition", "medical", "mental_health"):
        hits = searcher.search("water walking ankle headache sleep", k=20, filters={"topic": topic})
        assert hits, topic
        assert {searcher.passage(h).metadata["topic"] for h in hits} == {topic}
    assert searcher.search(QUERY, k=5, filters={"topic": "astrology"}) == []
    both = searcher.search(QUERY, k=20, filters={"topic": "fitness", "format": "exercises"})
    assert both and {searcher.passage(h).doc_id for h in both} <= {
        "exercise/Wall_Push-Up",
        "exercise/Step_Up",
    }


@pytest.mark.parametrize(
    "query",
    ["", "   ", "\x00\x01\x02", "\u200b\u200b", "x" * 10_000, "ankle " * 2_000, "💧🦶 ice?!"],
)
def test_bad_queries_never_raise(
    small_store: IndexStore, embedder: HashEmbedder, query: str
) -> None:
    hits = Searcher(small_store, embedder).search(query, k=3)
    assert len(hits) <= 3
    if not clean_query(query):
        assert hits == []


def test_clean_query() -> None:
    assert clean_query("ankle\x00pain\n\tnow\x1b[31m") == "ankle pain now [31m"
    long = clean_query("word " * 5000, max_chars=1000)
    assert len(long) <= 1000 and long.endswith("word")
    assert clean_query("\u202e\u200b") == ""


def test_doc_ranking_collapses_passages(small_store: IndexStore, embedder: HashEmbedder) -> None:
    hits = Searcher(small_store, embedder).search("walking pace steps hills technique", k=10)
    docs = doc_ranking(small_store, hits, 10)
    assert len(docs) == len({d for d, _ in docs})
    assert docs[0][0] == "fitness/walking"


def test_large_collections_get_an_ivf_index_with_measured_recall() -> None:
    rng = np.random.default_rng(1)
    centres = rng.standard_normal((40, 32)).astype(np.float32)
    vectors = centres[rng.integers(0, 40, 4000)] + 0.3 * rng.standard_normal((4000, 32)).astype(
        np.float32
    )
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    small = DenseIndex.build(vectors, exact_max=10_000)
    assert small.info.kind == "flat" and small.info.recall_at_10 == 1.0
    big = DenseIndex.build(vectors, exact_max=1000)
    assert big.info.kind == "ivf" and big.info.recall_at_10 >= 0.95
    assert 1 <= big.info.nprobe <= big.info.nlist and big.info.recall_queries > 0
    # vectors read back for re-scoring are the ones stored
    assert np.allclose(big.vectors(np.array([5, 17])), vectors[[5, 17]])
    allowed = np.arange(0, 4000, 2)
    _, ids = big.search(vectors[:3], 10, allowed=allowed)
    assert set(ids[ids >= 0].tolist()) <= set(allowed.tolist())


def test_concurrent_searches_agree_with_sequential_ones(
    small_store: IndexStore, embedder: HashEmbedder
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    searcher = Searcher(small_store, embedder)
    queries = ["ankle ice", "water per day", "walking technique hills", "sleep worries"] * 10
    expected = [[h.row for h in searcher.search(q, 5)] for q in queries]
    with ThreadPoolExecutor(8) as pool:
        found = list(pool.map(lambda q: [h.row for h in searcher.search(q, 5)], queries))
    assert found == expected
