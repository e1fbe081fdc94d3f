"""Deterministic fakes shipped with the package, for tests of Vita and of code built on it.

* :class:`FixedSkill` — a skill with a fixed score and reply (optionally asking follow-ups, or
  failing, or sleeping), recording every call.
* :class:`FakeRetriever` — returns canned passages whose text shares words with the query.
* :class:`HashEmbedder` — re-exported from :mod:`index.embed`.
* :func:`settings_for_tests` and :func:`runtime_for_tests` — a fully wired runtime with a memory
  store and no model downloads or loads.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.registry import load_skill
from assistant.runtime import Runtime
from assistant.sessions import SessionStore
from assistant.skill import Skill, SkillContext
from assistant.state import DialogueState
from assistant.types import Event, Passage, QuickReply, SkillReply, SlotSet, UserMessage
from index.embed import HashEmbedder

__all__ = [
    "FakeRetriever",
    "FixedSkill",
    "HashEmbedder",
    "runtime_for_tests",
    "settings_for_tests",
]


@dataclass
class FixedSkill:
    """A skill that scores ``score`` when ``trigger`` (a regex) matches, and answers ``text``.

    With ``follow_ups`` it asks those questions one per turn (``done=False``) and stores each
    answer as a slot, then finishes with ``text``. ``fail`` makes ``run`` raise; ``delay`` makes
    it sleep (for timeout and concurrency tests). Every call is recorded in ``calls``.
    """

    name: str
    text: str = "fixed reply"
    trigger: str = r".*"
    score_value: float = 0.9
    priority: int = 1
    follow_ups: Sequence[str] = ()
    fail: bool = False
    delay: float = 0.0
    events: Sequence[Event] = ()
    calls: list[tuple[str, str | None]] = field(default_factory=list)
    warmed: int = 0

    def warm_up(self) -> None:
        self.warmed += 1

    def score(self, msg: UserMessage, state: DialogueState) -> float:
        if state.active_skill == self.name:
            return self.score_value
        return self.score_value if re.search(self.trigger, msg.text, re.IGNORECASE) else 0.0

    def run(self, msg: UserMessage, state: DialogueState, ctx: SkillContext) -> SkillReply:
        self.calls.append((msg.text, state.active_skill))
        if self.delay:
            time.sleep(self.delay)
        if self.fail:
            raise RuntimeError(f"{self.name} failed on purpose")
        asked = len(state.slots_for(self.name))
        answers: tuple[Event, ...] = ()
        if state.active_skill == self.name:
            answers = (SlotSet(name=f"{self.name}.answer{asked}", value=msg.text),)
            asked += 1
        if asked < len(self.follow_ups):
            return SkillReply(
                self.follow_ups[asked],
                quick_replies=(QuickReply("Yes", "yes"), QuickReply("No", "no")),
                events=answers,
                done=False,
            )
        return SkillReply(self.text, events=(*answers, *self.events), done=True)


@dataclass
class FakeRetriever:
    """Returns the given passages that share at least one word with the query, best first."""

    passages: Sequence[Passage] = ()

    def search(self, query: str, k: int = 5, topic: str | None = None) -> list[Passage]:
        words = set(re.findall(r"[a-z]+", query.lower()))
        scored = []
        for p in self.passages:
            if topic and p.metadata.get("topic") != topic:
                continue
            overlap = len(words & set(re.findall(r"[a-z]+", p.text.lower())))
            if overlap:
                scored.append((overlap, p))
        scored.sort(key=lambda op: -op[0])
        return [p for _, p in scored[:k]]


def settings_for_tests(data_dir: Path, **overrides: Any) -> Settings:
    """Settings that load nothing heavy: memory store, hash embedder, pattern safety, no index."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "session_store": "memory",
        "embedder": "hash",
        "safety_semantic": False,
        "retrieval": False,  # tests pass a FakeRetriever or build a small index explicitly
    }
    values.update(overrides)
    return Settings.load(env={}, toml_path=data_dir / "no-vita.toml", **values)


def runtime_for_tests(
    settings: Settings, skills: Sequence[Skill] | None = None, store: SessionStore | None = None
) -> Runtime:
    """A runtime over the given fake skills (plus smalltalk as the fallback when not given)."""
    chosen = list(skills) if skills is not None else []
    if not any(s.name == settings.fallback_skill for s in chosen):
        chosen.append(load_skill(settings.fallback_skill, settings))
    return Runtime.build(settings, skills=chosen, store=store)
