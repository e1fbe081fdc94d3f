"""Turning an :class:`~skills.triage.assess.Assessment` into the cards the channels render."""

from __future__ import annotations

from assistant.prompts import Prompts
from assistant.safety_locale import Contacts
from assistant.types import Cause, EmergencyCard, TriageCard
from skills.triage.assess import Assessment
from skills.triage.kb import KnowledgeBase


def reasons(a: Assessment, p: Prompts, kb: KnowledgeBase) -> str:
    """Why this level: red flags found, caution from the differential, the words that weighed."""
    parts: list[str] = []
    if a.red_flags:
        flags = "; ".join(
            f"{kb.symptoms[f.symptom].name} ({f.reason})"
            if f.reason
            else kb.symptoms[f.symptom].name
            for f in a.red_flags
        )
        parts.append(p.render("triage.reason_flags", flags=flags))
    elif a.level != a.model_level and a.rounded_up:
        parts.append(p.render("triage.reason_unsure"))
    elif a.level == a.risk_level and a.level != a.model_level:
        parts.append(p.render("triage.reason_risk"))
    else:
        parts.append(p.render("triage.reason_level", what=p.render(f"triage.level_need.{a.level}")))
    words = a.top_words
    if words:
        parts.append(p.render("triage.reason_words", words=", ".join(f'"{w}"' for w in words)))
    return " ".join(parts)


def build_card(a: Assessment, p: Prompts, kb: KnowledgeBase, number: str) -> TriageCard:
    causes = tuple(
        Cause(name=c.name, probability=round(prob, 3), code=c.icd10) for c, prob in a.differential
    )
    advice: list[str] = []
    lead = a.differential[0][0] if a.differential else None
    if lead is not None and a.level in ("self_care", "routine"):
        advice += list(lead.self_care)
    if lead is not None and lead.seek_help:
        advice.append(f"{p.render('triage.seek_help_prefix')} {lead.seek_help}")
    open_flags = [
        kb.symptoms[f.symptom].name
        for c, _ in a.differential
        for f in c.red_flags
        if f.symptom not in a.present
    ]
    if open_flags and a.level != "emergency":
        advice.append(p.render("triage.watch_for", signs=", ".join(dict.fromkeys(open_flags[:4]))))
    advice.append(p.render("triage.disclaimer", number=number))
    level_text = p.render(f"triage.levels.{a.level}")
    return TriageCard(
        level=a.level,  # type: ignore[arg-type]
        headline=p.render("triage.headline", level_text=level_text),
        reason=reasons(a, p, kb),
        causes=causes,
        advice=tuple(advice),
        highlights=tuple(a.top_words),
    )


def emergency_card(p: Prompts, contacts: Contacts) -> EmergencyCard:
    return EmergencyCard(
        kind="medical",
        title=p.render("triage.emergency_title"),
        message=p.render("triage.emergency_message"),
        steps=tuple(p.render_all("triage.emergency_steps", number=contacts.number)),
        number=contacts.number,
        number_label=contacts.number_label,
        country=contacts.country,
        matched="triage",
    )
