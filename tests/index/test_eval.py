"""Metrics against hand-computed values, and both qrels layouts."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from index.eval import load_collection, mrr_at, ndcg_at, read_qrels, recall_at


def test_ndcg_with_graded_relevance() -> None:
    judged = {"a": 2, "b": 1, "z": 0}
    assert ndcg_at(["a", "b", "c"], judged) == pytest.approx(1.0)
    dcg = 1 / math.log2(2) * 0 + 1 / math.log2(3) + 2 / math.log2(4)  # c, b, a
    ideal = 2 / math.log2(2) + 1 / math.log2(3)
    assert ndcg_at(["c", "b", "a"], judged) == pytest.approx(dcg / ideal)
    assert ndcg_at(["c"], {"z": 0}) == 0.0
    assert ndcg_at(["c"] * 10 + ["a"], judged, k=10) == 0.0  # beyond the cut-off


def test_recall_and_mrr() -> None:
    judged = {"a": 1, "b": 1, "c": 0}
    assert recall_at(["x", "a", "c"], judged, 100) == 0.5
    assert recall_at(["x"] * 100 + ["a"], judged, 100) == 0.0
    assert mrr_at(["x", "c", "b"], judged) == pytest.approx(1 / 3)
    assert mrr_at(["x"] * 10 + ["a"], judged) == 0.0


def test_qrels_layouts(tmp_path: Path) -> None:
    beir = tmp_path / "test.tsv"
    beir.write_text("query-id\tcorpus-id\tscore\nq1\td1\t2\nq1\td2\t0\nq2\td3\t1\n")
    trec = tmp_path / "qrels.txt"
    trec.write_text("q1 0 d1 2\nq1 0 d2 0\nq2 Q0 d3 1\n")
    assert read_qrels(beir) == read_qrels(trec) == {"q1": {"d1": 2, "d2": 0}, "q2": {"d3": 1}}
    bad = tmp_path / "bad.tsv"
    bad.write_text("q1 d1\n")
    with pytest.raises(ValueError, match="columns"):
        read_qrels(bad)


def test_collection_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not found"):
        load_collection(tmp_path)
    (tmp_path / "corpus.jsonl").write_text('{"_id": "d1", "text": "x"}\n')
    with pytest.raises(ValueError, match="--queries"):
        load_collection(tmp_path / "corpus.jsonl")
    queries = tmp_path / "q.jsonl"
    queries.write_text("[1, 2]\n")
    (tmp_path / "r.tsv").write_text("q1 d1 1\n")
    with pytest.raises(ValueError, match="line 1"):
        load_collection(tmp_path / "corpus.jsonl", queries, tmp_path / "r.tsv")
