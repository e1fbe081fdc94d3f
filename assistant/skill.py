"""The one contract every skill implements, and the context the manager hands to ``run``.

A skill's ``__init__`` only reads settings; ``warm_up`` loads weights and indexes (idempotent,
called once by the server, in a background thread by the terminal chat); ``score`` is fast and
pure; ``run`` never mutates the state it is given, and returns a :class:`SkillReply` whose events
the manager appends. ``run`` is synchronous: the manager calls it in a worker thread.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

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
