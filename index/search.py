"""Hybrid search: dense (FAISS) and BM25 fused by reciprocal rank fusion, with metadata filters.

``Searcher.search(query, k, mode, filters)``:

1. The query is cleaned (:func:`clean_query`: control characters become spaces, spacing is
   collapsed, at most ``max_query_chars`` are kept, cut at a word). Nothing left: no results.
2. ``dense``: the top ``candidates`` passages by cosine similarity. ``bm25``: the top
   ``candidates`` by BM25 score (passages scoring 0 are not candidates).
3. ``hybrid``: each passage scores ``w_dense / (rrf_k + dense_rank) + w_bm25 / (rrf_k + bm25_rank)``
   (ranks from 1; a retriever that did not return the passage adds nothing). Ties go to the
   higher cosine similarity.
4. Every hit carries both raw scores: the cosine similarity is computed for passages only BM25
   found (their vectors are read back), and the BM25 score is read for passages only the dense
   side found, so a caller can threshold on ``dense_score`` whatever found the passage.

Filters are ``{metadata key: value}`` on the document (``topic`` is the common one); both sides
search only the passages that match. Decision: RRF rather than a weighted sum of scores because
cosine and BM25 scales differ per query; weights and ``rrf_k`` are settings, tuned on a held-out
split of MedQuAD questions by ``benchmarks/retrieval.py``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from assistant.types import Passage
from index.embed import Embedder, Vectors
from index.store import IndexStore

Mode = Literal["hybrid", "dense", "bm25"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "bm25")


@dataclass(frozen=True)
class Fusion:
    """Reciprocal rank fusion settings."""

    rrf_k: float = 60.0
    dense_weight: float = 1.0
    bm25_weight: float = 1.0
    candidates: int = 100


@dataclass(frozen=True)
class Hit:
    """One result: its row in the index, the score its mode ranks by, and both raw scores."""

    row: int
    score: float
    dense_score: float
    bm25_score: float
    rank: int
    dense_rank: int | None = None
    bm25_rank: int | None = None


def clean_query(text: str, max_chars: int = 1000) -> str:
    """Control and format characters become spaces, spacing collapses, long text is cut."""
    chars = [" " if unicodedata.category(c)[0] == "C" else c for c in text[: max_chars * 2]]
    cleaned = re.sub(r"\s+", " ", "".join(chars)).strip()
    if len(cleaned) > max_chars:
        cut = cleaned[:max_chars]
        cleaned = cut.rsplit(" ", 1)[0] if " " in cut else cut
    return cleaned


class Searcher:
    """Searches one loaded :class:`IndexStore` with one embedder."""

    def __init__(
        self,
        store: IndexStore,
        embedder: Embedder,
        fusion: Fusion | None = None,
        max_query_chars: int = 1000,
    ) -> None:
        if embedder.dim != store.dense.dim and store.dense.size:
            raise ValueError(
                f"embedder {embedder.name} has {embedder.dim} dimensions, the index {store.dense.dim}"
            )
        self.store = store
        self.embedder = embedder
        self.fusion = fusion or Fusion()
        self.max_query_chars = max_query_chars

    def search(
        self,
        query: str,
        k: int = 10,
        mode: Mode = "hybrid",
        filters: Mapping[str, str] | None = None,
    ) -> list[Hit]:
        """The best ``k`` passages for ``query`` (see the module docstring)."""
        text = clean_query(query, self.max_query_chars)
        if not text or k <= 0 or len(self.store.table) == 0:
            return []
        vector = self.embedder.encode([text])  # bm25 too: its hits still get a dense_score
        return self.search_encoded(text, vector, k, mode, filters)

    def search_many(
        self,
        queries: Sequence[str],
        k: int = 10,
        mode: Mode = "hybrid",
        filters: Mapping[str, str] | None = None,
        batch_size: int = 256,
    ) -> list[list[Hit]]:
        """``search`` for many queries, embedding them in batches (evaluation, batch CLI)."""
        texts = [clean_query(q, self.max_query_chars) for q in queries]
        vectors: Vectors | None = None
        if mode != "bm25" and texts:
            vectors = self.embedder.encode([t or " " for t in texts], batch_size=batch_size)
        out: list[list[Hit]] = []
        for n, text in enumerate(texts):
            if not text or k <= 0 or len(self.store.table) == 0:
                out.append([])
                continue
            row = vectors[n : n + 1] if vectors is not None else None
            out.append(self.search_encoded(text, row, k, mode, filters))
        return out

    def search_encoded(
        self,
        text: str,
        vector: Vectors | None,
        k: int,
        mode: Mode = "hybrid",
        filters: Mapping[str, str] | None = None,
    ) -> list[Hit]:
        """Search with a cleaned query whose vector is already computed (``None`` for bm25)."""
        mask = self._mask(filters)
        if mask is not None and not mask.any():
            return []
        pool = max(self.fusion.candidates, k)
        dense_rank: dict[int, int] = {}
        dense_score: dict[int, float] = {}
        if mode != "bm25" and vector is not None:
            allowed = np.flatnonzero(mask) if mask is not None else None
            scores, ids = self.store.dense.search(vector, pool, allowed)
            for rank, (row, score) in enumerate(zip(ids[0], scores[0], strict=True), 1):
                if row >= 0:
                    dense_rank[int(row)] = rank
                    dense_score[int(row)] = float(score)
        bm25 = self.store.sparse.scores(text)
        if mask is not None:
            bm25 = np.where(mask, bm25, 0.0).astype(np.float32)
        bm25_rank = _top_ranks(bm25, pool) if mode != "dense" else {}
        if mode == "dense":
            order = sorted(dense_rank, key=dense_rank.__getitem__)
            fused = {r: dense_score[r] for r in order}
        elif mode == "bm25":
            order = sorted(bm25_rank, key=bm25_rank.__getitem__)
            fused = {r: float(bm25[r]) for r in order}
        else:
            fused = fuse(dense_rank, bm25_rank, self.fusion)
            missing = np.array([r for r in fused if r not in dense_score], dtype=np.int64)
            dense_score.update(self._cosines(vector, missing))
            order = sorted(fused, key=lambda r: (-fused[r], -dense_score.get(r, 0.0), r))
        top = order[:k]
        if mode == "bm25" and vector is not None:
            dense_score.update(self._cosines(vector, np.array(top, dtype=np.int64)))
        return [
            Hit(
                row=row,
                score=fused[row],
                dense_score=dense_score.get(row, 0.0),
                bm25_score=float(bm25[row]),
                rank=n,
                dense_rank=dense_rank.get(row),
                bm25_rank=bm25_rank.get(row),
            )
            for n, row in enumerate(top, 1)
        ]

    def _cosines(self, vector: Vectors | None, rows: npt.NDArray[np.int64]) -> dict[int, float]:
        if vector is None or len(rows) == 0:
            return {}
        sims = self.store.dense.vectors(rows) @ vector[0]
        return {int(r): float(s) for r, s in zip(rows, sims, strict=True)}

    def _mask(self, filters: Mapping[str, str] | None) -> npt.NDArray[np.bool_] | None:
        mask = None
        for key, value in (filters or {}).items():
            if value is None or value == "":
                continue
            part = self.store.table.mask(key, value)
            mask = part if mask is None else mask & part
        return mask

    def passage(self, hit: Hit) -> Passage:
        """A :class:`~assistant.types.Passage` for a hit, with its scores in the metadata."""
        table = self.store.table
        doc = table.doc(hit.row)
        metadata: dict[str, Any] = dict(doc.metadata)
        metadata.update(
            section=table.sections[hit.row],
            dense_score=hit.dense_score,
            bm25_score=hit.bm25_score,
            rank=hit.rank,
            dense_rank=hit.dense_rank,
            bm25_rank=hit.bm25_rank,
        )
        if hit.row in table.duplicates:
            metadata["duplicates"] = list(table.duplicates[hit.row])
        return Passage(
            passage_id=table.passage_ids[hit.row],
            doc_id=doc.doc_id,
            title=doc.title,
            text=table.texts[hit.row],
            score=hit.score,
            metadata=metadata,
        )


def fuse(
    dense_rank: Mapping[int, int], bm25_rank: Mapping[int, int], f: Fusion
) -> dict[int, float]:
    """Reciprocal rank fusion of two rankings (``{row: rank from 1}``) into ``{row: score}``."""
    fused: dict[int, float] = {}
    for row, rank in dense_rank.items():
        fused[row] = f.dense_weight / (f.rrf_k + rank)
    for row, rank in bm25_rank.items():
        fused[row] = fused.get(row, 0.0) + f.bm25_weight / (f.rrf_k + rank)
    return fused


def _top_ranks(scores: npt.NDArray[np.float32], pool: int) -> dict[int, int]:
    """Ranks (from 1) of the ``pool`` best positive scores."""
    positive = np.flatnonzero(scores > 0)
    if len(positive) > pool:
        keep = np.argpartition(-scores[positive], pool - 1)[:pool]
        positive = positive[keep]
    order = positive[np.lexsort((positive, -scores[positive]))]
    return {int(row): rank for rank, row in enumerate(order, 1)}


def doc_ranking(store: IndexStore, hits: Sequence[Hit], k: int) -> list[tuple[str, float]]:
    """Hits collapsed to documents (a document scores as its best passage), best ``k`` first."""
    best: dict[str, float] = {}
    for hit in hits:
        doc_id = store.table.doc(hit.row).doc_id
        if doc_id not in best:
            best[doc_id] = hit.score
    return list(best.items())[:k]


def passage_json(passage: Passage) -> dict[str, Any]:
    """The JSON shape of a search result (REST and ``vita index search --json``)."""
    meta = passage.metadata
    return {
        "passage_id": passage.passage_id,
        "doc_id": passage.doc_id,
        "title": passage.title,
        "section": meta.get("section") or None,
        "url": meta.get("url"),
        "source": meta.get("source"),
        "topic": meta.get("topic"),
        "score": round(passage.score, 6),
        "dense_score": round(float(meta.get("dense_score", 0.0)), 6),
        "bm25_score": round(float(meta.get("bm25_score", 0.0)), 6),
        "rank": meta.get("rank"),
        "text": passage.text,
    }
