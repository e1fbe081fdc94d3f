"""Corpus -> documents -> passages -> vectors -> a saved index (see :mod:`index.home` for caching).

:func:`build_index` reads every source, chunks and de-duplicates the passages, embeds them in
batches (reporting progress), builds FAISS and BM25 over the same passages and returns an
:class:`~index.store.IndexStore` with its manifest. :func:`corpus_hash` is the content hash the
manifest records; an index is rebuilt only when it, the embedding model or the format changes.

Decisions:
    * Vectors are cached by the hash of each passage's index text: when a previous index built
      with the same model is given, only new or changed passages are embedded, so adding one
      article to a corpus of hundreds costs seconds, not minutes.
    * Two documents with the same id (from two sources) keep both: the later one gets a ``~2``
      suffix and a warning, rather than one silently replacing the other.
    * The hash covers each file's path relative to its source, its bytes, the format, and the
      chunking settings, but not the source's absolute path: a moved checkout is not stale.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import resource
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from index.chunk import Chunk, chunk_documents, dedupe
from index.dense import DenseIndex
from index.embed import Embedder, Vectors
from index.progress import NullProgress, Progress
from index.sources import Document, SourceSpec, read_source, source_files
from index.sparse import SparseIndex
from index.store import FORMAT_VERSION, IndexStore, Manifest, PassageTable


@dataclass(frozen=True)
class BuildConfig:
    """Chunking and dense-index settings of a build."""

    min_words: int = 100
    max_words: int = 220
    exact_max: int = 50_000
    target_recall: float = 0.95
    embed_batch: int = 256


def corpus_hash(sources: Sequence[SourceSpec], config: BuildConfig) -> str:
    """SHA-256 of the sources' files (relative paths and bytes), formats and chunking settings."""
    digest = hashlib.sha256(f"v{FORMAT_VERSION}:{config.min_words}:{config.max_words}".encode())
    for spec in sources:
        digest.update(f"\0source:{spec.format}".encode())
        root = spec.path if spec.path.is_dir() else spec.path.parent
        for path in source_files(spec):
            digest.update(f"\0{path.relative_to(root).as_posix()}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def read_documents(
    sources: Sequence[SourceSpec], warn: Callable[[str], None], progress: Progress
) -> Iterator[Document]:
    """Every document of every (resolved) source, ids made unique across sources."""
    seen: dict[str, int] = {}
    files = sum(len(source_files(s)) for s in sources)
    progress.stage("reading", files)
    for spec in sources:
        for doc in read_source(spec, warn, lambda _: progress.advance(1)):
            count = seen.get(doc.doc_id, 0) + 1
            seen[doc.doc_id] = count
            if count > 1:
                warn(
                    f"document id {doc.doc_id!r} appears {count} times; renamed {doc.doc_id}~{count}"
                )
                doc = Document(f"{doc.doc_id}~{count}", doc.title, doc.text, doc.metadata)
            yield doc


def build_index(
    sources: Sequence[SourceSpec],
    embedder: Embedder,
    config: BuildConfig | None = None,
    progress: Progress | None = None,
    previous: IndexStore | None = None,
    warn: Callable[[str], None] | None = None,
) -> IndexStore:
    """Build (in memory) the index of ``sources``; ``previous`` lends its vectors as a cache."""
    config = config or BuildConfig()
    progress = progress or NullProgress()
    started = time.perf_counter()
    warnings: list[str] = []

    def note(message: str) -> None:
        warnings.append(message)
        if warn is not None:
            warn(message)

    resolved = [s.resolved() for s in sources]
    digest = corpus_hash(resolved, config)
    docs = list(read_documents(resolved, note, progress))
    chunks, removed = dedupe(chunk_documents(docs, config.min_words, config.max_words))
    hashes = [hashlib.sha1(c.index_text().encode()).hexdigest()[:20] for c in chunks]
    embed_start = time.perf_counter()
    vectors, reused = _embed(chunks, hashes, embedder, config, progress, previous)
    embed_seconds = time.perf_counter() - embed_start
    progress.stage("indexing", 2)
    dense = DenseIndex.build(vectors, config.exact_max, config.target_recall)
    progress.advance(1)
    sparse = SparseIndex.build([c.index_text() for c in chunks])
    progress.advance(1)
    table = PassageTable.from_chunks(chunks, hashes)
    manifest = Manifest(
        embedder=embedder.name,
        dim=embedder.dim,
        corpus_hash=digest,
        sources=[s.to_dict() for s in resolved],
        documents=len(table.docs),
        passages=len(chunks),
        duplicates_removed=removed,
        warnings=warnings[:200],
        topics=table.values("topic"),
        dense=dense.info,
        chunking={"min_words": config.min_words, "max_words": config.max_words},
        built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        build_seconds=round(time.perf_counter() - started, 2),
        embed_seconds=round(embed_seconds, 2),
        reused_vectors=reused,
        peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    )
    return IndexStore(manifest, table, dense, sparse)


def _embed(
    chunks: Sequence[Chunk],
    hashes: Sequence[str],
    embedder: Embedder,
    config: BuildConfig,
    progress: Progress,
    previous: IndexStore | None,
) -> tuple[Vectors, int]:
    vectors = np.zeros((len(chunks), embedder.dim), dtype=np.float32)
    todo = list(range(len(chunks)))
    reused = 0
    if (
        previous is not None
        and previous.manifest.embedder == embedder.name
        and previous.manifest.dim == embedder.dim
    ):
        old_rows = {h: n for n, h in enumerate(previous.table.hashes)}
        pairs = [(n, old_rows[h]) for n, h in enumerate(hashes) if h in old_rows]
        if pairs:
            new, old = (np.array(x, dtype=np.int64) for x in zip(*pairs, strict=True))
            vectors[new] = previous.dense.vectors(old)
            reused = len(pairs)
            done = set(new.tolist())
            todo = [n for n in todo if n not in done]
    progress.stage("embedding", len(todo))
    # similar lengths together: a batch is padded to its longest text, so this saves work
    todo.sort(key=lambda n: len(chunks[n].text))
    for start in range(0, len(todo), config.embed_batch):
        rows = todo[start : start + config.embed_batch]
        vectors[rows] = embedder.encode([chunks[n].index_text() for n in rows])
        progress.advance(len(rows))
    return vectors, reused
