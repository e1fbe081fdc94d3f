"""The runtime-facing retriever: what skills search through ``ctx.retriever``.

``open_retriever(settings, embedder=None)`` is cheap. ``IndexRetriever.warm_up()`` builds the index
from the recorded sources (by default the package's ``index/corpus/`` folder, read recursively,
plus anything added with ``vita index add``) when it is missing or stale, logging its progress,
then loads it; a second start finds the manifest's corpus hash unchanged and only loads.
``search(query, k, topic)`` returns :class:`~assistant.types.Passage` objects whose ``score`` is
the fused RRF score and whose metadata carries ``topic``, ``url``, ``source``, ``audience``,
``reviewed``, ``section``, ``dense_score`` (cosine similarity, also for passages only BM25 found),
``bm25_score`` and ``rank``.

Decisions:
    * ``search`` never raises for bad text: empty, control characters, or 10,000 characters (cut
      to ``index_max_query_chars``) give results or ``[]``. A failed warm-up (unreadable corpus
      folder, disk full) is logged with its reason and kept in ``error``; ``search`` then returns
      ``[]`` rather than taking the whole assistant down, and ``available`` is false.
    * ``search`` before ``warm_up`` warms up first (thread-safe), so a skill never sees an
      unloaded index; the server warms at start-up so users do not pay for it.
    * The embedder is passed in by the runtime: the safety screen and the index share one MiniLM.
"""

from __future__ import annotations

import logging
import threading

from assistant.config import Settings
from assistant.types import Passage
from index.build import BuildConfig
from index.embed import Embedder, load_embedder
from index.home import IndexHome
from index.progress import LogProgress, Progress
from index.search import Fusion, Searcher
from index.sources import SourceSpec
from index.store import Manifest

log = logging.getLogger("vita.index")


def home_for(settings: Settings) -> IndexHome:
    """The index folder of these settings, with the package corpus as its default source."""
    config = BuildConfig(exact_max=settings.index_exact_max)
    return IndexHome(settings.index_dir, [SourceSpec(settings.index_corpus, "markdown")], config)


def fusion_for(settings: Settings) -> Fusion:
    return Fusion(
        rrf_k=settings.index_rrf_k,
        dense_weight=settings.index_dense_weight,
        bm25_weight=settings.index_bm25_weight,
        candidates=settings.index_candidates,
    )


class IndexRetriever:
    """Hybrid search over the index in ``settings.index_dir``; implements the skills' Retriever."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.embedder = embedder if embedder is not None else load_embedder(settings.embedder)
        self.home = home_for(settings)
        self.error: str | None = None
        self._searcher: Searcher | None = None
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return self._searcher is not None

    @property
    def manifest(self) -> Manifest | None:
        return self._searcher.store.manifest if self._searcher is not None else None

    def warm_up(self, progress: Progress | None = None) -> None:
        """Build the index if it is missing or stale, then load it (idempotent, thread-safe)."""
        with self._lock:
            if self._searcher is not None:
                return
            try:
                store, built = self.home.ensure(self.embedder, progress or LogProgress(log))
            except Exception as exc:  # logged and kept: the assistant serves without the index
                self.error = f"{type(exc).__name__}: {exc}"
                log.exception("could not build or load the index at %s", self.home.root)
                return
            m = store.manifest
            log.info(
                "%s the index: %s passages from %s documents (%s, %s)",
                "built" if built else "loaded",
                f"{m.passages:,}",
                f"{m.documents:,}",
                m.dense.kind,
                f"built in {m.build_seconds:.1f} s" if built else "corpus unchanged",
            )
            self._searcher = Searcher(
                store, self.embedder, fusion_for(self.settings), self.settings.index_max_query_chars
            )
            self.error = None

    def search(self, query: str, k: int = 5, topic: str | None = None) -> list[Passage]:
        """The ``k`` best passages for ``query``, optionally only those of one ``topic``."""
        if self._searcher is None and self.error is None:
            self.warm_up()  # a failed warm-up is not retried on every search; warm_up() retries
        searcher = self._searcher
        if searcher is None or k <= 0:
            return []
        hits = searcher.search(query, k=k, filters={"topic": topic} if topic else None)
        return [searcher.passage(h) for h in hits]

    def topics(self) -> dict[str, int]:
        """Passage counts per topic of the loaded index."""
        return dict(self.manifest.topics) if self.manifest is not None else {}


def open_retriever(settings: Settings, embedder: Embedder | None = None) -> IndexRetriever:
    """The retriever for these settings; cheap (nothing is read until ``warm_up``)."""
    return IndexRetriever(settings, embedder)
