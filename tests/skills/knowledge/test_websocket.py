"""The knowledge skill through the real app and websocket: answers, citations, follow-ups."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from assistant.registry import load_skill
from assistant.runtime import Runtime
from assistant.server import create_app
from tests.skills.knowledge.fakes import EmbeddingRetriever
from tests.skills.knowledge.helpers import PROMPTS, knowledge_settings


def _reply(ws: WebSocketTestSession) -> dict[str, Any]:
    for _ in range(20):
        frame: dict[str, Any] = ws.receive_json()
        if frame["type"] == "reply":
            return frame
        assert frame["type"] in {"typing", "hello"}, frame
    raise AssertionError("no reply frame")


def _ask(ws: WebSocketTestSession, text: str) -> dict[str, Any]:
    ws.send_json({"type": "message", "text": text})
    return _reply(ws)


@pytest.fixture
def app_client(tmp_path: Path) -> Iterator[tuple[TestClient, EmbeddingRetriever]]:
    settings = knowledge_settings(tmp_path, skills="smalltalk,knowledge", rate_limit_burst=100)
    retriever = EmbeddingRetriever()
    skills = [load_skill(name, settings) for name in settings.skills]
    runtime = Runtime.build(settings, skills=skills, retriever=retriever)
    with TestClient(create_app(settings, runtime=runtime)) as client:
        yield client, retriever


def test_answer_with_citations_over_the_websocket(
    app_client: tuple[TestClient, EmbeddingRetriever],
) -> None:
    client, _ = app_client
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "hello"})
        reply = _ask(ws, "How much protein do I need?")
        assert reply["skill"] == "knowledge"
        assert reply["citations"][0] == {
            "title": "Protein and exercise",
            "url": "https://example.org/protein",
            "source": "Vita test articles",
            "passage_id": "protein#0",
        }
        markers = {int(n) for n in re.findall(r"\[(\d+)\]", reply["text"])}
        assert markers == set(range(1, len(reply["citations"]) + 1))
        assert "0.8 grams of protein" in reply["text"]
        assert PROMPTS.render("knowledge.disclaimer") in reply["text"]


def test_follow_up_and_abstention_over_the_websocket(
    app_client: tuple[TestClient, EmbeddingRetriever],
) -> None:
    client, retriever = app_client
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "hello"})
        first = _ask(ws, "What is shingles?")
        assert first["skill"] == "knowledge" and first["citations"]
        second = _ask(ws, "How long does it last?")
        assert second["skill"] == "knowledge"
        assert retriever.queries[-1] == "How long does shingles last?"
        assert "two and four weeks" in second["text"]
        off_topic = _ask(ws, "Who won the 1998 world cup?")
        assert off_topic["skill"] == "knowledge" and off_topic["citations"] == []
        assert off_topic["text"] in {str(v).strip() for v in PROMPTS.data("knowledge.abstain")}
        assert _ask(ws, "thanks!")["skill"] == "smalltalk"


def test_help_lists_questions_and_the_button_invites_one(
    app_client: tuple[TestClient, EmbeddingRetriever],
) -> None:
    client, retriever = app_client
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "hello"})
        menu = _ask(ws, "what can you do?")
        assert menu["skill"] == "smalltalk" and "**Questions**" in menu["text"]
        button = next(q for q in menu["quick_replies"] if q["label"] == "Ask a health question")
        ws.send_json({"type": "quick_reply", "value": button["value"]})
        invite = _reply(ws)
        assert invite["skill"] == "knowledge" and invite["text"] == PROMPTS.render(
            "knowledge.invite"
        )
        assert retriever.queries == []
