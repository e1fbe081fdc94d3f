"""The optional language model against a fake OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from assistant.state import DialogueState
from assistant.types import Passage
from skills.knowledge import llm
from skills.knowledge.skill import KnowledgeSkill
from tests.skills.knowledge.fakes import EmbeddingRetriever
from tests.skills.knowledge.helpers import PROMPTS, context, knowledge_settings, message

GOOD = (
    "Shingles usually lasts two to four weeks [1]. The blisters crust over in about ten days [1]."
)


@dataclass
class FakeLLM:
    """What the fake server answers next, and every request body it received."""

    mode: str = "good"
    content: str = GOOD
    requests: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)


def _handler(state: FakeLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            state.requests.append(json.loads(self.rfile.read(length)))
            state.paths.append(self.path)
            if state.mode == "error":
                self._send(500, b'{"error": "boom"}')
            elif state.mode == "slow":
                time.sleep(1.5)
                self._send(200, self._completion(state.content))
            elif state.mode == "malformed":
                self._send(200, b'{"choices": [{"message": ')
            elif state.mode == "wrong_shape":
                self._send(200, b'{"choices": []}')
            else:
                self._send(200, self._completion(state.content))

        @staticmethod
        def _completion(content: str) -> bytes:
            body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}
            return json.dumps(body).encode()

        def _send(self, status: int, body: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                pass

    return Handler


@pytest.fixture
def fake_llm() -> Iterator[tuple[FakeLLM, str]]:
    state = FakeLLM()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def _ask(tmp_path: Path, url: str, question: str = "How long does shingles last?") -> Any:
    settings = knowledge_settings(tmp_path, llm_url=url, llm_model="tiny", llm_timeout_s=0.5)
    skill = KnowledgeSkill(settings)
    return skill.run(message(question), DialogueState("s"), context(settings, EmbeddingRetriever()))


def _extractive(tmp_path: Path, question: str = "How long does shingles last?") -> Any:
    return _ask(tmp_path, "", question)


def test_good_answer_is_used_with_its_citations(
    fake_llm: tuple[FakeLLM, str], tmp_path: Path
) -> None:
    state, url = fake_llm
    reply = _ask(tmp_path, url)
    assert reply.text.startswith(GOOD)
    assert PROMPTS.render("knowledge.disclaimer") in reply.text
    assert [c.title for c in reply.citations] == ["Shingles"]
    request = state.requests[0]
    assert state.paths == ["/v1/chat/completions"] and request["model"] == "tiny"
    system, user = request["messages"]
    assert system["role"] == "system" and "ONLY the numbered passages" in system["content"]
    assert "[1] Shingles" in user["content"] and "How long does shingles last?" in user["content"]


def test_two_passages_of_one_article_share_a_citation(
    fake_llm: tuple[FakeLLM, str], tmp_path: Path
) -> None:
    state, url = fake_llm
    sent = EmbeddingRetriever().search("How long does shingles last?", k=6)
    used = [p for p in sent if float(p.metadata["dense_score"]) >= 0.12][:3]
    assert [p.doc_id for p in used[:2]] == ["shingles", "shingles"]  # two passages were sent
    state.content = "A fact from the second passage [2]. One from the first [1]."
    reply = _ask(tmp_path, url)
    assert reply.text.startswith("A fact from the second passage [1]. One from the first [1].")
    assert [c.title for c in reply.citations] == ["Shingles"]


@pytest.mark.parametrize(
    ("mode", "content"),
    [
        ("good", "Shingles lasts about three weeks [7]."),  # cites a passage it was not given
        ("good", "Shingles lasts about three weeks."),  # no citation at all
        ("good", "Shingles lasts weeks [1]. It is caused by stress."),  # an unsupported sentence
        ("good", ""),
        ("good", "NO_ANSWER"),
        ("good", "Shingles [1]. " * 200),  # far too long
        ("error", GOOD),
        ("slow", GOOD),
        ("malformed", GOOD),
        ("wrong_shape", GOOD),
    ],
)
def test_every_failure_falls_back_to_the_extractive_answer(
    fake_llm: tuple[FakeLLM, str], tmp_path: Path, mode: str, content: str
) -> None:
    state, url = fake_llm
    state.mode, state.content = mode, content
    started = time.monotonic()
    reply = _ask(tmp_path, url)
    assert time.monotonic() - started < 1.4  # the 0.5 s deadline held
    assert state.requests, "the model was asked"
    expected = _extractive(tmp_path)
    assert reply.text == expected.text and reply.citations == expected.citations
    assert "[7]" not in reply.text


def test_unreachable_server_falls_back(tmp_path: Path) -> None:
    reply = _ask(tmp_path, "http://127.0.0.1:9")  # the discard port: nothing listens
    assert reply.text == _extractive(tmp_path).text


def test_abstention_does_not_ask_the_model(fake_llm: tuple[FakeLLM, str], tmp_path: Path) -> None:
    state, url = fake_llm
    reply = _ask(tmp_path, url, "Who won the 1998 world cup?")
    assert not reply.citations and state.requests == []


def test_endpoint_url_forms() -> None:
    assert llm.endpoint("http://h:8080/v1") == "http://h:8080/v1/chat/completions"
    assert llm.endpoint("http://h:8080/v1/") == "http://h:8080/v1/chat/completions"
    assert llm.endpoint("http://h/v1/chat/completions") == "http://h/v1/chat/completions"


def test_check_moves_markers_inside_sentences() -> None:
    passages = [Passage("a#0", "a", "A", "x"), Passage("b#0", "b", "B", "y")]
    checked = llm.check("One fact. [2] Another fact.[1][2]", passages)
    assert checked.text == "One fact [1]. Another fact [2][1]."
    assert [c.title for c in checked.citations] == ["B", "A"]
    with pytest.raises(llm.LLMError, match=re.escape("[3]")):
        llm.check("A fact [3].", passages)
    with pytest.raises(llm.LLMError):
        llm.check("A fact [0].", passages)
