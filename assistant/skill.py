"""The one contract every skill implements, and the context the manager hands to ``run``.

A skill's ``__init__`` only reads settings; ``warm_up`` loads weights and indexes (idempotent,
called once by the server, in a background thread by the terminal chat); ``score`` is fast and
pure; ``run`` never mutates the state it is given, and returns a :class:`SkillReply` whose events
the manager appends. ``run`` is synchronous: the manager calls it in a worker thread. A skill that
keeps per-session data of its own also implements :class:`SessionData` (export, erase, expiry).
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from assistant.config import Settings
from assistant.prompts import Prompts
from assistant.state import DialogueState
from assistant.types import Passage, SkillReply, UserMessage


class Retriever(Protocol):
    """Search interface of the grounding index, as skills see it."""

    def search(self, query: str, k: int = 5, topic: str | None = None) -> list[Passage]: ...


@dataclass(frozen=True)
class SkillContext:
    """What a skill may use while running: settings, prompts, the index, a logger, randomness."""

    settings: Settings
    prompts: Prompts
    retriever: Retriever | None = None
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("vita.skill"))
    rng: random.Random = field(default_factory=random.Random)


@runtime_checkable
class Skill(Protocol):
    """A conversational capability the router can hand a turn to."""

    name: str
    priority: int

    def warm_up(self) -> None:
        """Load checkpoints and indexes. Idempotent."""

    def score(self, msg: UserMessage, state: DialogueState) -> float:
        """How well this skill fits the message, 0..1. Fast and free of side effects."""

    def run(self, msg: UserMessage, state: DialogueState, ctx: SkillContext) -> SkillReply:
        """Answer the message. Never mutates ``state``."""


@runtime_checkable
class SessionData(Protocol):
    """Optional, for a skill that keeps data about a session outside the session store.

    The session store holds a conversation's events; a skill that also writes elsewhere (the
    workout skill's feedback table for the cross-user model) implements these three methods so
    that a session's export, its erasure and its expiry reach that data too. The manager calls
    them in a worker thread; each must be safe to call for a session the skill never saw.
    """

    def export_session(self, session_id: str) -> dict[str, Any]:
        """Everything kept about ``session_id``, as JSON-ready data (empty when nothing)."""

    def erase_session(self, session_id: str) -> int:
        """Delete everything kept about ``session_id``; how many records went."""

    def purge_expired(self, older_than: float) -> int:
        """Delete what belongs to sessions idle since before ``older_than`` (Unix time)."""
