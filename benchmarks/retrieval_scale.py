"""The 200,000-passage scale point of the retrieval benchmark (run by ``benchmarks.retrieval``).

Synthetic text, not real articles: 2,000 topics, each a distribution over 120 words of a
40,000-word invented vocabulary; a passage draws about 70 % of its ~120 words from its topic and
the rest from a Zipf background, so passages cluster like real ones and BM25 has rare and common
words. The dense side uses the hash embedder (384 dimensions), because embedding 200k passages
with MiniLM on two shared cores would take hours; so these figures measure the index (chunking,
de-duplication, BM25, FAISS IVF with its tuned ``nprobe``, fusion), not MiniLM's speed. MiniLM adds
its query embedding time (measured on MedQuAD) to every search.

Runs in a child process (see ``benchmarks.retrieval``) so its peak memory is its own.
"""

from __future__ import annotations

import json
import resource
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from index.build import BuildConfig
from index.embed import HashEmbedder
from index.home import IndexHome
from index.search import Searcher
from index.sources import SourceSpec

VOCAB = 40_000
TOPICS = 2_000


def _words(rng: np.random.Generator) -> list[str]:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    return ["".join(rng.choice(letters, size=int(n))) for n in rng.integers(4, 10, VOCAB)]


def write_corpus(path: Path, passages: int, seed: int = 0) -> list[str]:
    """Write ``passages`` synthetic JSONL documents; returns 300 queries drawn from the topics."""
    rng = np.random.default_rng(seed)
    vocab = np.array(_words(rng))
    topic_words = rng.integers(0, VOCAB, (TOPICS, 120))
    zipf = 1.0 / np.arange(1, VOCAB + 1) ** 1.1
    zipf /= zipf.sum()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for start in range(0, passages, 10_000):
            count = min(10_000, passages - start)
            topics = rng.integers(0, TOPICS, count)
            own = topic_words[topics[:, None], rng.integers(0, 120, (count, 84))]
            background = rng.choice(VOCAB, size=(count, 36), p=zipf)
            for n in range(count):
                words = vocab[np.concatenate([own[n], background[n]])]
                rng.shuffle(words)
                row = {
                    "id": f"s{start + n}",
                    "title": f"Topic {topics[n]}",
                    "text": " ".join(words.tolist()),
                    "topic": ("medical", "fitness", "nutrition", "mental_health")[topics[n] % 4],
                }
                fh.write(json.dumps(row) + "\n")
    picks = topic_words[rng.integers(0, TOPICS, 300)[:, None], rng.integers(0, 120, (300, 6))]
    return [" ".join(vocab[p].tolist()) for p in picks]


def run_scale(folder: str, passages: int, latency_queries: int) -> dict[str, Any]:
    """Build the synthetic index (fresh) and time hybrid queries; runs in a child process."""
    root = Path(folder)
    corpus = root / "corpus.jsonl"
    start = time.perf_counter()
    queries = write_corpus(corpus, passages)
    generate = time.perf_counter() - start
    shutil.rmtree(root / "index", ignore_errors=True)  # a fresh build: no vectors reused
    home = IndexHome(root / "index", [SourceSpec(corpus, "jsonl")], BuildConfig())
    embedder = HashEmbedder(384)
    store, _ = home.ensure(embedder)
    build_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    store = home.load()
    load_seconds = time.perf_counter() - start
    searcher = Searcher(store, embedder)
    searcher.search(queries[0], k=10)  # first query pays for lazy allocations
    samples = []
    for query in (queries * 4)[:latency_queries]:
        begin = time.perf_counter()
        hits = searcher.search(query, k=10)
        [searcher.passage(h) for h in hits]
        samples.append(time.perf_counter() - begin)
    filtered = []
    for query in queries[:100]:
        begin = time.perf_counter()
        searcher.search(query, k=10, filters={"topic": "fitness"})
        filtered.append(time.perf_counter() - begin)
    m = store.manifest
    return {
        "passages": m.passages,
        "generate_seconds": round(generate, 1),
        "build_seconds": m.build_seconds,
        "embed_seconds": m.embed_seconds,
        "peak_rss_mb": round(build_rss),
        "load_seconds": round(load_seconds, 2),
        "dense": m.dense.to_dict(),
        "latency_ms": _percentiles(samples),
        "filtered_latency_ms": _percentiles(filtered),
        "index_mb": round(
            sum(f.stat().st_size for f in home.current.rglob("*") if f.is_file()) / 2**20
        ),
    }


def _percentiles(samples: list[float]) -> dict[str, float]:
    ms = np.array(samples) * 1000
    return {
        "p50": round(float(np.percentile(ms, 50)), 2),
        "p95": round(float(np.percentile(ms, 95)), 2),
    }
