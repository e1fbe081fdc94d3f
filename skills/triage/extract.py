"""Finding the knowledge base's symptoms in free text, with negation ("no fever", "denies cough").

The model reads the whole complaint; this matcher is the rule-based companion that the safety
floor and the follow-up questions rely on: red flags named in the text are found here, so a red
flag can never be missed because the network paid it little attention.

Matching is on whole words over a normalised text, longest phrase first, non-overlapping. A
mention is negated when a negation cue ("no", "not", "without", "denies", "don't have" ...)
comes shortly before it in the same clause; "and", "but" and punctuation (commas included) end a
clause, "or" does not ("no fever or cough" negates both).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from skills.triage.kb import KnowledgeBase

_NEGATION = re.compile(
    r"\b(?:no|not|never|without|denies|denied|deny|negative for|free of|"
    r"(?:do|does|did|have|has|had|is|are|was|were)(?:n'?t| not)|can'?t say|havent|hasnt|isnt|arent)\b"
)
# A comma ends the scope too ("no cough, white spots on the tonsils"): wrongly negating a
# symptom could hide a red flag, wrongly keeping one only costs a question.
_CLAUSE_END = re.compile(r"[.,;:!?]|\b(?:and|but|although|though|however|except)\b")
_WORD = re.compile(r"[a-z0-9']+")


def normalise(text: str) -> str:
    """Lower case, plain apostrophes, single spaces."""
    text = text.lower().replace("’", "'").replace("‘", "'")
    text = re.sub(r"[^a-z0-9'.,;:!?\s-]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _fold(phrase: str) -> str:
    """A phrase with plural endings dropped ("pins and needles in my hands" ~ "... hand")."""
    return re.sub(r"(?<=[a-z]{3})s\b", "", phrase)


def _pattern(phrase: str) -> str:
    """Regex for a folded phrase that accepts an optional plural "s" on every word."""
    return r"\s".join(re.escape(w) + "s?" for w in phrase.split(" "))


@dataclass(frozen=True)
class Mention:
    symptom: str
    phrase: str
    start: int
    negated: bool


class SymptomMatcher:
    """Finds lexicon phrases in text. Build once per knowledge base (it compiles one regex)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        table: dict[str, str] = {}
        for sid, sym in kb.symptoms.items():
            for phrase in sym.phrases:
                key = _fold(normalise(phrase))
                if len(key) >= 3:
                    table.setdefault(key, sid)
        self._table = table
        ordered = sorted(table, key=len, reverse=True)
        self._regex = re.compile(r"\b(?:" + "|".join(_pattern(p) for p in ordered) + r")\b")

    def find(self, text: str) -> list[Mention]:
        norm = normalise(text)
        found: list[Mention] = []
        for match in self._regex.finditer(norm):
            phrase = match.group(0)
            sid = self._table.get(_fold(phrase))
            if sid is not None:
                found.append(Mention(sid, phrase, match.start(), _negated(norm, match.start())))
        return found

    def present(self, text: str) -> list[str]:
        """Symptom ids mentioned and not negated, in order, without repeats."""
        return list(dict.fromkeys(m.symptom for m in self.find(text) if not m.negated))

    def negated(self, text: str) -> list[str]:
        said = set(self.present(text))
        return list(
            dict.fromkeys(m.symptom for m in self.find(text) if m.negated and m.symptom not in said)
        )


def _negated(text: str, start: int) -> bool:
    window = text[max(0, start - 60) : start]
    cut = list(_CLAUSE_END.finditer(window))
    if cut:
        window = window[cut[-1].end() :]
    words = _WORD.findall(window)[-6:]
    return bool(_NEGATION.search(" ".join(words)))
