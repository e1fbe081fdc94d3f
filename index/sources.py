"""Readers: turn a source (a file or a folder) into :class:`Document` records.

Formats (``--format``):

* ``markdown`` — ``.md`` files, read recursively, each with optional YAML front matter
  (``title``, ``topic``, ``audience``, ``source``, ``url``, ``reviewed``, ...). The document id is
  the front matter ``id`` or the path relative to the folder without ``.md`` (``conditions/asthma``).
* ``jsonl`` — one JSON object per line: ``{"id", "title", "text", ...metadata}`` (BEIR's ``_id``
  is accepted too). Every other key becomes metadata.
* ``medquad`` — MedQuAD XML: one document per ``<QAPair>`` that has an answer. The answer is the
  text; the focus is the title; question, question type, focus, CUI and source URL are metadata.
  The question is deliberately *not* part of the text (a retrieval benchmark that indexed it
  would be trivial). Ids are ``<folder>/<file>-<pid>``: MedQuAD's qids repeat across files.
  Three XML layouts occur (``<Document>``, ``<DiseaseFile>``, ``<doc>/<pair>``); all are read.
* ``exercises`` — free-exercise-db ``exercises.json``: one document per exercise, its facts
  (level, equipment, muscles) and numbered instructions as the text, topic ``fitness``.
* ``text`` — ``.txt`` files (recursively): one document per file.
* ``auto`` — decided from the path (see :func:`detect_format`).

Decisions:
    * A file that cannot be read (not UTF-8, broken YAML, broken XML or JSON) is skipped with a
      warning naming it, via the ``warn`` callback; a bad JSONL line skips only that line. A
      missing source path is an error (:class:`SourceError`), never an empty index.
    * Metadata is made JSON-safe here (dates become ISO strings) because the store writes it as
      JSON. Every document carries ``topic``, ``url``, ``source``, ``audience``, ``reviewed`` and
      ``format`` keys (``None`` when unknown) so the runtime contract holds for every format.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

FORMATS = ("markdown", "jsonl", "medquad", "exercises", "text")
Warn = Callable[[str], None]
_BASE_KEYS = ("topic", "url", "source", "audience", "reviewed")
_SUFFIXES = {"markdown": (".md", ".markdown"), "text": (".txt",), "medquad": (".xml",)}


class SourceError(ValueError):
    """A source that cannot be read at all (missing path, unknown format)."""


@dataclass(frozen=True)
class Document:
    """One source document before chunking."""

    doc_id: str
    title: str
    text: str
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SourceSpec:
    """A path and its format, as given to ``vita index build --source`` or ``vita index add``."""

    path: Path
    format: str = "auto"

    def resolved(self) -> SourceSpec:
        """The same source with an absolute path and a concrete format."""
        path = self.path.expanduser().resolve()
        if not path.exists():
            raise SourceError(f"source not found: {path}")
        fmt = detect_format(path) if self.format == "auto" else self.format
        if fmt not in FORMATS:
            raise SourceError(f"unknown format {fmt!r} for {path}: use one of {', '.join(FORMATS)}")
        return SourceSpec(path, fmt)

    def to_dict(self) -> dict[str, str]:
        return {"path": str(self.path), "format": self.format}


def detect_format(path: Path) -> str:
    """Guess a format from a file's suffix, or from the files a folder holds."""
    if path.is_file():
        suffix = path.suffix.lower()
        by_suffix = {".jsonl": "jsonl", ".json": "exercises", ".xml": "medquad", ".txt": "text"}
        return by_suffix.get(suffix, "markdown" if suffix in (".md", ".markdown") else "text")
    for fmt, pattern in (("markdown", "*.md"), ("medquad", "*.xml"), ("text", "*.txt")):
        if next(path.rglob(pattern), None) is not None:
            return fmt
    raise SourceError(f"cannot tell the format of {path}: pass --format")


