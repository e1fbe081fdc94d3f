"""Retrieval evaluation: BEIR-layout collections and TREC qrels; nDCG@10, Recall@100, MRR@10.

``vita eval retrieval --corpus C --queries Q --qrels R`` (or ``--corpus DIR`` holding BEIR's
``corpus.jsonl``, ``queries.jsonl`` and ``qrels/test.tsv``) indexes the corpus into its own folder
under the data directory (reused while the corpus is unchanged), runs every query through BM25
alone, dense alone and the hybrid, and prints the three side by side.

Decisions:
    * Rankings are per document: passages are collapsed to their document (a document ranks by
      its best passage), as BEIR judges documents; three passages per wanted document are fetched
      so that a collapse still leaves ``Recall@100`` a hundred documents.
    * nDCG uses the graded relevance as gain (``rel / log2(rank + 1)``), as ``trec_eval`` does;
      Recall and MRR count any relevance above 0 as relevant. Queries without a relevant document
      in the qrels are left out, as in BEIR.
    * Qrels are read in either layout: BEIR TSV (``query-id  corpus-id  score``, header optional)
      or TREC (``qid  iteration  docid  relevance``), told apart by their column count.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.search import MODES, Mode, Searcher, doc_ranking

Qrels = dict[str, dict[str, int]]


@dataclass(frozen=True)
class Collection:
    """A test collection: the corpus file, the queries and the relevance judgements."""

    corpus: Path
    queries: dict[str, str]
    qrels: Qrels


def find_beir(corpus: Path, queries: Path | None, qrels: Path | None) -> tuple[Path, Path, Path]:
    """Fill in BEIR's file names when ``corpus`` is the collection's folder."""
    if corpus.is_dir():
        folder = corpus
        corpus = folder / "corpus.jsonl"
        queries = queries or folder / "queries.jsonl"
        qrels = qrels or folder / "qrels" / "test.tsv"
    if queries is None or qrels is None:
        raise ValueError("give --queries and --qrels, or --corpus a BEIR folder")
    for path in (corpus, queries, qrels):
        if not path.is_file():
            raise ValueError(f"not found: {path}")
    return corpus, queries, qrels


def read_queries(path: Path) -> dict[str, str]:
    """``{"_id" or "id": ..., "text": ...}`` per line."""
    out: dict[str, str] = {}
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                out[str(row.get("_id", row.get("id")))] = str(row["text"])
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise ValueError(f"{path} line {number}: not a query object ({exc})") from exc
    return out


def read_qrels(path: Path) -> Qrels:
    """BEIR TSV or TREC qrels into ``{query: {doc: relevance}}``."""
    out: Qrels = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) == 4:
            qid, _, doc, rel = parts
        elif len(parts) == 3:
            qid, doc, rel = parts
        else:
            raise ValueError(f"{path} line {number}: expected 3 (BEIR) or 4 (TREC) columns")
        try:
            grade = int(float(rel))
        except ValueError:
            if number == 1:
                continue  # BEIR's header line
            raise ValueError(f"{path} line {number}: relevance {rel!r} is not a number") from None
        out.setdefault(qid, {})[doc] = grade
    return out


def load_collection(
    corpus: Path, queries: Path | None = None, qrels: Path | None = None
) -> Collection:
    corpus, q_path, r_path = find_beir(corpus, queries, qrels)
    return Collection(corpus, read_queries(q_path), read_qrels(r_path))


# --------------------------------------------------------------------------- metrics


def ndcg_at(ranking: Sequence[str], judged: Mapping[str, int], k: int = 10) -> float:
    gains = sorted((g for g in judged.values() if g > 0), reverse=True)
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(gains[:k]))
    if ideal == 0:
        return 0.0
    dcg = sum(max(0, judged.get(d, 0)) / math.log2(i + 2) for i, d in enumerate(ranking[:k]))
    return dcg / ideal


def recall_at(ranking: Sequence[str], judged: Mapping[str, int], k: int = 100) -> float:
    relevant = {d for d, g in judged.items() if g > 0}
    return len(relevant & set(ranking[:k])) / len(relevant) if relevant else 0.0


def mrr_at(ranking: Sequence[str], judged: Mapping[str, int], k: int = 10) -> float:
    for i, doc in enumerate(ranking[:k], 1):
        if judged.get(doc, 0) > 0:
            return 1.0 / i
    return 0.0


def evaluate(
    searcher: Searcher,
    queries: Mapping[str, str],
    qrels: Qrels,
    modes: Sequence[Mode] = MODES,
    depth: int = 100,
) -> dict[str, dict[str, float]]:
    """``{mode: {"ndcg@10", "recall@100", "mrr@10", "queries"}}`` over the judged queries."""
    ids = [q for q in queries if any(g > 0 for g in qrels.get(q, {}).values())]
    texts = [queries[q] for q in ids]
    results: dict[str, dict[str, float]] = {}
    for mode in modes:
        hits = searcher.search_many(texts, k=depth * 3, mode=mode)
        totals = {"ndcg@10": 0.0, f"recall@{depth}": 0.0, "mrr@10": 0.0}
        for qid, found in zip(ids, hits, strict=True):
            ranking = [d for d, _ in doc_ranking(searcher.store, found, depth)]
            totals["ndcg@10"] += ndcg_at(ranking, qrels[qid])
            totals[f"recall@{depth}"] += recall_at(ranking, qrels[qid], depth)
            totals["mrr@10"] += mrr_at(ranking, qrels[qid])
        count = max(1, len(ids))
        results[mode] = {k: round(v / count, 4) for k, v in totals.items()}
        results[mode]["queries"] = len(ids)
    return results
