"""The REST endpoint (plan JSON, 422s in the project's error format), exports, and the websocket."""

from __future__ import annotations

import csv
import io
from typing import Any

import icalendar
import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

GOOD = {
    "goal": "muscle",
    "days_per_week": 4,
    "minutes_per_session": 45,
    "equipment": ["dumbbell", "bench"],
    "conditions": ["knee"],
}


def test_plan_json(workout_client: TestClient) -> None:
    response = workout_client.post("/api/v1/workout-plan", json={"profile": GOOD})
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"profile", "weeks", "weekly_sets", "notes"}
    assert data["profile"]["goal"] == "muscle" and len(data["weeks"]) == 4
    days = data["weeks"][0]["days"]
    assert [d["focus"] for d in days] == ["Upper body", "Lower body", "Upper body", "Lower body"]
    assert all(d["minutes"] <= 45 for w in data["weeks"] for d in w["days"])
    for item in days[0]["exercises"]:
        assert {
            "id",
            "name",
            "sets",
            "reps",
            "rest_s",
            "effort",
            "primary_muscles",
            "equipment",
        } <= set(item)
        assert set(item["equipment"]) <= {"dumbbell", "bench", "bodyweight"}


def test_free_text_equipment_and_defaults(workout_client: TestClient) -> None:
    response = workout_client.post(
        "/api/v1/workout-plan", json={"profile": {"equipment": "dumbbells and a bench"}}
    )
    assert response.status_code == 200
    profile = response.json()["profile"]
    assert profile["equipment"] == ["dumbbell", "bench"] and profile["days_per_week"] == 3
    # free text that names no equipment at all reads as "no equipment": a bodyweight plan
    response = workout_client.post(
        "/api/v1/workout-plan", json={"profile": {"equipment": "a trampoline"}}
    )
    assert response.status_code == 200 and response.json()["profile"]["equipment"] == []


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"profile": {**GOOD, "goal": "get huge"}}, "goal must be one of"),
        ({"profile": {**GOOD, "days_per_week": 9}}, "days_per_week is out of range (1-7)"),
        ({"profile": {**GOOD, "minutes_per_session": "lots"}}, "whole number"),
        ({"profile": {**GOOD, "conditions": ["elbow"]}}, "'elbow' is not one of"),
        ({"profile": {**GOOD, "shoe_size": 44}}, "unknown field 'shoe_size'"),
        ({"profile": "muscle please"}, "profile"),
        ({"goal": "muscle"}, None),
        ({}, "profile"),
    ],
)
def test_bad_profiles_are_422(workout_client: TestClient, body: Any, needle: str | None) -> None:
    response = workout_client.post("/api/v1/workout-plan", json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "bad_request" and error["message"]
    if needle:
        assert needle in error["message"]


@pytest.mark.parametrize("raw", [b"not json", b"\xff\xfe\x00", b"[1, 2"])
def test_junk_bodies(workout_client: TestClient, raw: bytes) -> None:
    response = workout_client.post(
        "/api/v1/workout-plan", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code in (400, 422) and "error" in response.json()


def _until(ws: WebSocketTestSession, kind: str) -> dict[str, Any]:
    for _ in range(20):
        frame: dict[str, Any] = ws.receive_json()
        if frame["type"] == kind:
            return frame
    raise AssertionError(f"no {kind} frame")


def test_websocket_dialogue_to_a_plan_and_its_exports(workout_client: TestClient) -> None:
    with workout_client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "hello"})
        session = _until(ws, "hello")["session_id"]
        ws.send_json({"type": "message", "text": "make me a plan"})
        reply = _until(ws, "reply")
        assert reply["skill"] == "workout" and "goal" in reply["text"]
        for answer in ("lose fat", "3 days", "45 minutes", "dumbbells", "none"):
            ws.send_json({"type": "quick_reply", "value": answer})
            reply = _until(ws, "reply")
            assert not reply["cards"], reply["text"]
        ws.send_json({"type": "quick_reply", "value": "some experience"})
        reply = _until(ws, "reply")
    card = reply["cards"][0]
    assert card["type"] == "plan" and len(card["days"]) == 3
    assert card["days"][0]["exercises"][0]["Exercise"]
    links = card["exports"]
    assert links == [f"/api/v1/sessions/{session}/workout-plan.{f}" for f in ("md", "csv", "ics")]
    md = workout_client.get(links[0])
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    assert "| Exercise |" in md.text
    rows = list(csv.DictReader(io.StringIO(workout_client.get(links[1]).text)))
    assert any(r["block"] == "cardio" for r in rows)
    ics = workout_client.get(links[2])
    assert len(list(icalendar.Calendar.from_ical(ics.content).walk("VEVENT"))) == 3
    assert workout_client.get(f"/api/v1/sessions/{session}/workout-plan.json").json()["weeks"]


def test_export_errors(workout_client: TestClient) -> None:
    assert (
        workout_client.get("/api/v1/sessions/" + "0" * 32 + "/workout-plan.md").status_code == 404
    )
    assert workout_client.get("/api/v1/sessions/bad!id/workout-plan.md").status_code in (400, 404)
    response = workout_client.post("/api/v1/chat", json={"text": "hello"})
    session = response.json()["session_id"]
    no_plan = workout_client.get(f"/api/v1/sessions/{session}/workout-plan.md")
    assert no_plan.status_code == 404 and no_plan.json()["error"]["code"] == "not_found"
    assert workout_client.get(f"/api/v1/sessions/{session}/workout-plan.exe").status_code == 404
