"""Citations for other skills: "what in the library supports this answer?".

Triage, workout or image-check answers can show where their advice comes from::

    from skills.knowledge.grounding import supporting_citations

    cites = supporting_citations(
        ctx.retriever, "sprained ankle self care", k=2, min_dense=ctx.settings.knowledge_min_score
    )
    return SkillReply(text, citations=cites)

Only passages whose dense (cosine) similarity reaches ``min_dense`` count, one per article, so a
weak match never dresses an answer up with an irrelevant source. The helper never raises: with no
retriever, an empty query or a failing index it returns ``()`` (and logs the failure).
"""

from __future__ import annotations

import logging

from assistant.skill import Retriever
from assistant.types import Citation, Passage
from skills.knowledge import text as tx
from skills.knowledge.answer import dense_score

log = logging.getLogger("vita.knowledge")

# The calibrated abstention threshold (Settings.knowledge_min_score has the same default).
DEFAULT_MIN_DENSE = 0.45
MAX_QUERY_CHARS = 500


def supporting_passages(
    retriever: Retriever | None,
    query: str,
    k: int = 2,
    min_dense: float = DEFAULT_MIN_DENSE,
    topic: str | None = None,
) -> list[Passage]:
    """Up to ``k`` passages (one per article) whose dense score is at least ``min_dense``."""
    query = tx.clip(tx.clean(query), MAX_QUERY_CHARS)
    if retriever is None or k <= 0 or not tx.words(query):
        return []
    try:
        found = retriever.search(query, k=max(k * 3, 5), topic=topic)
    except Exception:  # a broken index must not break the skill asking for sources
        log.exception("grounding search failed")
        return []
    out: list[Passage] = []
    docs: set[str] = set()
    for passage in sorted(found, key=dense_score, reverse=True):
        doc = passage.doc_id or passage.passage_id
        if dense_score(passage) >= min_dense and doc not in docs:
            docs.add(doc)
            out.append(passage)
        if len(out) >= k:
            break
    return out


def supporting_citations(
    retriever: Retriever | None,
    query: str,
    k: int = 2,
    min_dense: float = DEFAULT_MIN_DENSE,
    topic: str | None = None,
) -> tuple[Citation, ...]:
    """Citations of :func:`supporting_passages`, best first.

    Args:
        retriever: ``ctx.retriever`` (may be ``None`` when no index is loaded).
        query: what the answer is about, in plain words.
        k: at most this many citations.
        min_dense: minimum cosine similarity; pass ``ctx.settings.knowledge_min_score``.
        topic: restrict to one corpus topic (e.g. ``"fitness"``), if the index has topics.
    """
    return tuple(
        p.to_citation() for p in supporting_passages(retriever, query, k, min_dense, topic)
    )
