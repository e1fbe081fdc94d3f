"""``GET /api/v1/search?q=&k=&topic=``: the knowledge index as a REST service.

Answers ``{"query", "k", "topic", "results": [{passage_id, doc_id, title, section, url, source,
topic, score, dense_score, bm25_score, rank, text}]}``, best first; ``score`` is the fused RRF
score, ``dense_score`` the cosine similarity. Errors have the engine's shape
(``{"error": {"code", "message"}}``): ``empty_query`` and ``query_too_long`` (over
``max_message_chars``) with 400, ``bad_search_k`` (k outside 1..50), ``unknown_topic`` (400,
naming the topics the index has), ``index_unavailable`` (503: retrieval switched off, or the
index could not be built), ``unavailable`` (503: still warming up after 120 s), ``rate_limited``.

Decision: the endpoint shares the chat's per-client rate limit, because each search embeds the
query; it waits for warm-up like a chat turn does, since the first start builds the index.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from pydantic import BaseModel

from assistant.channels.rest import ERRORS
from assistant.runtime import Runtime
from assistant.validation import InputError
from index.search import clean_query, passage_json

router = APIRouter()
MAX_K = 50


class SearchResult(BaseModel):
    passage_id: str
    doc_id: str
    title: str
    section: str | None = None
    url: str | None = None
    source: str | None = None
    topic: str | None = None
    score: float
    dense_score: float
    bm25_score: float
    rank: int | None = None
    text: str


class SearchResponse(BaseModel):
    query: str
    k: int
    topic: str | None
    results: list[SearchResult]


@router.get("/api/v1/search", response_model=SearchResponse, responses=ERRORS, tags=["search"])
async def search(
    request: Request, q: str = "", k: int = 5, topic: str | None = None
) -> SearchResponse:
    """Search the knowledge index: passages with title, url, score and text, best first."""
    rt: Runtime = request.app.state.runtime
    client = request.client.host if request.client else "unknown"
    rt.check_rate(f"client:{client}")
    limit = rt.settings.max_message_chars
    if len(q) > limit:
        raise InputError("query_too_long", length=len(q), limit=limit)
    query = clean_query(q, rt.settings.index_max_query_chars)
    if not query:
        raise InputError("empty_query")
    if not 1 <= k <= MAX_K:
        raise InputError("bad_search_k", limit=MAX_K)
    topic = topic.strip().lower() if topic and topic.strip() else None
    retriever = rt.retriever
    if retriever is None:
        raise InputError("index_unavailable", status=503, reason="retrieval is switched off")
    if not await rt.wait_ready():
        raise InputError("unavailable", status=503)
    if getattr(retriever, "available", True) is False:
        reason = str(getattr(retriever, "error", "") or "")
        raise InputError("index_unavailable", status=503, reason=reason[:200])
    topics = getattr(retriever, "topics", None)
    if topic and callable(topics):
        known = topics()
        if topic not in known:
            raise InputError("unknown_topic", topic=topic[:50], topics=", ".join(known) or "-")
    passages = await asyncio.to_thread(retriever.search, query, k, topic)
    return SearchResponse(
        query=query,
        k=k,
        topic=topic,
        results=[SearchResult(**passage_json(p)) for p in passages],
    )
