"""Passage splitting with titles kept, and near-duplicate removal.

A document is cut into passages of about ``min_words``-``max_words`` words:

1. The body is split into sections on Markdown headings (``#`` .. ``######``) and each section
   into paragraphs on blank lines. A paragraph longer than ``max_words`` is cut between
   sentences (and a sentence longer than that between words).
2. Paragraphs are packed in order into a passage until the next one would pass ``max_words``.
   A new section starts a new passage when the current one already has ``min_words``; otherwise
   the short section joins the next, its heading kept as a line of the text. A short tail joins
   the passage before it when they fit together.
3. Each passage keeps its document's title, the heading it starts under (``section``) and the
   document's metadata. What is embedded and indexed is ``title / section / text``
   (:meth:`Chunk.index_text`), so a passage that never repeats the article's subject still
   matches it; ``text`` itself stays clean for display.

Near-duplicates (:func:`dedupe`): exact duplicates after normalising case, punctuation and
spacing, then 64-bit SimHash over word 3-shingles with a Hamming distance of at most 3 (found
through four 16-bit bands, so only candidates sharing a band are compared). The first passage
seen is kept and records the documents whose copies were dropped (``duplicates``), so an
evaluation can still credit a hit on identical text. Passages under 12 words are only removed
as exact duplicates: their SimHash is too coarse.
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from index.sources import Document

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")
_WORD = re.compile(r"[a-z0-9]+")
MAX_DUPLICATES_KEPT = 20


@dataclass(frozen=True)
class Chunk:
    """A passage of the index before it is embedded."""

    passage_id: str
    doc_id: str
    title: str
    section: str
    text: str
    metadata: Mapping[str, Any] = field(default_factory=dict)
    duplicates: tuple[str, ...] = ()

    def index_text(self) -> str:
        """What is embedded and indexed by BM25: the title and section travel with the text."""
        head = (
            self.title
            if not self.section or self.section == self.title
            else f"{self.title} — {self.section}"
        )
        return f"{head}\n{self.text}" if head else self.text


@dataclass(frozen=True)
class _Unit:
    section: str
    text: str
    words: int


def chunk_document(doc: Document, min_words: int = 100, max_words: int = 220) -> list[Chunk]:
    """Split one document into passages that keep its title (see the module docstring)."""
    units = list(_units(doc.text, doc.title, max_words))
    groups: list[list[_Unit]] = []
    size = 0
    for unit in units:
        current = groups[-1] if groups else None
        new_section = current is not None and unit.section != current[-1].section
        if current is None or size + unit.words > max_words or (new_section and size >= min_words):
            groups.append([unit])
            size = unit.words
        else:
            current.append(unit)
            size += unit.words
    tail = sum(u.words for u in groups[-1]) if groups else 0
    if (
        len(groups) > 1
        and tail < min_words
        and tail + sum(u.words for u in groups[-2]) <= max_words
    ):
        groups[-2].extend(groups.pop())
    chunks = []
    for n, group in enumerate(groups):
        lines: list[str] = []
        for i, unit in enumerate(group):
            if i and unit.section != group[i - 1].section and unit.section:
                lines.append(unit.section)  # keep the heading of a section merged into this one
            lines.append(unit.text)
        chunks.append(
            Chunk(
                passage_id=f"{doc.doc_id}#{n}",
                doc_id=doc.doc_id,
                title=doc.title,
                section=group[0].section,
                text="\n".join(lines),
                metadata=doc.metadata,
            )
        )
    return chunks


def chunk_documents(
    docs: Iterable[Document], min_words: int = 100, max_words: int = 220
) -> Iterator[Chunk]:
    for doc in docs:
        yield from chunk_document(doc, min_words, max_words)


def _units(body: str, title: str, max_words: int) -> Iterator[_Unit]:
    section = ""
    para: list[str] = []

    def flush() -> Iterator[_Unit]:
        text = _join_lines(para)
        para.clear()
        for piece in _split_long(text, max_words):
            yield _Unit(section, piece, len(piece.split()))

    for line in body.splitlines():
        heading = _HEADING.match(line)
        if heading:
            yield from flush()
            name = heading.group(2).strip()
            if len(heading.group(1)) == 1 and name.lower() == title.lower():
                continue  # the article's own H1 repeats the title
            section = name
        elif not line.strip():
            yield from flush()
        else:
            para.append(line)
    yield from flush()


def _join_lines(lines: Sequence[str]) -> str:
    """Paragraph lines joined by spaces, list items kept on their own lines; spacing collapsed."""
    out: list[str] = []
    for line in lines:
        clean = re.sub(r"[^\S\n]+", " ", line).strip()  # no-break spaces too (MedQuAD has many)
        if out and not _LIST_ITEM.match(line):
            out[-1] = f"{out[-1]} {clean}"
        else:
            out.append(clean)
    return "\n".join(out).strip()


def _split_long(text: str, max_words: int) -> Iterator[str]:
    if not text:
        return
    if len(text.split()) <= max_words:
        yield text
        return
    pieces: list[str] = []
    size = 0
    for sentence in _SENTENCE_END.split(text):
        words = sentence.split()
        while len(words) > max_words:  # a run-on "sentence" (a long list, a table)
            if pieces:
                yield " ".join(pieces)
                pieces, size = [], 0
            yield " ".join(words[:max_words])
            words = words[max_words:]
        if size + len(words) > max_words and pieces:
            yield " ".join(pieces)
            pieces, size = [], 0
        if words:
            pieces.append(" ".join(words))
            size += len(words)
    if pieces:
        yield " ".join(pieces)


# --------------------------------------------------------------------------- near-duplicates


def dedupe(chunks: Iterable[Chunk], max_distance: int = 3) -> tuple[list[Chunk], int]:
    """Drop exact and near-duplicate passages; returns ``(kept, number removed)``."""
    kept: list[Chunk] = []
    dropped_into: dict[int, list[str]] = defaultdict(list)
    exact: dict[str, int] = {}
    bands: dict[tuple[int, int], list[int]] = defaultdict(list)
    signatures: list[int] = []
    cache: dict[str, int] = {}
    removed = 0
    for chunk in chunks:
        words = _WORD.findall(chunk.text.lower())
        key = " ".join(words)
        twin = exact.get(key)
        signature = _simhash(words, cache) if len(words) >= 12 else None
        if twin is None and signature is not None:
            twin = _near(signature, signatures, bands, max_distance)
        if twin is not None:
            removed += 1
            if chunk.doc_id != kept[twin].doc_id:
                dropped_into[twin].append(chunk.doc_id)
            continue
        index = len(kept)
        kept.append(chunk)
        exact[key] = index
        signatures.append(signature if signature is not None else -1)
        if signature is not None:
            for band in range(4):
                bands[(band, (signature >> (16 * band)) & 0xFFFF)].append(index)
    for index, doc_ids in dropped_into.items():
        unique = tuple(dict.fromkeys(doc_ids))[:MAX_DUPLICATES_KEPT]
        kept[index] = replace(kept[index], duplicates=unique)
    return kept, removed


def _near(
    signature: int, signatures: list[int], bands: dict[tuple[int, int], list[int]], limit: int
) -> int | None:
    for band in range(4):
        members = bands.get((band, (signature >> (16 * band)) & 0xFFFF), ())
        for other in members[:64]:  # a huge bucket means boilerplate; 64 checks are enough
            if (signature ^ signatures[other]).bit_count() <= limit:
                return other
    return None


_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def _simhash(words: Sequence[str], cache: dict[str, int]) -> int:
    ids = np.fromiter((_word_hash(w, cache) for w in words), dtype=np.uint64, count=len(words))
    with np.errstate(over="ignore"):
        shingles = (
            ids[:-2] * np.uint64(0x9E3779B97F4A7C15)
            ^ ids[1:-1] * np.uint64(0xC2B2AE3D27D4EB4F)
            ^ ids[2:] * np.uint64(0x165667B19E3779F9)
        )
        mixed = _splitmix(shingles & _MASK)
    bits = np.unpackbits(mixed.view(np.uint8)).reshape(-1, 64)
    votes: npt.NDArray[np.bool_] = bits.sum(axis=0) * 2 > len(mixed)
    return int.from_bytes(np.packbits(votes).tobytes(), "big")


def _splitmix(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    out: npt.NDArray[np.uint64] = x ^ (x >> np.uint64(31))
    return out


def _word_hash(word: str, cache: dict[str, int]) -> int:
    value = cache.get(word)
    if value is None:
        encoded = word.encode()
        value = (zlib.crc32(encoded) << 32) | zlib.crc32(encoded, 0x5BD1E995)
        cache[word] = value
    return value
