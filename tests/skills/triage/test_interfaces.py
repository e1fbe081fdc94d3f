"""``POST /api/v1/triage`` and ``vita triage`` on the tiny model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.cli import main
from assistant.server import create_app
from assistant.testing import runtime_for_tests, settings_for_tests
from skills.triage import cli as triage_cli
from skills.triage.engine import TriageEngine
from skills.triage.skill import TriageSkill


@pytest.fixture
def client(tmp_path: Path, tiny_engine: TriageEngine) -> Iterator[TestClient]:
    settings = settings_for_tests(tmp_path, skills=("smalltalk", "triage"))
    runtime = runtime_for_tests(settings, [TriageSkill(settings, engine=tiny_engine)])
    with TestClient(create_app(settings, runtime=runtime)) as c:
        yield c


def test_rest_triage(client: TestClient) -> None:
    r = client.post(
        "/api/v1/triage",
        json={"text": "I rolled my ankle and it is puffy", "age": 30, "sex": "male"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["level"] in ("self_care", "routine", "urgent", "emergency")
    assert (
        body["conditions"][0]["id"] == "ankle_sprain"
        and body["conditions"][0]["icd10"] == "S93.409A"
    )
    assert {"token", "weight"} <= set(body["attention"][0])
    assert "ankle" in body["symptoms"]["present"][0]
    follow = body.get("next_question")
    if follow and follow["symptom"]:
        again = client.post(
            "/api/v1/triage",
            json={
                "text": "I rolled my ankle and it is puffy",
                "answers": {follow["symptom"]: True},
            },
        )
        assert again.status_code == 200


def test_red_flag_answer_via_rest(client: TestClient) -> None:
    r = client.post(
        "/api/v1/triage",
        json={"text": "rolled my ankle, swollen", "answers": {"cannot_bear_weight": True}},
    )
    body = r.json()
    assert body["level"] in ("urgent", "emergency")
    assert [f["symptom"] for f in body["red_flags"]] == ["cannot_bear_weight"]


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"text": ""}, 400, "empty_message"),
        ({"text": "x" * 5000}, 400, "message_too_long"),
        ({"text": "cough", "age": 300}, 422, "bad_request"),
        ({"text": "cough", "answers": {"not_a_symptom": True}}, 422, "bad_request"),
        ({"words": "cough"}, 422, "bad_request"),
    ],
)
def test_rest_bad_input(
    client: TestClient, payload: dict[str, object], status: int, code: str
) -> None:
    r = client.post("/api/v1/triage", json=payload)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code


def test_cli_one_and_batch(
    tmp_path: Path,
    tiny_engine: TriageEngine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(triage_cli, "_engine", lambda: tiny_engine)
    assert main(["triage", "snotty nose and a scratchy throat", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["conditions"][0]["id"] == "common_cold"
    batch = tmp_path / "cases.jsonl"
    batch.write_text(
        '{"id": "a", "text": "rolled my ankle"}\nnot json\n{"id": "c", "text": "heartburn and acid coming up after eating"}\n'
    )
    assert main(["triage", "--batch", str(batch), "--json"]) == 1  # one bad line
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["id"] for line in lines] == ["a", 2, "c"]
    assert "error" in lines[1] and "conditions" in lines[0] and "conditions" in lines[2]
    assert {c["id"] for c in lines[2]["conditions"]} <= set(tiny_engine.kb.ids)
    assert main(["triage"]) == 2
