"""Query rewriting from the dialogue state: "how long does it last?" after shingles.

After each answer the skill stores three slots: ``knowledge.topic`` (the topic words of the
question, e.g. "shingles"), ``knowledge.query`` (the full question as searched) and
``knowledge.turn`` (the user turn it answered). A later question is rewritten when:

    * it is *elliptical* (no topic words of its own: "is it contagious?", "and for kids?"): the
      pronoun is replaced by the topic ("is shingles contagious?"), or the topic is appended;
    * it is a short lead-in follow-up ("what about ibuprofen?"): the new words are added to the
      previous question ("what helps a sprained ankle ibuprofen").

The slots count only for :data:`FOLLOW_UP_TURNS` user turns (a "thanks" in between is fine; a
question ten turns later is not silently tied to an old topic). Without recent slots, the topic
is taken from the last user turns in ``state.history`` that had topic words, so a follow-up to a
topic raised with another skill ("I have shingles" ... "how long does it last?") still resolves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from assistant.state import DialogueState
from assistant.types import SlotSet
from skills.knowledge import text as tx

SKILL = "knowledge"
FOLLOW_UP_TURNS = 2  # how many user turns a remembered topic stays usable
HISTORY_TURNS = 3  # how far back in the transcript to look for a topic without slots
_PRONOUN = re.compile(r"\b(it|this|that|they|them|these|those)\b", re.I)
_LEAD_IN = re.compile(r"^(and|also|but|so|what about|how about|what if)\b[\s,]*", re.I)


@dataclass(frozen=True)
class Context:
    """The topic a follow-up can refer to, and where it was found."""

    topic: str
    query: str
    origin: Literal["slots", "history"]


@dataclass(frozen=True)
class Rewrite:
    """The query to search, the topic to remember, and how the question was understood."""

    query: str
    topic: str
    elliptical: bool = False
    resolved: bool = True  # False: elliptical with nothing earlier to attach it to


def context(state: DialogueState) -> Context | None:
    """The most recent topic a follow-up in this state may refer to, if any."""
    slots = state.slots_for(SKILL)
    topic, query, turn = slots.get("topic"), slots.get("query"), slots.get("turn")
    current = state.user_turns + 1
    if (
        isinstance(topic, str)
        and topic
        and isinstance(turn, int)
        and 0 < current - turn <= FOLLOW_UP_TURNS
    ):
        return Context(topic, query if isinstance(query, str) else topic, "slots")
    users = [t.text for t in state.history if t.role == "user"][-HISTORY_TURNS:]
    for said in reversed(users):
        words = tx.topic_words(said)
        if words:
            return Context(" ".join(words[:4]), tx.clean(said), "history")
    return None


def is_lead_in(question: str) -> bool:
    """A short follow-up that starts "what about", "and", "how about" ... (six words at most)."""
    return bool(_LEAD_IN.match(question)) and len(tx.words(question)) <= 6


def substitute(question: str, topic: str) -> str:
    """Replace the first pointing pronoun with the topic, or append the topic."""
    replaced, count = _PRONOUN.subn(topic, question, count=1)
    if count:
        return replaced
    return f"{question.rstrip()} {topic}".strip()


def rewrite(question: str, state: DialogueState) -> Rewrite:
    """The search query for ``question`` (already cleaned) in the light of ``state``."""
    if tx.is_elliptical(question):
        ctx = context(state)
        if ctx is None:
            return Rewrite(question, "", elliptical=True, resolved=False)
        return Rewrite(substitute(question, ctx.topic), ctx.topic, elliptical=True)
    if is_lead_in(question):
        ctx = context(state)
        if ctx is not None:
            rest = _LEAD_IN.sub("", question, count=1).strip(" ?!.")
            return Rewrite(f"{ctx.query.rstrip(' ?!.')} {rest}", ctx.topic, elliptical=True)
    return Rewrite(question, " ".join(tx.topic_words(question)[:4]))


def remember(rw: Rewrite, state: DialogueState) -> tuple[SlotSet, ...]:
    """The slot events that let the next turn refer back to this question."""
    if not rw.topic:
        return ()
    return (
        SlotSet(name=f"{SKILL}.topic", value=rw.topic),
        SlotSet(name=f"{SKILL}.query", value=rw.query),
        SlotSet(name=f"{SKILL}.turn", value=state.user_turns + 1),
    )
