"""Export and erase reach every store: session events and the workout skill's feedback table.

The app runs with the SQLite session store and the real workout skill; after ``DELETE``, the
SQLite files are queried directly and scanned byte by byte for the session id and its words.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.config import Settings
from assistant.server import create_app
from assistant.testing import settings_for_tests
from skills.workout.service import feedback_path
from tests.skills.workout.conftest import CATALOGUE

PLAN = "build muscle, 3 days a week, 60 minutes, dumbbells and a bench, no injuries"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_for_tests(
        tmp_path,
        session_store="sqlite",
        skills="smalltalk,workout",
        workout_catalogue=str(CATALOGUE),
        rate_limit_burst=1000,
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


def _conversation(client: TestClient, marker: str) -> str:
    """A workout conversation with feedback; ``marker`` is a word only this session uses."""
    sid = client.post("/api/v1/chat", json={"text": f"hi, I'm {marker}"}).json()["session_id"]
    for text in (PLAN, "some experience", "I hate push-ups", "I did monday's workout"):
        r = client.post("/api/v1/chat", json={"session_id": sid, "text": text})
        assert r.status_code == 200, r.text
    return sid


def _feedback_rows(settings: Settings, sid: str) -> list[tuple[str, str]]:
    with sqlite3.connect(feedback_path(settings)) as db:
        rows = db.execute("SELECT exercise, value FROM feedback WHERE user = ?", (sid,))
        return [(e, v) for e, v in rows]


def _files_mentioning(folder: Path, *needles: str) -> list[str]:
    hits = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits += [f"{path.name}: {n}" for n in needles if n.encode() in data]
    return hits


def test_export_has_events_profile_and_feedback(client: TestClient, settings: Settings) -> None:
    sid = _conversation(client, "Zanzibarian")
    export = client.get(f"/api/v1/sessions/{sid}").json()
    assert export["profile"]["goal"] == "muscle" and "push_up" in export["profile"]["dislikes"]
    assert {"UserSaid", "BotSaid", "ProfileUpdated", "FeedbackGiven"} <= {
        e["type"] for e in export["events"]
    }
    feedback = export["skills"]["workout"]["feedback"]
    pairs = {(f["exercise"], f["value"]) for f in feedback}
    assert ("push_up", "disliked") in pairs and "done" in {v for _, v in pairs}
    assert pairs == set(_feedback_rows(settings, sid))  # the export is the whole table's share


def test_erase_leaves_nothing_in_any_store(client: TestClient, settings: Settings) -> None:
    gone = _conversation(client, "Zanzibarian")
    kept = _conversation(client, "Quokkalike")
    assert _feedback_rows(settings, gone) and _feedback_rows(settings, kept)

    r = client.delete(f"/api/v1/sessions/{gone}")
    assert r.status_code == 200 and r.json() == {"session_id": gone, "deleted": True}

    with sqlite3.connect(settings.db_path) as db:
        assert db.execute(
            "SELECT COUNT(*) FROM sessions WHERE session_id = ?", (gone,)
        ).fetchone() == (0,)
        assert db.execute(
            "SELECT COUNT(*) FROM events WHERE session_id = ?", (gone,)
        ).fetchone() == (0,)
        assert (
            db.execute("SELECT COUNT(*) FROM events WHERE session_id = ?", (kept,)).fetchone()[0]
            > 0
        )
    assert _feedback_rows(settings, gone) == []
    assert _feedback_rows(settings, kept)  # other conversations keep theirs
    # not even a stale copy in a free page or the WAL (secure_delete + checkpoint)
    assert _files_mentioning(settings.data_dir, gone, "Zanzibarian") == []
    assert _files_mentioning(settings.data_dir, kept, "Quokkalike")

    assert client.get(f"/api/v1/sessions/{gone}").status_code == 404
    assert client.delete(f"/api/v1/sessions/{gone}").status_code == 404
    export = client.get(f"/api/v1/sessions/{kept}").json()
    assert export["skills"]["workout"]["feedback"]


def test_erase_without_workout_data_and_without_a_feedback_file(tmp_path: Path) -> None:
    settings = settings_for_tests(
        tmp_path, skills="smalltalk,workout", workout_catalogue=str(CATALOGUE)
    )
    with TestClient(create_app(settings)) as client:
        sid = client.post("/api/v1/chat", json={"text": "hello"}).json()["session_id"]
        assert client.get(f"/api/v1/sessions/{sid}").json()["skills"] == {}
        assert client.delete(f"/api/v1/sessions/{sid}").status_code == 200
    assert not feedback_path(settings).exists()  # export and erase never create the table


def test_stored_replies_carry_no_image_data() -> None:
    from assistant.manager import storable
    from assistant.types import ImageCheckCard, Reply

    card = ImageCheckCard(action="see a doctor", heatmap_png_base64="iVBORw0KGgoAAAANSUhEUg")
    reply = Reply(text="checked", skill="image_check", cards=(card,))
    stored = storable(reply)
    assert stored["cards"][0]["heatmap_png_base64"] is None
    assert stored["cards"][0]["action"] == "see a doctor"
    assert reply.to_dict()["cards"][0]["heatmap_png_base64"]  # the live reply keeps it
