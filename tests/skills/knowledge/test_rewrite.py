"""Follow-up questions: rewriting from the skill's slots and from the transcript."""

from __future__ import annotations

from pathlib import Path

from assistant.state import DialogueState, apply
from assistant.types import SlotSet, UserSaid
from skills.knowledge import rewrite
from skills.knowledge.skill import KnowledgeSkill
from tests.skills.knowledge.fakes import EmbeddingRetriever
from tests.skills.knowledge.helpers import context, converse, knowledge_settings


def _state(*events: object) -> DialogueState:
    state = DialogueState("s")
    for event in events:
        state = apply(state, event)  # type: ignore[arg-type]
    return state


def test_two_turns_follow_up_searches_the_earlier_topic(tmp_path: Path) -> None:
    retriever = EmbeddingRetriever()
    skill = KnowledgeSkill(knowledge_settings(tmp_path))
    replies, state = converse(
        skill,
        context(knowledge_settings(tmp_path), retriever),
        ["What is shingles?", "How long does it last?"],
    )
    assert retriever.queries == ["What is shingles?", "How long does shingles last?"]
    assert replies[1].citations and replies[1].citations[0].title == "Shingles"
    assert "two and four weeks" in replies[1].text
    assert state.slots_for("knowledge")["topic"] == "shingles"


def test_without_the_earlier_turn_the_follow_up_is_not_guessed(tmp_path: Path) -> None:
    retriever = EmbeddingRetriever()
    skill = KnowledgeSkill(knowledge_settings(tmp_path))
    replies, _ = converse(
        skill, context(knowledge_settings(tmp_path), retriever), ["How long does it last?"]
    )
    assert retriever.queries == [] and not replies[0].citations
    assert "How long does it last?" in replies[0].text


def test_chained_follow_ups_keep_the_topic(tmp_path: Path) -> None:
    retriever = EmbeddingRetriever()
    skill = KnowledgeSkill(knowledge_settings(tmp_path))
    converse(
        skill,
        context(knowledge_settings(tmp_path), retriever),
        ["Tell me about shingles", "Is it contagious?", "and for kids?"],
    )
    assert retriever.queries[1] == "Is shingles contagious?"
    assert "shingles" in retriever.queries[2] and "kids" in retriever.queries[2]


def test_a_new_full_question_replaces_the_topic(tmp_path: Path) -> None:
    retriever = EmbeddingRetriever()
    skill = KnowledgeSkill(knowledge_settings(tmp_path))
    _, state = converse(
        skill,
        context(knowledge_settings(tmp_path), retriever),
        ["What is shingles?", "How much protein do I need?", "Is it the same for women?"],
    )
    assert "protein" in retriever.queries[2] and "shingles" not in retriever.queries[2]
    assert state.slots_for("knowledge")["topic"] == "protein"


def test_lead_in_adds_to_the_previous_question() -> None:
    state = _state(
        UserSaid(text="what helps a sprained ankle?"),
        SlotSet(name="knowledge.topic", value="sprained ankle"),
        SlotSet(name="knowledge.query", value="what helps a sprained ankle?"),
        SlotSet(name="knowledge.turn", value=1),
    )
    rw = rewrite.rewrite("what about ice?", state)
    assert rw.elliptical and rw.query == "what helps a sprained ankle ice"
    assert rw.topic == "sprained ankle"


def test_stale_slots_are_ignored_and_history_is_used() -> None:
    old = [
        UserSaid(text="what is shingles?"),
        SlotSet(name="knowledge.topic", value="shingles"),
        SlotSet(name="knowledge.query", value="what is shingles?"),
        SlotSet(name="knowledge.turn", value=1),
    ]
    later = [UserSaid(text=t) for t in ("thanks", "I have a sore throat", "ok")]
    state = _state(*old, *later)
    ctx = rewrite.context(state)
    assert ctx is not None and ctx.origin == "history" and "throat" in ctx.topic
    assert rewrite.rewrite("how long does it last?", state).query.startswith("how long does sore")


def test_topic_raised_with_another_skill_resolves_from_history() -> None:
    state = _state(UserSaid(text="I think I have shingles"), UserSaid(text="ok"))
    rw = rewrite.rewrite("is it contagious?", state)
    assert rw.resolved and rw.query == "is shingles contagious?"


def test_full_questions_are_left_alone() -> None:
    state = _state(
        UserSaid(text="what is shingles?"),
        SlotSet(name="knowledge.topic", value="shingles"),
        SlotSet(name="knowledge.turn", value=1),
    )
    for question in ("Is it safe to run with shin splints?", "How much sleep do adults need?"):
        rw = rewrite.rewrite(question, state)
        assert rw.query == question and not rw.elliptical


def test_remember_records_the_turn() -> None:
    state = _state(UserSaid(text="hi"))
    events = rewrite.remember(rewrite.Rewrite("what is shingles?", "shingles"), state)
    assert {e.name: e.value for e in events} == {
        "knowledge.topic": "shingles",
        "knowledge.query": "what is shingles?",
        "knowledge.turn": 2,
    }
    assert rewrite.remember(rewrite.Rewrite("?", ""), state) == ()
