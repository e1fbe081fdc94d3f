"""The emergency reply of the safety screen: an :class:`EmergencyCard` worded from ``prompts/``.

Decisions:
    * Every sentence comes from ``prompts/safety.yaml`` (titles, message and chat text per kind,
      2-4 first steps per category, with a per-kind default list for a category without one).
    * The crisis line is shown on every mental-health card, and on a medical card when the
      category asks for it (``show_crisis_line``, e.g. an overdose) or when a mental-health
      category fired too (``related``), because a self-inflicted injury needs both numbers.
    * The steps are plain strings (no template variables), so they read the same in every channel.
"""

from __future__ import annotations

from typing import Any, Literal

from assistant.prompts import Prompts
from assistant.safety_locale import Contacts
from assistant.safety_rules import RuleSet
from assistant.types import EmergencyCard, Escalated, SkillReply


def wants_crisis_line(
    kind: str, category: str | None, related: tuple[str, ...], rules: RuleSet
) -> bool:
    """Whether the card for this screening shows the crisis line (see the module docstring)."""
    if kind == "mental_health":
        return True
    cats = [c for c in map(rules.category, (category, *related)) if c is not None]
    return any(c.kind == "mental_health" for c in cats) or bool(cats and cats[0].show_crisis_line)


def steps(prompts: Prompts, category: str | None, kind: str) -> tuple[str, ...]:
    """The first steps for ``category``, or the default steps of ``kind``."""
    name = f"safety.steps_{category}"
    raw = prompts.data(name if category and prompts.has(name) else f"safety.steps_{kind}")
    return tuple(str(s) for s in raw) if isinstance(raw, list) else (str(raw),)


def build_reply(
    *,
    kind: Literal["medical", "mental_health"],
    category: str | None,
    related: tuple[str, ...],
    rule: str,
    contacts: Contacts,
    rules: RuleSet,
    prompts: Prompts,
) -> SkillReply:
    """The reply for one escalation: chat text, one emergency card, one ``Escalated`` event.

    Raises:
        PromptError: a safety template is missing from ``prompts/safety.yaml``.
    """
    crisis = contacts.crisis_line if wants_crisis_line(kind, category, related, rules) else None
    values: dict[str, Any] = {
        "number": contacts.number,
        "number_label": contacts.number_label,
        "crisis_line": crisis,
        "crisis_label": contacts.crisis_label if crisis else None,
        "local": contacts.country == "default",
    }
    card = EmergencyCard(
        kind=kind,
        title=prompts.render(f"safety.title_{kind}", **values),
        message=prompts.render(f"safety.message_{kind}", **values),
        steps=steps(prompts, category, kind),
        number=contacts.number,
        number_label=contacts.number_label,
        country=contacts.country,
        crisis_line=crisis,
        crisis_label=values["crisis_label"],
        matched=rule,
    )
    return SkillReply(
        text=prompts.render(f"safety.text_{kind}", **values),
        cards=(card,),
        events=(Escalated(kind=kind, rule=rule),),
        done=True,
    )


__all__ = ["build_reply", "steps", "wants_crisis_line"]
