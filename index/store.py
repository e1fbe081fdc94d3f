"""A built index on disk: manifest, documents, passages, FAISS and BM25, saved and loaded together.

Layout of an index folder (``<data_dir>/index/current`` by default)::

    manifest.json     embedding model, corpus hash, counts, dense index type and recall, timings
    documents.jsonl   one line per document: doc_id, title, metadata
    passages.jsonl    one line per passage: passage_id, doc (row in documents), section, text,
                      hash of its index text (the embedding cache key), duplicates
    dense.faiss       the FAISS index (row i = passage i)
    bm25/             the bm25s index (column i = passage i)

Decisions:
    * Document metadata is stored once per document, not per passage (MedQuAD has 16k documents
      and 30k passages; a 200k-passage index would otherwise repeat it 200k times).
    * The manifest is written last, so a folder without one is an unfinished build and is never
      loaded. A folder whose manifest has another ``FORMAT_VERSION`` is stale, not an error.
    * Anything unreadable raises :class:`IndexError_` with the file named; the caller rebuilds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from index.chunk import Chunk
from index.dense import DenseIndex, DenseInfo
from index.sparse import SparseIndex

FORMAT_VERSION = 1
Mask = npt.NDArray[np.bool_]


class IndexError_(RuntimeError):  # the trailing "_": "IndexError" is a builtin
    """An index folder that is missing, unfinished or damaged."""


@dataclass(frozen=True)
class Manifest:
    """What was built, from what, with which model, and how well the approximation recalls."""

    embedder: str
    dim: int
    corpus_hash: str
    sources: list[dict[str, str]] = field(default_factory=list)
    documents: int = 0
    passages: int = 0
    duplicates_removed: int = 0
    warnings: list[str] = field(default_factory=list)  # files and lines skipped, ids renamed
    topics: dict[str, int] = field(default_factory=dict)
    dense: DenseInfo = field(default_factory=DenseInfo)
    chunking: dict[str, int] = field(default_factory=dict)
    built_at: str = ""
    build_seconds: float = 0.0
    embed_seconds: float = 0.0
    reused_vectors: int = 0
    peak_rss_mb: float = 0.0
    version: int = FORMAT_VERSION

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["dense"] = self.dense.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Manifest:
        names = cls.__dataclass_fields__
        values = {k: v for k, v in data.items() if k in names}
        values["dense"] = DenseInfo.from_dict(dict(data.get("dense") or {}))
        return cls(**values)

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / "manifest.json"
        try:
            return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise IndexError_(f"no index at {folder} (no manifest.json)") from None
        except (ValueError, TypeError) as exc:
            raise IndexError_(f"{path} is damaged: {exc}") from exc


@dataclass(frozen=True)
class DocInfo:
    doc_id: str
    title: str
    metadata: Mapping[str, Any]


class PassageTable:
    """Passages in index order, with their documents; masks for metadata filters."""

    def __init__(
        self,
        docs: list[DocInfo],
        passage_ids: list[str],
        doc_rows: npt.NDArray[np.int32],
        sections: list[str],
        texts: list[str],
        hashes: list[str],
        duplicates: dict[int, list[str]],
    ) -> None:
        self.docs = docs
        self.passage_ids = passage_ids
        self.doc_rows = doc_rows
        self.sections = sections
        self.texts = texts
        self.hashes = hashes
        self.duplicates = duplicates
        self._masks: dict[tuple[str, str], Mask] = {}

    def __len__(self) -> int:
        return len(self.passage_ids)

    @classmethod
    def from_chunks(cls, chunks: Iterable[Chunk], hashes: list[str]) -> PassageTable:
        docs: list[DocInfo] = []
        rows: dict[str, int] = {}
        ids, doc_rows, sections, texts, dups = [], [], [], [], {}
        for n, chunk in enumerate(chunks):
            if chunk.doc_id not in rows:
                rows[chunk.doc_id] = len(docs)
                docs.append(DocInfo(chunk.doc_id, chunk.title, chunk.metadata))
            ids.append(chunk.passage_id)
            doc_rows.append(rows[chunk.doc_id])
            sections.append(chunk.section)
            texts.append(chunk.text)
            if chunk.duplicates:
                dups[n] = list(chunk.duplicates)
        return cls(docs, ids, np.asarray(doc_rows, dtype=np.int32), sections, texts, hashes, dups)

    def doc(self, row: int) -> DocInfo:
        return self.docs[int(self.doc_rows[row])]

    def mask(self, key: str, value: str) -> Mask:
        """Which passages' documents have ``metadata[key] == value`` (cached)."""
        cached = self._masks.get((key, value))
        if cached is None:
            wanted = np.array([d.metadata.get(key) == value for d in self.docs], dtype=np.bool_)
            cached = wanted[self.doc_rows] if len(self.doc_rows) else np.zeros(0, dtype=np.bool_)
            self._masks[(key, value)] = cached
        return cached

    def values(self, key: str) -> dict[str, int]:
        """Passage counts per value of a metadata key (e.g. topics)."""
        counts: dict[str, int] = {}
        per_doc: list[int] = np.bincount(self.doc_rows, minlength=len(self.docs)).tolist()
        for doc, count in zip(self.docs, per_doc, strict=False):
            value = doc.metadata.get(key)
            if isinstance(value, str):
                counts[value] = counts.get(value, 0) + int(count)
        return dict(sorted(counts.items()))

    def save(self, folder: Path) -> None:
        with (folder / "documents.jsonl").open("w", encoding="utf-8") as fh:
            for d in self.docs:
                fh.write(json.dumps([d.doc_id, d.title, d.metadata], ensure_ascii=False) + "\n")
        with (folder / "passages.jsonl").open("w", encoding="utf-8") as fh:
            for n, pid in enumerate(self.passage_ids):
                row = [pid, int(self.doc_rows[n]), self.sections[n], self.texts[n], self.hashes[n]]
                if n in self.duplicates:
                    row.append(self.duplicates[n])
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, folder: Path) -> PassageTable:
        docs = [DocInfo(*json.loads(line)) for line in _lines(folder / "documents.jsonl")]
        ids, rows, sections, texts, hashes, dups = [], [], [], [], [], {}
        for n, line in enumerate(_lines(folder / "passages.jsonl")):
            row = json.loads(line)
            ids.append(row[0])
            rows.append(row[1])
            sections.append(row[2])
            texts.append(row[3])
            hashes.append(row[4])
            if len(row) > 5:
                dups[n] = row[5]
        if rows and max(rows) >= len(docs):
            raise ValueError("a passage points past the last document")
        return cls(docs, ids, np.asarray(rows, dtype=np.int32), sections, texts, hashes, dups)


