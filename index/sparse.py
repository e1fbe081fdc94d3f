"""The sparse half of the index: BM25 (``bm25s``, Lucene variant, k1=1.5, b=0.75).

Decisions:
    * One tokenizer for passages and queries, ours rather than bm25s's (whose vocabulary is built
      per call): lower-case words of two or more letters or digits, English stop words removed,
      Snowball-stemmed (PyStemmer), so "exercises" finds "exercise".
    * ``scores(query)`` returns the BM25 score of *every* passage (a sparse product, cheap): the
      fusion ranks from it and reads the score of any passage the dense side found, so every
      result carries a ``bm25_score``.
    * A query with no word known to the index scores all zeros; the fusion then ignores BM25.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
import numpy.typing as npt
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

Scores = npt.NDArray[np.float32]
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_STOP = frozenset(STOPWORDS_EN) | {
    "what",
    "how",
    "which",
    "who",
    "why",
    "when",
    "do",
    "does",
    "can",
}


class Tokenizer:
    """Lower-case, stop words out, Snowball English stems.

    A PyStemmer stemmer is not safe to share between threads (skills search from worker
    threads), so each thread gets its own.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def __call__(self, text: str) -> list[str]:
        stemmer = getattr(self._local, "stemmer", None)
        if stemmer is None:
            stemmer = self._local.stemmer = Stemmer.Stemmer("english")
        words = [w for w in _TOKEN.findall(text.lower()) if w not in _STOP]
        stems: list[str] = stemmer.stemWords(words)
        return stems


class SparseIndex:
    """BM25 over the passages' index texts."""

    def __init__(self, bm25: Any, size: int) -> None:
        self._bm25 = bm25
        self.size = size
        self.tokenize = Tokenizer()

    @classmethod
    def build(cls, texts: Sequence[str]) -> SparseIndex:
        tokenize = Tokenizer()
        bm25 = bm25s.BM25()
        if texts:
            bm25.index([tokenize(t) for t in texts], show_progress=False)
        return cls(bm25, len(texts))

    def scores(self, query: str) -> Scores:
        """BM25 score of every passage for ``query`` (zeros when no query word is indexed)."""
        if self.size == 0:
            return np.zeros(0, dtype=np.float32)
        vocab: dict[str, int] = self._bm25.vocab_dict
        ids = [vocab[t] for t in self.tokenize(query) if t in vocab]
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        out: Scores = np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32)
        return out

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if self.size:
            self._bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, size: int) -> SparseIndex:
        if size == 0:
            return cls(bm25s.BM25(), 0)
        # bm25s logs a line per load at its default verbosity; keep the server log for us
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        bm25 = bm25s.BM25.load(str(folder), show_progress=False, verbosity=0)
        return cls(bm25, size)
