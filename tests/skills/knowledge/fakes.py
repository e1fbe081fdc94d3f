"""A small corpus in our own words and a retriever over it that fills every metadata field.

:class:`EmbeddingRetriever` mimics ``index.service`` closely enough for the skill: cosine
similarity from an embedder (the hashing one in fast tests) as ``dense_score``, a word-overlap
count as ``bm25_score``, and ``score`` as a reciprocal-rank fusion of the two.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.types import Passage
from index.embed import Embedder, HashEmbedder, Vectors
from skills.knowledge.text import stem

_STOP_WORDS = (
    "a an and are as at be by can do does for from how i in is it me my of on or so the to "
    "what when who why with you your should"
)
_STOP = frozenset(_STOP_WORDS.split())


class TermEmbedder:
    """Hashing embedder over content words only, so stopwords never make off-topic text similar."""

    name = "terms"
    dim = 512

    def __init__(self) -> None:
        self._inner = HashEmbedder(self.dim)

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> Vectors:
        kept = [
            " ".join(stem(w) for w in re.findall(r"[a-z0-9]+", t.lower()) if w not in _STOP)
            for t in texts
        ]
        return self._inner.encode(kept)


ARTICLES: dict[str, tuple[str, str, str]] = {
    # doc_id: (title, topic, text)
    "shingles": (
        "Shingles",
        "conditions",
        "Shingles is a painful rash caused by the chickenpox virus waking up again years later. "
        "It usually appears as a band of blisters on one side of the body. "
        "Shingles usually lasts between two and four weeks. "
        "The blisters crust over within about ten days and the pain then fades.\n\n"
        "You cannot catch shingles from someone, but a person who never had chickenpox can "
        "catch chickenpox from the fluid in the blisters. "
        "Antiviral tablets work best when they are started within three days of the rash.",
    ),
    "cold": (
        "Common cold",
        "conditions",
        "A cold is a mild viral infection of the nose and throat. "
        "Most colds get better on their own within seven to ten days. "
        "Rest, fluids and simple painkillers ease the symptoms. "
        "Antibiotics do not work against cold viruses.",
    ),
    "sprain": (
        "Sprains and strains",
        "injuries",
        "A sprain is a stretched or torn ligament, most often in the ankle. "
        "For the first two or three days, rest the joint, use an ice pack for up to 20 minutes "
        "every few hours, and keep the leg raised. "
        "Most mild sprains heal within two to six weeks.\n\n"
        "- See a clinician if you cannot put any weight on the leg.\n"
        "- Gentle movement after a few days helps the joint recover.",
    ),
    "protein": (
        "Protein and exercise",
        "nutrition",
        "Most adults need about 0.8 grams of protein per kilogram of body weight each day. "
        "People who train hard for strength often benefit from 1.2 to 2 grams per kilogram. "
        "Spreading protein over three or four meals helps muscles repair after training. "
        "Food sources such as eggs, beans, dairy, fish and meat cover most needs without "
        "supplements.",
    ),
    "sleep": (
        "Sleep for adults",
        "sleep",
        "Adults generally need seven to nine hours of sleep a night. "
        "Going to bed and getting up at the same time every day keeps the body clock steady. "
        "Caffeine late in the day and bright screens before bed make it harder to fall asleep.",
    ),
    "zones": (
        "Heart-rate zones",
        "fitness",
        "Heart-rate zones divide effort into bands based on your maximum heart rate. "
        "Zone 2 is easy effort, where you can still talk in full sentences. "
        "Most endurance training time is spent in the easier zones.",
    ),
}


def corpus_passages() -> list[Passage]:
    """One passage per paragraph of every article, with the metadata the index attaches."""
    out = []
    for doc_id, (title, topic, text) in ARTICLES.items():
        for i, para in enumerate(text.split("\n\n")):
            out.append(
                Passage(
                    passage_id=f"{doc_id}#{i}",
                    doc_id=doc_id,
                    title=title,
                    text=para,
                    metadata={
                        "topic": topic,
                        "url": f"https://example.org/{doc_id}",
                        "source": "Vita test articles",
                        "audience": "general",
                        "reviewed": "2025-01-01",
                    },
                )
            )
    return out


@dataclass
class EmbeddingRetriever:
    """Dense cosine + word-overlap search fused by reciprocal rank, like the real index."""

    passages: Sequence[Passage] = field(default_factory=corpus_passages)
    embedder: Embedder = field(default_factory=TermEmbedder)
    queries: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._vectors = self.embedder.encode([f"{p.title}. {p.text}" for p in self.passages])

    def search(self, query: str, k: int = 5, topic: str | None = None) -> list[Passage]:
        self.queries.append(query)
        q = self.embedder.encode([query])[0]
        words = set(re.findall(r"[a-z]+", query.lower()))
        rows = []
        for i, p in enumerate(self.passages):
            if topic and p.metadata.get("topic") != topic:
                continue
            overlap = len(words & set(re.findall(r"[a-z]+", f"{p.title} {p.text}".lower())))
            rows.append((i, float(np.dot(self._vectors[i], q)), float(overlap)))
        dense_rank = {i: r for r, (i, _, _) in enumerate(sorted(rows, key=lambda x: -x[1]))}
        sparse_rank = {i: r for r, (i, _, _) in enumerate(sorted(rows, key=lambda x: -x[2]))}
        fused = sorted(
            rows, key=lambda x: -(1 / (60 + dense_rank[x[0]]) + 1 / (60 + sparse_rank[x[0]]))
        )
        out = []
        for rank, (i, dense, matched) in enumerate(fused[:k]):
            p = self.passages[i]
            score = 1 / (60 + dense_rank[i]) + 1 / (60 + sparse_rank[i])
            meta = {**p.metadata, "dense_score": dense, "bm25_score": matched, "rank": rank + 1}
            out.append(Passage(p.passage_id, p.doc_id, p.title, p.text, score, meta))
        return out
