"""Extractive answers: the sentences of the best passages that best answer the question.

Every sentence of the answer is copied from one retrieved passage (see
:mod:`skills.knowledge.passages` for how lists and headings are handled) and carries that
passage's citation marker, so each claim can be traced to its source. Nothing is paraphrased.

Scoring a candidate sentence (parts in 0..1, weighted 0.6 / 0.2 / 0.2):
    * overlap with the question's terms, each weighted by how rare it is among the candidates (so
      "shingles" counts less than "last" when every sentence mentions shingles; a term no
      candidate has is ignored); a term found only in the sentence's heading or the article title
      counts half;
    * position within its section (articles state the essentials first);
    * the passage's dense similarity relative to the best passage;
    * bonuses: a number or duration when the question asks "how long/much/many/often"; a
      definition ("Shingles is ...") when it asks "what is ..."; and a section whose heading
      answers the aspect asked about ("Looking after yourself" for "what should I do ...", see
      :mod:`skills.knowledge.facets`).
Sentences shorter than 4 words or longer than 70 are skipped; under 7 or over 40 words are
penalised. Near-duplicates (Jaccard >= 0.5 over terms) are dropped, so two articles saying the
same thing give one sentence. The answer keeps 2-5 sentences within about 520 characters (past
the second, only sentences scoring at least 60% of the best one),
grouped by article (best article first); within an article its best sentence leads and the
others follow in the article's own order.

Decision: lexical + position scoring instead of embedding every sentence. It needs no model, takes
a few milliseconds per answer (three passages), and the dense retrieval already chose the passages.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.types import Citation, Passage
from skills.knowledge import facets
from skills.knowledge import text as tx
from skills.knowledge.passages import sentence_units

MIN_SENTENCES = 2
MAX_SENTENCES = 5
MAX_CHARS = 520
_DUPLICATE = 0.5
_CUTOFF = 0.6  # after the first two, a sentence must score this share of the best one
_QUANTITY_Q = re.compile(r"\bhow (long|much|many|often|soon|far)\b|\bwhen\b", re.I)
_QUANTITY_S = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|few|several|hours?|days?|weeks?|months?|years?|minutes?)\b",
    re.I,
)
_DEFINITION_Q = re.compile(r"^(what('s| is| are)|define|what does .* mean)\b", re.I)
_CHUNK_NO = re.compile(r"#(\d+)$")


def dense_score(passage: Passage) -> float:
    """The passage's cosine similarity to the query (falls back to its fused score)."""
    value = passage.metadata.get("dense_score", passage.score)
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def relevant(found: Sequence[Passage], min_score: float, limit: int = 3) -> list[Passage]:
    """The passages an answer may use: dense score at least ``min_score``, best ``limit`` in order.

    An empty list means abstain: nothing in the library is close enough to the question.
    """
    return [p for p in found if dense_score(p) >= min_score][:limit]


@dataclass(frozen=True)
class Candidate:
    """One sentence of one passage, with its score."""

    text: str
    passage: int  # index into the passages given to ``compose``
    order: tuple[int, int]  # (chunk number in its article, sentence number in the passage)
    position: int  # sentence number within its section
    terms: frozenset[str]
    context: frozenset[str]  # terms of its heading and article title
    heading: str = ""
    score: float = 0.0


@dataclass(frozen=True)
class AnswerSentence:
    """A sentence of the answer and the 1-based number of the citation it comes from."""

    text: str
    cite: int


@dataclass(frozen=True)
class Answer:
    """An extractive answer: its sentences and the citations their markers point at."""

    sentences: tuple[AnswerSentence, ...]
    citations: tuple[Citation, ...]

    def render(self) -> str:
        """The sentences joined, each followed by its ``[n]`` marker."""
        return " ".join(f"{s.text} [{s.cite}]" for s in self.sentences)


def _chunk_number(passage: Passage, fallback: int) -> int:
    match = _CHUNK_NO.search(passage.passage_id)
    return int(match.group(1)) if match else fallback


def candidates(passages: Sequence[Passage]) -> list[Candidate]:
    """Every quotable sentence of the passages (fragments and walls of text left out)."""
    out = []
    for i, passage in enumerate(passages):
        chunk = _chunk_number(passage, i)
        section = str(passage.metadata.get("section") or "")
        for n, unit in enumerate(sentence_units(passage.text, section)):
            n_words = len(tx.words(unit.text))
            if n_words < 4 or n_words > 70:
                continue
            sentence = unit.text if unit.text[-1] in ".!?" else f"{unit.text}."
            context = frozenset(tx.terms(f"{unit.heading} {passage.title}"))
            terms = frozenset(tx.terms(sentence))
            out.append(
                Candidate(sentence, i, (chunk, n), unit.position, terms, context, unit.heading)
            )
    return out


