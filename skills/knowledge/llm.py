"""Optional language model: an OpenAI-compatible chat endpoint writes the answer from passages.

Switched on by ``VITA_LLM_URL`` (setting ``llm_url``). The URL is used as given when it already
ends in ``/chat/completions``; otherwise ``/chat/completions`` is appended, so both
``http://127.0.0.1:8080/v1`` and ``http://127.0.0.1:8080/v1/chat/completions`` work. The request is
a standard ``POST`` with ``model`` (``llm_model``), two ``messages`` (system + user, both from
``prompts/knowledge.yaml``), ``temperature`` 0 and ``max_tokens``; ``llm_api_key``, when set, is sent
as a bearer token.

Safeguards (any failure raises :class:`LLMError`, and the skill falls back to the extractive
answer): the whole exchange must finish within ``llm_timeout_s`` (a deadline over connect, send and
every received chunk, not only per operation); the response must be at most 1 MB of JSON with a
non-empty string at ``choices[0].message.content``; the answer must not be the model's
``NO_ANSWER``, must be at most :data:`MAX_ANSWER_CHARS` long, must carry a ``[n]`` marker in every
sentence, and every marker must name one of the passages it was given. Markers are renumbered in
order of first use so they match the citations list under the reply.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from assistant.prompts import Prompts
from assistant.types import Citation, Passage
from skills.knowledge import text as tx

MAX_ANSWER_CHARS = 900
MAX_RESPONSE_BYTES = 1_000_000
MAX_PASSAGE_CHARS = 1500
_MARKER = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")


class LLMError(RuntimeError):
    """The language model could not be used for this answer (the reason is the message)."""


@dataclass(frozen=True)
class LLMAnswer:
    """A checked model answer whose ``[n]`` markers index ``citations`` (1-based)."""

    text: str
    citations: tuple[Citation, ...]


def endpoint(url: str) -> str:
    """The chat-completions URL for a configured ``llm_url`` (see the module docstring)."""
    url = url.strip().rstrip("/")
    return url if url.endswith("/chat/completions") else f"{url}/chat/completions"


class ChatClient:
    """A minimal OpenAI-compatible chat-completions client with a hard deadline."""

    def __init__(self, url: str, model: str, timeout_s: float, api_key: str = "") -> None:
        self.url = endpoint(url)
        self.model = model
        self.timeout_s = timeout_s
        self.api_key = api_key

    def complete(self, messages: Sequence[dict[str, str]], max_tokens: int = 400) -> str:
        """The content of the first choice. Raises :class:`LLMError` on any failure."""
        body = {
            "model": self.model,
            "messages": list(messages),
            "temperature": 0,
            "max_tokens": max_tokens,
        }
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        deadline = time.monotonic() + self.timeout_s
        try:
            with (
                httpx.Client(timeout=httpx.Timeout(self.timeout_s)) as client,
                client.stream("POST", self.url, json=body, headers=headers) as response,
            ):
                if response.status_code != 200:
                    raise LLMError(f"HTTP {response.status_code}")
                raw = bytearray()
                for chunk in response.iter_bytes():
                    raw += chunk
                    if len(raw) > MAX_RESPONSE_BYTES:
                        raise LLMError("response too large")
                    if time.monotonic() > deadline:
                        raise LLMError("timed out")
        except httpx.TimeoutException as exc:
            raise LLMError("timed out") from exc
        except httpx.HTTPError as exc:
            raise LLMError(f"request failed: {type(exc).__name__}") from exc
        if time.monotonic() > deadline:
            raise LLMError("timed out")
        return _content(bytes(raw))


def _content(raw: bytes) -> str:
    try:
        data: Any = json.loads(raw)
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise LLMError(f"malformed response: {type(exc).__name__}") from exc
    if not isinstance(content, str):
        raise LLMError("malformed response: content is not text")
    return content


def messages(prompts: Prompts, question: str, passages: Sequence[Passage]) -> list[dict[str, str]]:
    """The system and user messages asking for an answer from ``passages`` only."""
    shown = [
        {"title": p.title, "text": tx.clip(tx.clean(p.text), MAX_PASSAGE_CHARS)} for p in passages
    ]
    return [
        {"role": "system", "content": prompts.render("knowledge.llm_system")},
        {
            "role": "user",
            "content": prompts.render("knowledge.llm_user", passages=shown, question=question),
        },
    ]


def check(raw: str, passages: Sequence[Passage]) -> LLMAnswer:
    """Validate a model answer against the passages it was given and renumber its markers."""
    text = tx.clean(raw)
    if not text or "NO_ANSWER" in text:
        raise LLMError("no answer")
    if len(text) > MAX_ANSWER_CHARS:
        raise LLMError("answer too long")
    # "...weeks. [1] It..." -> "...weeks [1]. It..." so the marker stays with its sentence
    text = re.sub(r"([.!?])\s*((?:\[\d{1,3}(?:\s*,\s*\d{1,3})*\]\s*)+)", r" \2\1 ", text).strip()
    text = re.sub(r"\s+([.!?])", r"\1", text)
    sentences = tx.split_sentences(text)
    if not sentences or any(not _MARKER.search(s) for s in sentences):
        raise LLMError("a sentence has no citation")
    numbers: dict[int, int] = {}  # passage index (0-based) -> citation number
    doc_numbers: dict[str, int] = {}
    citations: list[Citation] = []
    for group in _MARKER.findall(text):
        for item in group.split(","):
            n = int(item)
            if not 1 <= n <= len(passages):
                raise LLMError(f"unsupported citation [{n}]")
            passage = passages[n - 1]
            doc = passage.doc_id or passage.passage_id
            if doc not in doc_numbers:
                doc_numbers[doc] = len(doc_numbers) + 1
                citations.append(passage.to_citation())
            numbers[n - 1] = doc_numbers[doc]

    def renumber(match: re.Match[str]) -> str:
        cited = dict.fromkeys(numbers[int(i) - 1] for i in match.group(1).split(","))
        return "".join(f"[{c}]" for c in cited)

    return LLMAnswer(_MARKER.sub(renumber, text), tuple(citations))


def answer(
    client: ChatClient, prompts: Prompts, question: str, passages: Sequence[Passage]
) -> LLMAnswer:
    """Ask the model and check its answer. Raises :class:`LLMError` on any failure."""
    if not passages:
        raise LLMError("no passages")
    return check(client.complete(messages(prompts, question, passages)), passages)
