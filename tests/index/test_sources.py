"""Readers: each format on our fixtures, broken files skipped by name, and the shared data sets."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from index.sources import Document, SourceError, SourceSpec, detect_format, read_source
from tests.conftest import SHARED_DATA
from tests.index.conftest import ARTICLES, FIXTURES


def _read(path: Path, fmt: str = "auto") -> tuple[list[Document], list[str]]:
    warnings: list[str] = []
    docs = list(read_source(SourceSpec(path, fmt).resolved(), warnings.append))
    return docs, warnings


def test_markdown_folder_is_read_recursively_with_front_matter() -> None:
    docs, warnings = _read(ARTICLES)
    by_id = {d.doc_id: d for d in docs}
    assert set(by_id) == {
        "conditions/migraine",
        "first_aid/sprained-ankle",
        "fitness/walking",
        "mental_health/sleep-and-stress",
        "nutrition/hydration",
    }  # README.md describes the folder and is not an article
    migraine = by_id["conditions/migraine"]
    assert migraine.title == "Migraine headaches"
    assert migraine.metadata["topic"] == "medical"
    assert migraine.metadata["url"] == "https://example.org/vita-fixtures/migraine"
    assert migraine.metadata["reviewed"] == "2026-01-15"  # a YAML date becomes JSON-safe text
    assert migraine.metadata["conditions"] == ["migraine"]
    assert "## When to get help" in migraine.text and "title:" not in migraine.text
    assert warnings == []


def test_every_document_has_the_contract_metadata_keys() -> None:
    sources = [
        (ARTICLES, "markdown"),
        (FIXTURES / "passages.jsonl", "jsonl"),
        (FIXTURES / "medquad", "medquad"),
        (FIXTURES / "exercises.json", "exercises"),
        (FIXTURES / "notes.txt", "text"),
    ]
    for path, fmt in sources:
        docs, _ = _read(path, fmt)
        assert docs, fmt
        for doc in docs:
            assert {"topic", "url", "source", "audience", "reviewed", "format"} <= set(doc.metadata)
            assert doc.metadata["format"] == fmt


def test_jsonl_skips_bad_lines_and_keeps_metadata() -> None:
    docs, warnings = _read(FIXTURES / "passages.jsonl")
    assert [d.doc_id for d in docs] == ["j1", "j2", "j4"]  # "_id" is accepted too
    assert docs[0].metadata["topic"] == "fitness"
    assert docs[0].metadata["url"] == "https://example.org/vita-fixtures/stretching"
    assert len(warnings) == 2
    assert all("passages.jsonl line" in w for w in warnings)


def test_medquad_reader_keeps_question_focus_and_url_out_of_the_text() -> None:
    docs, warnings = _read(FIXTURES / "medquad")
    assert [d.doc_id for d in docs] == [
        "1_Test_QA/0000001-1",
        "1_Test_QA/0000001-2",
        "2_Other_QA/0000003-1",  # the <doc>/<pair> layout some MedQuAD files use
    ]
    first = docs[0]
    assert first.title == "Shin splints"
    assert first.metadata["question"] == "What is (are) Shin splints ?"
    assert first.metadata["focus"] == "Shin splints"
    assert first.metadata["url"] == "https://example.org/vita-fixtures/medquad/shin-splints"
    assert first.metadata["topic"] == "medical"
    assert "What is" not in first.text  # the question is metadata, never indexed
    other = docs[2]
    assert other.title == "Tennis elbow" and other.metadata["source"] == "MedQuAD (OtherSite)"
    assert other.metadata["question"] == "what is tennis elbow ?"
    # the unanswered pair is left out; the truncated file is skipped and named
    assert len(warnings) == 1 and "0000002.xml" in warnings[0]


def test_exercises_reader() -> None:
    docs, warnings = _read(FIXTURES / "exercises.json")
    assert [d.title for d in docs] == ["Wall Push-Up", "Step-Up"]
    assert docs[0].doc_id == "exercise/Wall_Push-Up"
    assert "Primary muscles: chest." in docs[0].text and "1. Stand an arm" in docs[0].text
    assert docs[0].metadata["topic"] == "fitness"
    assert len(warnings) == 1 and "item 2" in warnings[0]


def test_plain_text_reader() -> None:
    docs, _ = _read(FIXTURES / "notes.txt")
    assert len(docs) == 1 and docs[0].title == "Posture at a desk"


def test_corrupt_files_are_skipped_with_a_warning_naming_them(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(FIXTURES / "broken", broken)
    # written here, not kept as a fixture: tools that read every .md file choke on it
    (broken / "binary.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe junk \xc3\x28")
    docs, warnings = _read(broken, "markdown")
    assert [d.title for d in docs] == ["Good article next to broken ones"]
    assert any("bad-front-matter.md" in w for w in warnings)
    assert any("binary.md" in w and "UTF-8" in w for w in warnings)


def test_missing_source_and_unknown_format_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not found"):
        SourceSpec(tmp_path / "nope").resolved()
    with pytest.raises(SourceError, match="unknown format"):
        SourceSpec(ARTICLES, "docx").resolved()
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError, match="--format"):
        SourceSpec(tmp_path / "empty").resolved()


def test_format_detection() -> None:
    assert detect_format(ARTICLES) == "markdown"
    assert detect_format(FIXTURES / "medquad") == "medquad"
    assert detect_format(FIXTURES / "passages.jsonl") == "jsonl"
    assert detect_format(FIXTURES / "exercises.json") == "exercises"
    assert detect_format(FIXTURES / "notes.txt") == "text"


MEDQUAD = SHARED_DATA / "medquad"
EXERCISES = SHARED_DATA / "exercises" / "exercises.json"


@pytest.mark.skipif(not MEDQUAD.is_dir(), reason=f"MedQuAD not found at {MEDQUAD}")
def test_real_medquad_subset() -> None:
    folder = MEDQUAD / "1_CancerGov_QA"
    files = sorted(folder.glob("*.xml"))[:5]
    warnings: list[str] = []
    docs = [
        d for f in files for d in read_source(SourceSpec(f, "medquad").resolved(), warnings.append)
    ]
    assert docs and not warnings
    assert all(d.doc_id.startswith("1_CancerGov_QA/") for d in docs)
    assert all(d.metadata["url"].startswith("https://") and d.metadata["question"] for d in docs)
    assert len({d.doc_id for d in docs}) == len(docs)
    # the folders whose answers were removed upstream give no documents, and no warnings
    adam = sorted((MEDQUAD / "10_MPlus_ADAM_QA").glob("*.xml"))[:3]
    assert not [d for f in adam for d in read_source(SourceSpec(f, "medquad").resolved(), print)]


@pytest.mark.skipif(not EXERCISES.is_file(), reason=f"exercises.json not found at {EXERCISES}")
def test_real_free_exercise_db() -> None:
    warnings: list[str] = []
    docs = list(
        itertools.islice(read_source(SourceSpec(EXERCISES).resolved(), warnings.append), 50)
    )
    assert len(docs) == 50 and not warnings
    assert all(d.metadata["topic"] == "fitness" and d.text for d in docs)
    assert len({d.doc_id for d in docs}) == 50