def _weights(question_terms: set[str], pool: Sequence[Candidate]) -> dict[str, float]:
    n = len(pool) or 1
    weights = {}
    for term in question_terms:
        df = sum(1 for c in pool if term in c.terms or term in c.context)
        if df:  # a word no candidate has cannot tell them apart
            weights[term] = math.log(1.0 + n / (1.0 + df))
    return weights


def _is_definition(sentence: str, topic: Sequence[str]) -> bool:
    head = tx.words(sentence)[:4]
    return any(
        w in {tx.stem(t) for t in topic} and nxt in {"is", "are", "means"}
        for w, nxt in zip((tx.stem(h) for h in head), head[1:], strict=False)
    )


def score_candidates(question: str, passages: Sequence[Passage]) -> list[Candidate]:
    """The candidates of ``passages`` scored against ``question``, best first."""
    pool = candidates(passages)
    weights = _weights(tx.terms(question), pool)
    total = sum(weights.values()) or 1.0
    dense = [max(0.0, dense_score(p)) for p in passages]
    top = max(dense, default=0.0) or 1.0
    wants_quantity = bool(_QUANTITY_Q.search(question))
    topic = tx.topic_words(question) if _DEFINITION_Q.search(question) else []
    wanted = facets.asked(question)
    scored = []
    for c in pool:
        hit = sum(w for t, w in weights.items() if t in c.terms)
        near = sum(w for t, w in weights.items() if t in c.context and t not in c.terms)
        overlap = (hit + 0.5 * near) / total
        position = 1.0 / (1.0 + 0.5 * c.position)
        n_words = len(c.text.split())
        shape = 1.0 if 7 <= n_words <= 40 else 0.75
        bonus = 0.1 if wants_quantity and _QUANTITY_S.search(c.text) else 0.0
        bonus += 0.15 if topic and _is_definition(c.text, topic) else 0.0
        fit = facets.fit(c.heading, wanted)
        bonus += 0.3 * fit if fit > 0 else 0.15 * fit
        value = (0.6 * overlap + 0.2 * position + 0.2 * dense[c.passage] / top + bonus) * shape
        scored.append(dataclasses.replace(c, score=round(value, 6)))
    scored.sort(key=lambda c: (-c.score, c.passage, c.order))
    return scored


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def select(scored: Sequence[Candidate]) -> list[Candidate]:
    """Greedy pick: best first, no near-duplicates, 2-5 sentences within the length budget."""
    chosen: list[Candidate] = []
    length = 0
    best = scored[0].score if scored else 0.0
    for c in scored:
        if len(chosen) >= MAX_SENTENCES:
            break
        if any(_jaccard(c.terms, k.terms) >= _DUPLICATE for k in chosen):
            continue
        enough = len(chosen) >= MIN_SENTENCES
        if enough and (c.score < _CUTOFF * best or length + len(c.text) > MAX_CHARS):
            continue
        chosen.append(c)
        length += len(c.text) + 1
    return chosen


def compose(question: str, passages: Sequence[Passage]) -> Answer:
    """The extractive answer to ``question`` from ``passages`` (empty when they have no sentences).

    Citations are numbered in the order they first appear in the answer, one per article, and only
    articles that contribute a sentence are cited.
    """
    chosen = select(score_candidates(question, passages))

    def doc(c: Candidate) -> str:
        return passages[c.passage].doc_id or passages[c.passage].passage_id

    best_of: dict[str, Candidate] = {}
    for c in chosen:  # ``chosen`` is best first, so the first seen per article is its best
        best_of.setdefault(doc(c), c)
    chosen.sort(key=lambda c: (-best_of[doc(c)].score, doc(c), best_of[doc(c)] is not c, c.order))
    numbers: dict[str, int] = {}  # one citation per article, even when two passages are used
    citations: list[Citation] = []
    sentences = []
    for c in chosen:
        if doc(c) not in numbers:
            numbers[doc(c)] = len(numbers) + 1
            citations.append(passages[c.passage].to_citation())
        sentences.append(AnswerSentence(c.text, numbers[doc(c)]))
    return Answer(tuple(sentences), tuple(citations))
