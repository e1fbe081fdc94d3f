"""Shared builders for the knowledge skill's tests."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant import nlu
from assistant.config import PROJECT_ROOT, Settings
from assistant.prompts import Prompts
from assistant.skill import Retriever, SkillContext
from assistant.state import DialogueState, apply
from assistant.testing import settings_for_tests
from assistant.types import BotSaid, Event, SkillReply, UserMessage, UserSaid
from skills.knowledge.skill import KnowledgeSkill

# The hashing fake gives on-topic questions cosines of about 0.15-0.7 and off-topic ones < 0.1.
FAKE_MIN_SCORE = 0.12
PROMPTS = Prompts(PROJECT_ROOT / "prompts")


def knowledge_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"knowledge_min_score": FAKE_MIN_SCORE, "skills": "knowledge"}
    values.update(overrides)
    return settings_for_tests(tmp_path, **values)


def context(settings: Settings, retriever: Retriever | None) -> SkillContext:
    return SkillContext(
        settings=settings, prompts=PROMPTS, retriever=retriever, rng=random.Random(0)
    )


def message(text: str) -> UserMessage:
    return UserMessage("s", text, nlu=nlu.analyse(text))


def converse(
    skill: KnowledgeSkill, ctx: SkillContext, texts: Sequence[str]
) -> tuple[list[SkillReply], DialogueState]:
    """Run ``texts`` as consecutive turns, applying each reply's events like the manager does."""
    state = DialogueState("s")
    replies = []
    for text in texts:
        msg = message(text)
        reply = skill.run(msg, state, ctx)
        replies.append(reply)
        events: list[Event] = [UserSaid(text=text), *reply.events]
        events.append(BotSaid(reply={"text": reply.text, "skill": skill.name}))
        for event in events:
            state = apply(state, event)
    return replies, state
