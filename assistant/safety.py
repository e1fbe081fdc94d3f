"""Emergency and crisis screening, run on every user message before any skill.

``SafetyScreen.screen(text)`` decides whether a message describes a medical emergency or a
mental-health crisis; ``SafetyScreen.reply`` turns that decision into an :class:`EmergencyCard`
with the emergency number (and crisis line) for the user's locale, worded from
``prompts/safety.yaml``.

Decisions:
    * Table-driven and explainable. The rules live in ``assistant/data/safety_rules.yaml``
      (see :mod:`assistant.safety_rules`); every escalation names the rule that fired, either
      ``"<category>/pattern/<n>"`` or ``"<category>/prototype: <sentence>"``.
    * Two stages. Regex patterns run first (precise, cheap, always on). Only when no pattern
      fires, and only when ``settings.safety_semantic`` is true and an embedder was given,
      each sentence is embedded and compared with emergency prototypes and "safe" prototypes
      (figurative, educational, everyday). A semantic hit needs the best emergency similarity
      to clear the threshold AND beat the best safe similarity by a margin. Sentences phrased as
      general questions, or with mild / habitual wording ("a bit", "when I run"), need a higher
      similarity (penalties in the YAML). MiniLM similarity follows topic more than urgency, so
      the semantic stage is a net for paraphrases, not the main line: patterns carry recall.
    * Priority: when several categories' patterns fire, the first in the YAML wins (an overdose
      already taken outranks the wish to die that came with it). The others are kept in
      ``Screening.related`` so the card can still show a crisis line.
    * ``screen`` never raises: a failure in the pattern stage is logged and treated as "no
      escalation" (the pattern stage is pure regex, so this is a bug, not an operating state);
      a failure of the embedder is logged and the pattern result stands.
    * Only the first ``limits.max_scan_chars`` characters are read by patterns and the first
      ``semantic.max_chars`` are embedded, so a 100 KB paste costs a fraction of a second.
    * ``reply`` uses ``locale`` when given, else ``settings.default_locale``; a locale with no
      country (``"fr"``) gets the general default (112 or the local number).
    * ``__init__`` only reads the YAML; ``warm_up`` embeds the prototypes once (thread-safe).
      ``screen`` warms up lazily if nobody did.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from assistant.config import Settings
from assistant.prompts import Prompts
from assistant.safety_locale import Contacts, contacts_for
from assistant.safety_reply import build_reply
from assistant.safety_rules import (
    RULES_PATH,
    RuleSet,
    blank_negated,
    clauses,
    for_embedding,
    load_rules,
    mask,
    negated,
    normalise,
    sentences,
    word_count,
)
from assistant.types import SkillReply
from index.embed import Embedder

log = logging.getLogger("vita.safety")

Kind = Literal["medical", "mental_health"]


@dataclass(frozen=True)
class Screening:
    """The verdict on one message. ``rule`` says which pattern or prototype fired."""

    escalate: bool
    kind: Kind | None = None
    category: str | None = None  # e.g. "cardiac"
    rule: str | None = None  # e.g. "cardiac/pattern/2" or "stroke/prototype: <text>"
    method: Literal["pattern", "semantic"] | None = None
    score: float = 0.0  # 1.0 for a pattern, cosine similarity for semantic
    related: tuple[str, ...] = ()  # other categories whose patterns also fired, by priority


NO_ESCALATION = Screening(escalate=False)


@dataclass(frozen=True)
class _Bank:
    """Embedded prototypes: emergency rows with their category index and threshold; safe rows."""

    emergency: npt.NDArray[np.float32]
    owners: tuple[int, ...]
    texts: tuple[str, ...]
    thresholds: npt.NDArray[np.float32]
    safe: npt.NDArray[np.float32]


# Per sentence: the sentence, the sentence with guards blanked, and the ids of those guards.
_Prepared = list[tuple[str, str, list[str]]]

# Guards of this group only hide a keyword inside a compound ("blood pressure"); the semantic
# stage still embeds such a sentence whole.
_COMPOUND = "guard/compounds/"


class SafetyScreen:
    """Screens messages for emergencies and crises; builds the emergency reply.

    Args:
        settings: reads ``safety_semantic`` and ``default_locale``.
        embedder: sentence embedder for the semantic stage; ``None`` means patterns only.
        rules_path: the rule table (tests may pass their own).
    """

    def __init__(
        self, settings: Settings, embedder: Embedder | None = None, rules_path: Path = RULES_PATH
    ) -> None:
        self._settings = settings
        self._rules: RuleSet = load_rules(rules_path)
        self._embedder = embedder if settings.safety_semantic else None
        self._bank: _Bank | None = None
        self._lock = threading.Lock()

    @property
    def rules(self) -> RuleSet:
        """The compiled rule table."""
        return self._rules

    @property
    def semantic_enabled(self) -> bool:
        """Whether the semantic stage runs (setting on and an embedder given)."""
        return self._embedder is not None

    def warm_up(self) -> None:
        """Embed the prototypes once. Idempotent and thread-safe; a no-op without semantic."""
        if self._embedder is None or self._bank is not None:
            return
        with self._lock:
            if self._bank is not None:
                return
            rows = [(i, p) for i, c in enumerate(self._rules.categories) for p in c.prototypes]
            texts = [for_embedding(normalise(p)) for _, p in rows]
            safe = [for_embedding(normalise(p)) for p in self._rules.safe_prototypes]
            vectors = self._embedder.encode(texts + safe)
            default = self._rules.threshold
            self._bank = _Bank(
                emergency=vectors[: len(texts)],
                owners=tuple(i for i, _ in rows),
                texts=tuple(p for _, p in rows),
                thresholds=np.array(
                    [self._rules.categories[i].threshold or default for i, _ in rows], np.float32
                ),
                safe=vectors[len(texts) :],
            )

    # ------------------------------------------------------------------ screening

    def screen(self, text: str) -> Screening:
        """Screen one message. Never raises on any ``str``."""
        try:
            prepared = self._prepare(text)
            found = self._patterns(prepared)
        except Exception:  # a bug in a rule must not take the conversation down
            log.exception("safety screen: pattern stage failed")
            return NO_ESCALATION
        if found.escalate or self._embedder is None:
            return found
        try:
            return self._semantic(prepared)
        except Exception:
            log.exception("safety screen: semantic stage failed; pattern result stands")
            return found

    def explain(self, text: str) -> dict[str, Any]:
        """What the screen saw in ``text``: sentences, guards, negated matches, verdict."""
        prepared = self._prepare(text)
        negated_hits = [
            rule.id
            for _, masked, _ in prepared
            for cat in self._rules.categories
            for rule in cat.patterns
            for m in rule.regex.finditer(masked)
            if negated(self._rules, masked, m.start())
        ]
        return {
            "sentences": [" ".join(m.split()) for _, m, _ in prepared],
            "guards": sorted({g for _, _, ids in prepared for g in ids}),
            "negated": negated_hits,
            "units": self._units(prepared),
            "screening": self.screen(text),
        }

    def _prepare(self, text: str) -> _Prepared:
        limit = self._rules.max_scan_chars
        raw = text[: limit * 2] if isinstance(text, str) else ""
        clean = normalise(raw)[:limit]
        out: _Prepared = []
        for sentence in sentences(clean, self._rules.max_sentence_chars):
            masked, ids = mask(sentence, self._rules.guards)
            out.append((sentence, masked, ids))
        return out

    def _patterns(self, prepared: _Prepared) -> Screening:
        hits: dict[int, str] = {}
        for _, masked, _ in prepared:
            for index, category in enumerate(self._rules.categories):
                if index in hits:
                    continue
                for rule in category.patterns:
                    matches = rule.regex.finditer(masked)
                    if any(not negated(self._rules, masked, m.start()) for m in matches):
                        hits[index] = rule.id
                        break
        if not hits:
            return NO_ESCALATION
        order = sorted(hits)
        best = self._rules.categories[order[0]]
        related = tuple(self._rules.categories[i].name for i in order[1:])
        return Screening(True, best.kind, best.name, hits[order[0]], "pattern", 1.0, related)

    def _units(self, prepared: _Prepared) -> list[str]:
        """Sentences (and, for long ones, their clauses) worth embedding, negations blanked."""
        rules = self._rules
        units: list[str] = []
        budget = rules.semantic_max_chars
        for sentence, masked, guard_ids in prepared:
            if budget <= 0 or len(units) >= rules.max_units:
                break
            budget -= len(masked) + 1
            guard_ids = [g for g in guard_ids if not g.startswith(_COMPOUND)]
            masked = masked if guard_ids else sentence
            text = blank_negated(rules, masked)
            if guard_ids:  # embed only the clauses a guard left whole, never guard leftovers
                parts = [c for c in clauses(masked) if "  " not in c]
                parts = [blank_negated(rules, c) for c in parts]
            else:
                parts = [text] + (clauses(text) if len(text) > 160 else [])
            need = rules.min_words_guarded if guard_ids else rules.min_words
            for part in parts:
                unit = for_embedding(part)[: rules.max_unit_chars]
                if word_count(unit) >= need and unit not in units:
                    units.append(unit)
        return units[: rules.max_units]

    def _semantic(self, prepared: _Prepared) -> Screening:
        units = self._units(prepared)
        if not units or self._embedder is None:
            return NO_ESCALATION
        self.warm_up()
        bank = self._bank
        assert bank is not None
        vectors = self._embedder.encode(units)
        sims = vectors @ bank.emergency.T  # (units, emergency prototypes)
        safe = (vectors @ bank.safe.T).max(axis=1) if len(bank.safe) else np.zeros(len(units))
        floor = bank.thresholds[None, :] + self._penalties(units)[:, None]
        ok = (sims >= floor) & (sims - safe[:, None] >= self._rules.margin)
        if not ok.any():
            return NO_ESCALATION
        unit, row = np.unravel_index(int(np.argmax(np.where(ok, sims, -np.inf))), sims.shape)
        category = self._rules.categories[bank.owners[row]]
        rule = f"{category.name}/prototype: {bank.texts[row]}"
        score = float(sims[unit, row])
        log.debug("safety semantic hit %s (%.3f) on %r", rule, score, units[unit])
        return Screening(True, category.kind, category.name, rule, "semantic", score)

    def _penalties(self, units: list[str]) -> npt.NDArray[np.float32]:
        """Extra similarity each unit needs: general questions and mild wording raise the bar."""
        rules = self._rules
        return np.array(
            [
                rules.question_penalty * bool(rules.question_cue.match(u))
                + rules.mild_penalty * bool(rules.mild_cue.search(u))
                for u in units
            ],
            np.float32,
        )

    # ------------------------------------------------------------------ reply

    def reply(self, screening: Screening, locale: str | None, prompts: Prompts) -> SkillReply:
        """The emergency reply for an escalating ``screening`` (see :mod:`assistant.safety_reply`).

        Raises:
            ValueError: ``screening`` does not escalate.
            PromptError: a safety template is missing from ``prompts/safety.yaml``.
        """
        if not screening.escalate or screening.kind is None:
            raise ValueError("SafetyScreen.reply needs a screening that escalates")
        return build_reply(
            kind=screening.kind,
            category=screening.category,
            related=screening.related,
            rule=screening.rule or "",
            contacts=contacts_for(locale or self._settings.default_locale),
            rules=self._rules,
            prompts=prompts,
        )


__all__ = ["NO_ESCALATION", "Contacts", "SafetyScreen", "Screening", "contacts_for"]
