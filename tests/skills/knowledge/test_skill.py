"""The knowledge skill end to end over a fake index: answers, citations, abstention, bad input."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.registry import load_skill
from assistant.state import DialogueState
from assistant.types import Passage, SlotSet
from skills.knowledge.passages import sentence_units
from skills.knowledge.skill import KnowledgeSkill
from tests.skills.knowledge.fakes import EmbeddingRetriever
from tests.skills.knowledge.helpers import PROMPTS, context, knowledge_settings, message

_MARKERS = re.compile(r"\[(\d+)\]")


def is_abstention(text: str) -> bool:
    """The reply is one of the "nothing reliable" variants."""
    return text in {str(v).strip() for v in PROMPTS.data("knowledge.abstain")}


def _answer_part(text: str) -> str:
    """The reply text without the disclaimer paragraph."""
    return text.split("\n\n")[0]


def _sentences_with_markers(text: str) -> list[tuple[str, int]]:
    return [(s.strip(), int(n)) for s, n in re.findall(r"(.+?) \[(\d+)\](?:\s|$)", text)]


@pytest.fixture
def skill(tmp_path: Path) -> KnowledgeSkill:
    return KnowledgeSkill(knowledge_settings(tmp_path))


def test_registered_and_loadable(tmp_path: Path) -> None:
    loaded = load_skill("knowledge", knowledge_settings(tmp_path))
    assert isinstance(loaded, KnowledgeSkill) and loaded.name == "knowledge"


@pytest.mark.parametrize(
    ("question", "doc"),
    [
        ("How long does shingles last?", "shingles"),
        ("How much protein do I need?", "protein"),
        ("What should I do for a sprained ankle?", "sprain"),
        ("How many hours of sleep do adults need?", "sleep"),
    ],
)
def test_every_answer_sentence_maps_to_a_cited_passage(
    skill: KnowledgeSkill, tmp_path: Path, question: str, doc: str
) -> None:
    retriever = EmbeddingRetriever()
    reply = skill.run(
        message(question), DialogueState("s"), context(knowledge_settings(tmp_path), retriever)
    )
    body = _answer_part(reply.text)
    pairs = _sentences_with_markers(body)
    assert 2 <= len(pairs) <= 5, body
    assert reply.citations and reply.citations[0].url == f"https://example.org/{doc}"
    assert {n for _, n in pairs} == set(range(1, len(reply.citations) + 1))
    by_id = {p.passage_id: p for p in retriever.passages}
    for sentence, n in pairs:
        cited = reply.citations[n - 1]
        assert cited.passage_id is not None and cited.title
        # the sentence is quoted from an article the citation names
        article = [p for p in by_id.values() if p.title == cited.title]
        quotable = {u.text.rstrip(".") for p in article for u in sentence_units(p.text)}
        assert sentence.rstrip(".") in quotable, (sentence, cited.title)
    assert PROMPTS.render("knowledge.disclaimer") in reply.text
    assert reply.done


@pytest.mark.parametrize(
    "question",
    [
        "Who won the 1998 world cup?",
        "How do I fix my car brakes?",
        "What is the starting dose of methotrexate for psoriatic arthritis?",
    ],
)
def test_abstains_when_the_library_has_nothing(
    skill: KnowledgeSkill, tmp_path: Path, question: str
) -> None:
    reply = skill.run(
        message(question),
        DialogueState("s"),
        context(knowledge_settings(tmp_path), EmbeddingRetriever()),
    )
    assert reply.citations == ()
    assert is_abstention(reply.text)
    assert "clinician" in reply.text or "doctor" in reply.text
    assert not _MARKERS.search(reply.text)
    assert [q.value for q in reply.quick_replies] == ["What can you do?"]
    assert not any(isinstance(e, SlotSet) for e in reply.events)


def test_threshold_decides_between_answer_and_abstention(tmp_path: Path) -> None:
    retriever = EmbeddingRetriever()
    best = max(float(p.metadata["dense_score"]) for p in retriever.search("what is shingles?"))
    below = KnowledgeSkill(knowledge_settings(tmp_path, knowledge_min_score=best - 0.01))
    above = KnowledgeSkill(knowledge_settings(tmp_path, knowledge_min_score=best + 0.01))
    ctx = context(knowledge_settings(tmp_path), retriever)
    assert below.run(message("what is shingles?"), DialogueState("s"), ctx).citations
    assert not above.run(message("what is shingles?"), DialogueState("s"), ctx).citations


class Fixed:
    """A retriever that returns the same passages whatever the query."""

    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages

    def search(self, query: str, k: int = 5, topic: str | None = None) -> list[Passage]:
        return self.passages[:k]


def test_quick_replies_offer_other_matching_articles(skill: KnowledgeSkill, tmp_path: Path) -> None:
    everything = EmbeddingRetriever().passages
    first = {p.doc_id: p for p in reversed(everything)}  # the first passage of each article
    chosen = [first[d] for d in ("shingles", "cold", "sprain", "protein", "sleep")]
    found = [
        Passage(p.passage_id, p.doc_id, p.title, p.text, 0.1, {**p.metadata, "dense_score": 0.5})
        for p in chosen
    ]
    reply = skill.run(
        message("how long does shingles last?"),
        DialogueState("s"),
        context(knowledge_settings(tmp_path), Fixed(found)),
    )
    cited = {c.title for c in reply.citations}
    offered = [q.value.removeprefix("Tell me about ") for q in reply.quick_replies]
    assert "Shingles" in cited
    assert 1 <= len(offered) <= 2 and not cited & set(offered)
    assert set(offered) <= {p.title for p in found}


@pytest.mark.parametrize("text", ["   ", "\x00\x01\x1b[31m", "?!?", "\u200b\u200b"])
def test_empty_after_normalisation(skill: KnowledgeSkill, tmp_path: Path, text: str) -> None:
    retriever = EmbeddingRetriever()
    reply = skill.run(
        message(text), DialogueState("s"), context(knowledge_settings(tmp_path), retriever)
    )
    assert reply.text == PROMPTS.render("knowledge.empty_question")
    assert retriever.queries == []  # nothing was searched


def test_huge_and_control_character_input(skill: KnowledgeSkill, tmp_path: Path) -> None:
    retriever = EmbeddingRetriever()
    ctx = context(knowledge_settings(tmp_path), retriever)
    huge = "how long does shingles last? " + "blah " * 800
    assert len(huge) >= 4000
    reply = skill.run(message(huge[:4000]), DialogueState("s"), ctx)
    assert reply.text and len(retriever.queries[-1]) <= 500
    noisy = "how\x00 long\x07 does\u202e shingles\x1b last?"
    reply = skill.run(message(noisy), DialogueState("s"), ctx)
    assert reply.citations and reply.citations[0].title == "Shingles"
    assert all(ch.isprintable() for ch in retriever.queries[-1])


def test_no_index_and_failing_index(skill: KnowledgeSkill, tmp_path: Path) -> None:
    settings = knowledge_settings(tmp_path)
    reply = skill.run(message("what is shingles?"), DialogueState("s"), context(settings, None))
    assert reply.text == PROMPTS.render("knowledge.unavailable") and not reply.citations

    class Broken:
        def search(self, query: str, k: int = 5, topic: str | None = None) -> list[Passage]:
            raise OSError("index file vanished")

    reply = skill.run(message("what is shingles?"), DialogueState("s"), context(settings, Broken()))
    assert reply.text == PROMPTS.render("knowledge.unavailable")


def test_passages_without_sentences_abstain(skill: KnowledgeSkill, tmp_path: Path) -> None:
    junk = Passage("j#0", "j", "Junk", "## Shingles\n\n| a | b |", metadata={"dense_score": 0.9})

    reply = skill.run(
        message("what is shingles?"),
        DialogueState("s"),
        context(knowledge_settings(tmp_path), Fixed([junk])),
    )
    assert not reply.citations and is_abstention(reply.text)


def test_invite(skill: KnowledgeSkill, tmp_path: Path) -> None:
    retriever = EmbeddingRetriever()
    reply = skill.run(
        message("Ask a health question"),
        DialogueState("s"),
        context(knowledge_settings(tmp_path), retriever),
    )
    assert reply.text == PROMPTS.render("knowledge.invite") and retriever.queries == []
