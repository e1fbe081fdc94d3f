"""`vita index build|add|stats|search` and `vita eval retrieval`, run through `vita`'s main()."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.cli import main
from tests.index.conftest import ARTICLES, FIXTURES


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VITA_EMBEDDER", "hash")
    monkeypatch.setenv("VITA_INDEX_CORPUS", str(ARTICLES))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _out(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().out


@pytest.mark.parametrize("action", ["build", "add", "stats", "search"])
def test_help(action: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["index", action, "--help"])
    assert info.value.code == 0 and "--data-dir" in _out(capsys)


def test_build_stats_add_search(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["index", "build", "--data-dir", "a"]) == 0
    assert "Built the index" in _out(capsys)
    assert main(["index", "build", "--data-dir", "a"]) == 0
    assert "up to date" in _out(capsys)
    assert main(["index", "stats", "--data-dir", "a", "--json"]) == 0
    stats = json.loads(_out(capsys))
    assert stats["fresh"] and stats["manifest"]["documents"] == 5
    assert (
        main(["index", "add", str(FIXTURES / "medquad"), "--format", "medquad", "--data-dir", "a"])
        == 0
    )
    assert "Added" in _out(capsys)
    assert main(["index", "stats", "--data-dir", "a"]) == 0
    text = _out(capsys)
    assert "up to date" in text and "0000002.xml" in text  # the broken file is listed
    assert (
        main(["index", "search", "shin pain when running", "-k", "2", "--json", "--data-dir", "a"])
        == 0
    )
    results = json.loads(_out(capsys))
    assert results[0]["title"] == "Shin splints" and results[0]["url"].startswith("https://")
    assert main(["index", "search", "ankle ice", "--topic", "first_aid", "--data-dir", "a"]) == 0
    assert "Sprained ankle" in _out(capsys)


def test_build_from_explicit_sources_side_by_side(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["index", "build", "--data-dir", "a"]) == 0
    assert (
        main(
            [
                "index",
                "build",
                "--data-dir",
                "b",
                "--source",
                str(FIXTURES / "passages.jsonl"),
                "--format",
                "jsonl",
                "--source",
                str(FIXTURES / "exercises.json"),
            ]
        )
        == 0
    )
    capsys.readouterr()
    main(["index", "stats", "--json", "--data-dir", "b"])
    b = json.loads(_out(capsys))["manifest"]
    main(["index", "stats", "--json", "--data-dir", "a"])
    a = json.loads(_out(capsys))["manifest"]
    assert [s["format"] for s in b["sources"]] == ["jsonl", "exercises"]
    assert [s["format"] for s in a["sources"]] == ["markdown"]
    assert b["documents"] == 5 and a["documents"] == 5 and a["corpus_hash"] != b["corpus_hash"]


def test_batch_search(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    queries = env / "q.jsonl"
    queries.write_text(
        '{"id": "q1", "text": "shin splints from running"}\n'
        "not json\n"
        '{"id": "q2", "text": "how much water to drink"}\n'
        '{"id": "q3", "text": ""}\n'
    )
    main(["index", "add", str(FIXTURES / "medquad"), "--format", "medquad"])
    capsys.readouterr()
    assert main(["index", "search", "--queries", str(queries), "-k", "3", "--json"]) == 0
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert [line["id"] for line in lines] == ["q1", "q2", "q3"]
    assert lines[0]["results"][0]["title"] == "Shin splints"
    assert set(lines[0]["results"][0]) == {"doc_id", "passage_id", "score", "title"}
    assert lines[1]["results"][0]["doc_id"] == "nutrition/hydration"
    assert lines[2]["results"] == [] and len(lines[0]["results"]) == 3
    assert "line 2" in captured.err


def test_bad_input_is_a_clear_error(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["index", "search", "   "]) == 2
    assert "empty" in capsys.readouterr().err
    assert main(["index", "search", "x" * 10_000]) == 2
    assert "too long" in capsys.readouterr().err
    assert main(["index", "search", "ankle", "-k", "0"]) == 2
    assert main(["index", "stats", "--data-dir", "missing"]) == 2
    assert "vita index build" in capsys.readouterr().err
    assert main(["index", "add", str(env / "nope.jsonl")]) == 2
    assert "not found" in capsys.readouterr().err
    assert main(["index", "build", "--source", str(env)]) == 2  # an empty folder: format unknown
    assert "--format" in capsys.readouterr().err


def test_eval_retrieval_on_a_beir_folder(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    beir = env / "mini"
    (beir / "qrels").mkdir(parents=True)
    docs = {
        "d1": "Rest the ankle, put ice on the swelling and raise the foot after a sprain.",
        "d2": "Most adults need six to eight glasses of water a day, more in hot weather.",
        "d3": "A migraine is a throbbing headache, often with sickness and dislike of light.",
        "d4": "Brisk walking for thirty minutes most days strengthens the heart.",
    }
    with (beir / "corpus.jsonl").open("w") as fh:
        for doc_id, text in docs.items():
            fh.write(json.dumps({"_id": doc_id, "title": "", "text": text}) + "\n")
    (beir / "queries.jsonl").write_text(
        '{"_id": "q1", "text": "ice for a sprained ankle"}\n'
        '{"_id": "q2", "text": "glasses of water per day"}\n'
        '{"_id": "q3", "text": "not judged"}\n'
    )
    (beir / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n")
    assert main(["eval", "retrieval", "--corpus", str(beir), "--json"]) == 0
    report = json.loads(_out(capsys))
    assert set(report["results"]) == {"hybrid", "dense", "bm25"}
    assert report["results"]["bm25"] == {
        "ndcg@10": 1.0,
        "recall@100": 1.0,
        "mrr@10": 1.0,
        "queries": 2,
    }
    trec = env / "qrels.trec"
    trec.write_text("q1 0 d1 1\nq2 0 d3 1\n")
    assert (
        main(
            [
                "eval",
                "retrieval",
                "--corpus",
                str(beir / "corpus.jsonl"),
                "--queries",
                str(beir / "queries.jsonl"),
                "--qrels",
                str(trec),
            ]
        )
        == 0
    )
    assert "hybrid" in _out(capsys)
    assert main(["eval", "retrieval", "--corpus", str(env / "nowhere")]) == 2
