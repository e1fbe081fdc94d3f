"""Choose the skill that answers a turn.

Order of preference:
    1. the active skill (one that asked a follow-up question) keeps the turn while it still claims
       it (its score is at least ``threshold``), unless another skill scores higher by more than
       ``switch_margin`` — so "actually, what can you do?" in the middle of a triage is answered;
    2. otherwise the best score at or above ``threshold`` (ties broken by ``priority``, then by
       the order skills were enabled in);
    3. otherwise the fallback skill (smalltalk: help and a friendly "I didn't catch that").

A skill whose ``score`` raises is treated as scoring 0 and logged; routing never fails.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from assistant.skill import Skill
from assistant.state import DialogueState
from assistant.types import UserMessage

log = logging.getLogger("vita.router")


@dataclass(frozen=True)
class Route:
    """The chosen skill, its score, why it was chosen, and every skill's score (for debugging)."""

    skill: Skill
    score: float
    reason: Literal["active", "best", "fallback"]
    scores: tuple[tuple[str, float], ...] = ()


def _safe_score(skill: Skill, msg: UserMessage, state: DialogueState) -> float:
    try:
        return max(0.0, min(1.0, float(skill.score(msg, state))))
    except Exception:  # a broken skill must not take routing down
        log.exception("skill %s failed to score a message", skill.name)
        return 0.0


def choose(
    skills: Sequence[Skill],
    msg: UserMessage,
    state: DialogueState,
    *,
    threshold: float,
    switch_margin: float,
    fallback: str,
) -> Route:
    """Pick the skill for ``msg`` (see the module docstring for the rules)."""
    if not skills:
        raise ValueError("no skills are loaded")
    scored = [(s, _safe_score(s, msg, state)) for s in skills]
    table = tuple((s.name, round(v, 3)) for s, v in scored)
    order = {s.name: i for i, s in enumerate(skills)}
    ranked = sorted(scored, key=lambda sv: (-sv[1], -sv[0].priority, order[sv[0].name]))
    best, best_score = ranked[0]

    active = next((sv for sv in scored if sv[0].name == state.active_skill), None)
    overtaken = (
        active is not None and best is not active[0] and best_score > active[1] + switch_margin
    )
    if active is not None and active[1] >= threshold and not overtaken:
        return Route(active[0], active[1], "active", table)
    if best_score >= threshold:
        return Route(best, best_score, "best", table)
    fb = next((s for s in skills if s.name == fallback), None)
    if fb is None:
        raise ValueError(f"fallback skill {fallback!r} is not loaded")
    return Route(fb, dict(table)[fb.name], "fallback", table)