def source_files(spec: SourceSpec) -> list[Path]:
    """The files a (resolved) source reads, in a stable order."""
    if spec.path.is_file():
        return [spec.path]
    suffixes = _SUFFIXES.get(spec.format, (".jsonl",) if spec.format == "jsonl" else (".json",))
    return sorted(
        p
        for p in spec.path.rglob("*")
        if p.is_file() and p.suffix.lower() in suffixes and not _ignored(p, spec.path)
    )


def _ignored(path: Path, root: Path) -> bool:
    """Hidden files, ``_drafts``-style names and READMEs describe a folder; they are not articles."""
    parts = path.relative_to(root).parts
    return any(p.startswith((".", "_")) for p in parts) or path.stem.lower() == "readme"


def read_source(
    spec: SourceSpec, warn: Warn, on_file: Callable[[Path], None] | None = None
) -> Iterator[Document]:
    """Yield the documents of a resolved source; unreadable files are reported via ``warn``."""
    reader = _READERS[spec.format]
    root = spec.path if spec.path.is_dir() else spec.path.parent
    for path in source_files(spec):
        if on_file is not None:
            on_file(path)
        try:
            yield from reader(path, root, warn)
        except (UnicodeDecodeError, ValueError, ET.ParseError, yaml.YAMLError, OSError) as exc:
            warn(f"skipped {path}: {_reason(exc)}")


# --------------------------------------------------------------------------- readers


def _read_markdown(path: Path, root: Path, warn: Warn) -> Iterator[Document]:
    meta, body = split_front_matter(path.read_text(encoding="utf-8"))
    rel = path.relative_to(root).with_suffix("").as_posix()
    title = str(meta.pop("title", "") or "").strip() or _first_heading(body) or _humanise(path.stem)
    doc_id = str(meta.pop("id", "") or rel)
    if not body.strip():
        warn(f"skipped {path}: no text after the front matter")
        return
    yield Document(doc_id, title, body, _metadata(meta, "markdown", path=rel))


def _read_jsonl(path: Path, root: Path, warn: Warn) -> Iterator[Document]:
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                warn(f"skipped {path} line {number}: not valid JSON ({exc.msg})")
                continue
            text = row.get("text") if isinstance(row, dict) else None
            if not isinstance(text, str) or not text.strip():
                warn(f"skipped {path} line {number}: no 'text' field")
                continue
            extra = {k: v for k, v in row.items() if k not in ("id", "_id", "title", "text")}
            doc_id = str(row.get("id", row.get("_id", f"{path.stem}:{number}")))
            yield Document(doc_id, str(row.get("title") or ""), text, _metadata(extra, "jsonl"))


def _read_medquad(path: Path, root: Path, warn: Warn) -> Iterator[Document]:
    # Most files are <Document>/<QAPair>/<Question>/<Answer>; a few use <DiseaseFile> or
    # <doc>/<pair>/<question>/<answer> with docid/corpus attributes: all are read alike.
    doc = ET.parse(path).getroot()
    if doc.tag not in ("Document", "DiseaseFile", "doc"):
        raise ValueError(f"not a MedQuAD document (root <{doc.tag}>)")
    focus = _text(doc, "Focus", "doctitle-focus")
    source = doc.get("source") or doc.get("corpus") or path.parent.name
    cui = _text(doc, "FocusAnnotations/UMLS/CUIs/CUI", "UMLS/CUI", "umls/cui") or None
    group = _text(doc, "FocusAnnotations/UMLS/SemanticGroup", "UMLS/SemanticGroup") or None
    for pair in (p for p in doc.iter() if p.tag in ("QAPair", "pair")):
        answer = _text(pair, "Answer", "answer")
        question = next((q for q in pair if q.tag in ("Question", "question")), None)
        if not answer or question is None:
            continue
        qid = question.get("qid") or ""
        meta = {
            "topic": "medical",
            "url": doc.get("url"),
            "source": f"MedQuAD ({source})",
            "audience": "public",
            "question": (question.text or "").strip(),
            "qid": qid,
            "qtype": question.get("qtype"),
            "focus": focus,
            "cui": cui,
            "semantic_group": group,
            "document": doc.get("id") or doc.get("fid") or doc.get("docid"),
        }
        # qids repeat across files (CancerGov's 0000013_3.xml and 0000013_3_1.xml), file names don't
        doc_id = f"{path.parent.name}/{path.stem}-{pair.get('pid', '?')}"
        yield Document(doc_id, focus or doc_id, answer, _metadata(meta, "medquad"))


