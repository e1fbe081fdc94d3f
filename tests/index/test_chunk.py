"""Chunking keeps titles and sections within the size limits; near-duplicates are removed."""

from __future__ import annotations

from index.chunk import Chunk, chunk_document, dedupe
from index.sources import Document

SENTENCE = "Regular walking strengthens the heart and lifts the mood of most adults. "


def _doc(text: str, title: str = "Walking") -> Document:
    return Document("doc", title, text, {"topic": "fitness"})


def test_sections_become_passages_that_keep_the_title() -> None:
    body = "# Walking\n\n" + "".join(
        f"## Part {n}\n\n{SENTENCE * 10}\n\n" for n in range(4)
    )  # 4 sections of 120 words
    chunks = chunk_document(_doc(body), min_words=100, max_words=220)
    assert [c.section for c in chunks] == ["Part 0", "Part 1", "Part 2", "Part 3"]
    assert [c.passage_id for c in chunks] == ["doc#0", "doc#1", "doc#2", "doc#3"]
    for chunk in chunks:
        assert chunk.title == "Walking" and chunk.metadata["topic"] == "fitness"
        assert chunk.index_text().startswith(f"Walking — {chunk.section}\n")
        assert "#" not in chunk.text


def test_short_sections_merge_and_keep_their_heading() -> None:
    body = "## Intro\n\nShort opening words here.\n\n## Details\n\n" + SENTENCE * 4
    chunks = chunk_document(_doc(body), min_words=100, max_words=220)
    assert len(chunks) == 1
    assert chunks[0].section == "Intro"
    assert "\nDetails\n" in chunks[0].text


def test_long_paragraphs_are_cut_between_sentences_within_the_limit() -> None:
    chunks = chunk_document(_doc(SENTENCE * 60), min_words=100, max_words=150)  # 720 words
    sizes = [len(c.text.split()) for c in chunks]
    assert len(chunks) >= 5 and max(sizes) <= 150 and sum(sizes) == 720
    assert all(c.text.endswith(".") for c in chunks)  # cut at sentence ends
    runon = chunk_document(_doc("word " * 1000), min_words=100, max_words=200)
    assert max(len(c.text.split()) for c in runon) <= 200


def test_small_tail_joins_the_passage_before() -> None:
    chunks = chunk_document(_doc(SENTENCE * 15 + "\n\nA short closing line."), 100, 220)
    assert len(chunks) == 1 and chunks[0].text.endswith("A short closing line.")


def _chunk(doc_id: str, text: str) -> Chunk:
    return Chunk(f"{doc_id}#0", doc_id, "t", "", text)


def test_dedupe_removes_exact_and_near_copies_and_remembers_them() -> None:
    base = " ".join(f"word{n} sits in sentence {n} of a long text about health" for n in range(30))
    near = base.replace("sentence 7 ", "sentence seven ")  # one word changed in ~300
    other = " ".join(f"item{n} differs entirely from the rest {n}" for n in range(30))
    kept, removed = dedupe(
        [
            _chunk("a", base),
            _chunk("b", base.upper()),  # same words, other case: an exact duplicate
            _chunk("c", near),
            _chunk("d", other),
        ]
    )
    assert removed == 2
    assert [c.doc_id for c in kept] == ["a", "d"]
    assert kept[0].duplicates == ("b", "c")
    assert kept[1].duplicates == ()


def test_dedupe_keeps_short_texts_that_merely_look_alike() -> None:
    kept, removed = dedupe([_chunk("a", "Drink water."), _chunk("b", "Drink more water.")])
    assert removed == 0 and len(kept) == 2
