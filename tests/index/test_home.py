"""Saving and loading, and the manifest deciding when to rebuild (corpus, model, damage)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from index.embed import HashEmbedder
from index.home import IndexHome
from index.search import Searcher
from index.sources import SourceError, SourceSpec
from index.store import IndexError_, IndexStore
from tests.index.conftest import ARTICLES, FIXTURES


def _results(store: IndexStore, embedder: HashEmbedder) -> list[tuple[str, float]]:
    searcher = Searcher(store, embedder)
    return [
        (searcher.passage(h).passage_id, round(h.score, 9))
        for h in searcher.search("walking ankle water", k=8)
    ]


def test_save_and_load_give_the_same_index(
    tmp_path: Path, small_store: IndexStore, embedder: HashEmbedder
) -> None:
    small_store.save(tmp_path / "idx")
    loaded = IndexStore.load(tmp_path / "idx")
    assert loaded.manifest == small_store.manifest
    assert loaded.table.passage_ids == small_store.table.passage_ids
    assert loaded.table.docs == small_store.table.docs
    assert _results(loaded, embedder) == _results(small_store, embedder)
    manifest = json.loads((tmp_path / "idx" / "manifest.json").read_text())
    assert manifest["embedder"] == "hash" and manifest["dim"] == 128
    assert manifest["passages"] == len(small_store.table)
    assert manifest["dense"]["kind"] == "flat" and manifest["dense"]["recall_at_10"] == 1.0
    assert len(manifest["corpus_hash"]) == 64 and manifest["topics"]["fitness"] > 0


def test_damaged_or_missing_index_is_a_clear_error(tmp_path: Path, small_store: IndexStore) -> None:
    with pytest.raises(IndexError_, match="no manifest"):
        IndexStore.load(tmp_path / "missing")
    folder = tmp_path / "idx"
    small_store.save(folder)
    (folder / "dense.faiss").write_bytes(b"not a faiss index")
    with pytest.raises(IndexError_, match="damaged"):
        IndexStore.load(folder)
    small_store.save(folder)
    (folder / "manifest.json").write_text("{broken")
    with pytest.raises(IndexError_, match="damaged"):
        IndexStore.load(folder)


def _home(tmp_path: Path, corpus: Path) -> IndexHome:
    return IndexHome(tmp_path / "data" / "index", [SourceSpec(corpus, "markdown")])


def test_rebuilt_only_when_the_corpus_changes(tmp_path: Path, embedder: HashEmbedder) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(ARTICLES, corpus)
    home = _home(tmp_path, corpus)  # the data directory does not exist yet
    first, built = home.ensure(embedder)
    assert built and home.status(embedder).fresh
    again, built = home.ensure(embedder)
    assert not built and again.manifest == first.manifest
    # a new article: rebuilt, and the unchanged passages keep their vectors
    (corpus / "fitness" / "cycling.md").write_text(
        "---\ntitle: Cycling\ntopic: fitness\n---\nCycling to work adds exercise to the day."
    )
    status = home.status(embedder)
    assert not status.fresh and status.reason == "the corpus changed"
    grown, built = home.ensure(embedder)
    assert built and grown.manifest.passages == first.manifest.passages + 1
    assert grown.manifest.reused_vectors == first.manifest.passages
    assert grown.manifest.corpus_hash != first.manifest.corpus_hash


def test_another_embedding_model_forces_a_rebuild(tmp_path: Path, embedder: HashEmbedder) -> None:
    home = _home(tmp_path, ARTICLES)
    home.ensure(embedder)
    other = HashEmbedder(64)
    other.name = "hash-other"
    status = home.status(other)
    assert not status.fresh and "embedding model changed" in status.reason
    store, built = home.ensure(other)
    assert built and store.manifest.embedder == "hash-other" and store.dense.dim == 64
    assert store.manifest.reused_vectors == 0  # vectors of another model are never reused


def test_a_damaged_index_is_rebuilt(tmp_path: Path, embedder: HashEmbedder) -> None:
    home = _home(tmp_path, ARTICLES)
    home.ensure(embedder)
    (home.current / "passages.jsonl").write_text("garbage\n")
    store, built = home.ensure(embedder)
    assert built and len(store.table) == store.manifest.passages
    assert not list(home.root.glob("building-*")) and not list(home.root.glob("retired-*"))


def test_added_sources_are_recorded(tmp_path: Path, embedder: HashEmbedder) -> None:
    home = _home(tmp_path, ARTICLES)
    home.add_source(SourceSpec(FIXTURES / "passages.jsonl", "jsonl"))
    home.add_source(SourceSpec(FIXTURES / "passages.jsonl", "jsonl"))  # not twice
    assert [s.format for s in home.sources()] == ["markdown", "jsonl"]
    store, _ = home.ensure(embedder)
    assert {"j1", "conditions/migraine"} <= {d.doc_id for d in store.table.docs}
    assert len(store.manifest.warnings) == 2  # the two bad JSONL lines, recorded
    with pytest.raises(SourceError, match="not found"):
        home.add_source(SourceSpec(tmp_path / "missing.jsonl", "jsonl"))


def test_same_document_id_in_two_sources_keeps_both(tmp_path: Path, embedder: HashEmbedder) -> None:
    other = tmp_path / "other" / "conditions"
    other.mkdir(parents=True)
    (other / "migraine.md").write_text(
        "---\ntitle: Another migraine page\n---\nA cool cloth helps."
    )
    home = _home(tmp_path, ARTICLES)
    home.set_sources([SourceSpec(ARTICLES, "markdown"), SourceSpec(other.parent, "markdown")])
    store, _ = home.ensure(embedder)
    titles = {d.doc_id: d.title for d in store.table.docs}
    assert titles["conditions/migraine"] == "Migraine headaches"
    assert titles["conditions/migraine~2"] == "Another migraine page"
    assert any("appears 2 times" in w for w in store.manifest.warnings)