def _text(element: ET.Element, *paths: str) -> str:
    """The stripped text of the first of ``paths`` found under ``element`` ('' if none)."""
    for path in paths:
        found = element.findtext(path)
        if found is not None and found.strip():
            return found.strip()
    return ""


def _read_exercises(path: Path, root: Path, warn: Warn) -> Iterator[Document]:
    rows = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(rows, list):
        raise ValueError("expected a JSON list of exercises")
    for n, row in enumerate(rows):
        if not isinstance(row, dict) or not row.get("name"):
            warn(f"skipped {path} item {n}: no exercise name")
            continue
        facts = [
            f"{label}: {_join(row.get(key))}."
            for key, label in (
                ("category", "Category"),
                ("level", "Level"),
                ("equipment", "Equipment"),
                ("primaryMuscles", "Primary muscles"),
                ("secondaryMuscles", "Secondary muscles"),
                ("force", "Force"),
                ("mechanic", "Mechanic"),
            )
            if row.get(key)
        ]
        steps = [f"{i}. {s}" for i, s in enumerate(row.get("instructions") or [], 1)]
        text = " ".join(facts) + ("\n\n" + "\n".join(steps) if steps else "")
        meta = {
            "topic": "fitness",
            "source": "free-exercise-db",
            "audience": "public",
            "level": row.get("level"),
            "equipment": row.get("equipment"),
            "muscles": list(row.get("primaryMuscles") or []),
            "category": row.get("category"),
        }
        doc_id = f"exercise/{row.get('id') or _slug(str(row['name']))}"
        yield Document(doc_id, str(row["name"]), text, _metadata(meta, "exercises"))


def _read_text(path: Path, root: Path, warn: Warn) -> Iterator[Document]:
    text = path.read_text(encoding="utf-8")
    if "\x00" in text:
        raise ValueError("binary data, not text")
    if not text.strip():
        warn(f"skipped {path}: empty file")
        return
    lines = text.strip().splitlines()
    title = lines[0].strip() if len(lines) > 1 and len(lines[0]) <= 100 else _humanise(path.stem)
    rel = path.relative_to(root).with_suffix("").as_posix()
    yield Document(rel, title, text, _metadata({}, "text", path=rel))


_READERS: dict[str, Callable[[Path, Path, Warn], Iterator[Document]]] = {
    "markdown": _read_markdown,
    "jsonl": _read_jsonl,
    "medquad": _read_medquad,
    "exercises": _read_exercises,
    "text": _read_text,
}


# --------------------------------------------------------------------------- helpers


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """``(front matter, body)``; raises ``ValueError`` when the front matter is not a mapping."""
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        raise ValueError("binary data, not Markdown")
    match = re.match(r"^---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|$)", text, re.S)
    if not match:
        return {}, text
    meta = yaml.safe_load(match.group(1)) or {}
    if not isinstance(meta, dict):
        raise ValueError("front matter is not a YAML mapping")
    return {str(k): v for k, v in meta.items()}, text[match.end() :]


def _metadata(meta: Mapping[str, Any], fmt: str, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = dict.fromkeys(_BASE_KEYS)
    out.update({k: _json_safe(v) for k, v in meta.items()})
    out.update(extra)
    out["format"] = fmt
    if isinstance(out.get("topic"), str):
        out["topic"] = out["topic"].strip().lower().replace(" ", "_").replace("-", "_")
    return out


def _json_safe(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _first_heading(body: str) -> str:
    match = re.search(r"^#\s+(.+)$", body, re.M)
    return match.group(1).strip() if match else ""


def _humanise(stem: str) -> str:
    return re.sub(r"[_-]+", " ", stem).strip().capitalize()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _join(value: Any) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    first = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {first[0][:200]}" if first else type(exc).__name__