@dataclass
class IndexStore:
    """Everything a search needs, in memory."""

    manifest: Manifest
    table: PassageTable
    dense: DenseIndex
    sparse: SparseIndex

    def save(self, folder: Path) -> None:
        """Write every part, the manifest last (its presence marks a finished build)."""
        folder.mkdir(parents=True, exist_ok=True)
        self.table.save(folder)
        self.dense.save(folder / "dense.faiss")
        self.sparse.save(folder / "bm25")
        (folder / "manifest.json").write_text(
            json.dumps(self.manifest.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8"
        )

    @classmethod
    def load(cls, folder: Path) -> IndexStore:
        manifest = Manifest.read(folder)
        if manifest.version != FORMAT_VERSION:
            raise IndexError_(f"{folder} was built by another version of Vita; rebuild it")
        try:
            table = PassageTable.load(folder)
            dense = DenseIndex.load(folder / "dense.faiss", manifest.dense)
            sparse = SparseIndex.load(folder / "bm25", len(table))
        except Exception as exc:  # any damaged part: the caller rebuilds
            raise IndexError_(f"index at {folder} is damaged: {type(exc).__name__}: {exc}") from exc
        if not len(table) == dense.size == manifest.passages:
            raise IndexError_(
                f"index at {folder} is inconsistent: {len(table)} passages, "
                f"{dense.size} vectors, manifest says {manifest.passages}"
            )
        return cls(manifest, table, dense, sparse)


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
