"""The dense half of the index: FAISS inner-product search over normalised vectors.

Decisions:
    * Up to ``exact_max`` passages (50,000 by default) the index is exact (``IndexFlatIP``): on
      two cores a scan of 50k x 384 floats takes a few milliseconds, and exact needs no tuning.
    * Above that it is IVF-Flat (``nlist`` = 4·√n, trained on a sample) whose ``nprobe`` is
      chosen at build time: starting small and doubling until recall@10 against exact search
      reaches ``target_recall`` (0.95) on a sample of queries. IVF can always reach the target
      (``nprobe = nlist`` is exact), so the choice never fails; IVF rather than HNSW because it
      trains in seconds on two cores and its vectors can be read back for re-scoring.
    * The recall sample: stored vectors, each nudged by Gaussian noise (so a query is near its
      passage but not identical to it, like a real question near its answer), ground truth from
      an exact scan of every vector. Recall, ``nlist`` and ``nprobe`` go into the manifest.
    * Vectors are read back with ``reconstruct_batch`` (IVF keeps a direct map) so a passage that
      only BM25 found still gets its cosine similarity; no second copy of the vectors is kept.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import numpy.typing as npt

from index.embed import Vectors

Ids = npt.NDArray[np.int64]


@dataclass(frozen=True)
class DenseInfo:
    """How the dense index was built, and the recall its approximation was measured at."""

    kind: str = "flat"  # "flat" (exact) or "ivf"
    nlist: int = 0
    nprobe: int = 0
    recall_at_10: float = 1.0
    recall_queries: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DenseInfo:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


class DenseIndex:
    """A FAISS index plus the settings it is searched with."""

    def __init__(self, index: Any, info: DenseInfo) -> None:
        self.index = index
        self.info = info

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    @property
    def dim(self) -> int:
        return int(self.index.d)

    @classmethod
    def build(
        cls,
        vectors: Vectors,
        exact_max: int = 50_000,
        target_recall: float = 0.95,
        seed: int = 0,
    ) -> DenseIndex:
        """An exact index for small collections, a tuned IVF index for large ones."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n, dim = vectors.shape
        if n <= exact_max:
            flat = faiss.IndexFlatIP(dim)
            flat.add(vectors)
            return cls(flat, DenseInfo("flat"))
        rng = np.random.default_rng(seed)
        nlist = int(min(65_536, max(16, round(4 * math.sqrt(n)))))
        quantizer = faiss.IndexFlatIP(dim)
        ivf = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        sample = vectors[
            rng.choice(n, size=min(n, nlist * 40), replace=False)
        ]  # FAISS wants 39+ per list
        ivf.cp.seed = seed
        ivf.train(sample)
        ivf.add(vectors)
        ivf.make_direct_map()
        queries = _recall_queries(vectors, rng, 500)
        truth = _exact_top(vectors, queries, 10)
        nprobe, recall = 1, 0.0
        while True:
            ivf.nprobe = nprobe
            _, found = ivf.search(queries, 10)
            recall = _recall(found, truth)
            if recall >= target_recall or nprobe >= nlist:
                break
            nprobe = min(nlist, nprobe * 2)
        return cls(ivf, DenseInfo("ivf", nlist, nprobe, round(recall, 4), len(queries)))

    def search(
        self, queries: Vectors, k: int, allowed: Ids | None = None
    ) -> tuple[npt.NDArray[np.float32], Ids]:
        """Top ``k`` ids per query row (``-1`` pads when fewer exist), restricted to ``allowed``."""
        k = max(1, min(k, self.size))
        if self.size == 0:
            empty = np.full((len(queries), 1), -1, dtype=np.int64)
            return np.zeros((len(queries), 1), dtype=np.float32), empty
        params: Any = None
        if self.info.kind == "ivf":
            params = faiss.SearchParametersIVF()
            # a filter leaves fewer passages per list, so look at twice as many lists to fill k
            params.nprobe = (
                self.info.nprobe if allowed is None else min(self.info.nlist, self.info.nprobe * 2)
            )
        selector = None  # held in this frame: FAISS keeps only a raw pointer to it
        if allowed is not None:
            params = params or faiss.SearchParameters()
            selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
            params.sel = selector
        scores, ids = self.index.search(
            np.ascontiguousarray(queries, dtype=np.float32), k, params=params
        )
        del selector
        return scores, ids

    def vectors(self, ids: Ids) -> Vectors:
        """The stored vectors of ``ids`` (rows in the same order)."""
        if len(ids) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        out: Vectors = self.index.reconstruct_batch(np.ascontiguousarray(ids, dtype=np.int64))
        return out

    def all_vectors(self) -> Vectors:
        return self.vectors(np.arange(self.size, dtype=np.int64))

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, info: DenseInfo) -> DenseIndex:
        index = faiss.read_index(str(path))
        if info.kind == "ivf":
            faiss.extract_index_ivf(index).nprobe = info.nprobe
        return cls(index, info)


def _recall_queries(vectors: Vectors, rng: np.random.Generator, count: int) -> Vectors:
    picked = vectors[rng.choice(len(vectors), size=min(count, len(vectors)), replace=False)]
    noise = rng.standard_normal(picked.shape).astype(np.float32)
    noise *= 0.5 / np.sqrt(picked.shape[1])  # |noise| about half of |vector|
    queries = picked + noise
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    return np.ascontiguousarray(queries, dtype=np.float32)


def _exact_top(vectors: Vectors, queries: Vectors, k: int, block: int = 50_000) -> Ids:
    """Exact top ``k`` by blocks of rows, so no second copy of every vector is made."""
    best_scores = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    best_ids = np.zeros((len(queries), 0), dtype=np.int64)
    for start in range(0, len(vectors), block):
        scores = queries @ vectors[start : start + block].T
        ids = np.broadcast_to(np.arange(start, start + scores.shape[1]), scores.shape)
        all_scores = np.concatenate([best_scores, scores], axis=1)
        all_ids = np.concatenate([best_ids, ids], axis=1)
        top = np.argsort(-all_scores, axis=1, kind="stable")[:, :k]
        best_scores = np.take_along_axis(all_scores, top, axis=1)
        best_ids = np.take_along_axis(all_ids, top, axis=1)
    return best_ids


def _recall(found: Ids, truth: Ids) -> float:
    hits = sum(len(set(f.tolist()) & set(t.tolist())) for f, t in zip(found, truth, strict=True))
    return hits / max(1, truth.size)
