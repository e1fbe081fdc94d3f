"""The safety screen's rule table and text handling: load, compile, normalise, split, mask.

Everything the screen knows about emergencies is in ``assistant/data/safety_rules.yaml``; this
module turns it into compiled regexes and gives :mod:`assistant.safety` the text operations it
needs. Nothing here embeds anything.

Decisions:
    * Text is normalised before any pattern runs: NFKC, lower case, control and zero-width
      characters dropped, curly quotes folded, and apostrophes inside words removed ("can't" ->
      "cant", "dad's" -> "dads"). Patterns are written for that form, which also makes the
      common typo of a missing apostrophe a non-issue.
    * Sentences are the unit of matching. A guard (figurative, educational, hypothetical,
      historical) blanks out only its own span, so "how do I do CPR on my dad, he isn't
      breathing" still escalates on the part the guard did not cover.
    * All guards apply to every category, even those listed under one category in the YAML:
      a guard is a statement about the words, not about the emergency. Guards of the
      ``compounds`` group ("blood pressure", "flu shot") only hide a keyword from patterns; the
      semantic stage still embeds such a sentence. Sentences with any other guard are embedded
      only by their clauses that the guard left untouched.
    * Negation is a short window before the match (``window_words``), cut at the last breaker
      ("but", "and", a comma ...). Cues that ARE the symptom ("no pulse", "not breathing")
      are excluded in the cue regex itself.
    * For embedding, negated phrases are blanked as well, and common contractions are spelt
      out again ("cant" -> "can not") so the sentence model sees ordinary English.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

import yaml

RULES_PATH = Path(__file__).resolve().parent / "data" / "safety_rules.yaml"

Kind = Literal["medical", "mental_health"]

_DROP = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff"
    "\ud800-\udfff]"
)
_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u02bc": "'", "\u00b4": "'",
                       "`": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
                       "\u2212": "-", "\t": " "})  # fmt: skip
_INNER_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
_SPACES = re.compile(r"[ \f\v\u00a0\u2000-\u200a\u3000]+")
_SENTENCE_END = re.compile(r"(?<!\d)\.(?!\d)|[!?;\n\r]+|\s[-]{2,}\s")
_CLAUSE_BREAK = re.compile(r",|\b(?:and|but|so|then|because)\b")
_MACRO = re.compile(r"\{([a-z_]+)\}")
_WORD = re.compile(r"[a-z0-9]+")
_EXPANSIONS = {
    "cant": "can not", "cannot": "can not", "wont": "will not", "dont": "do not",
    "doesnt": "does not", "didnt": "did not", "isnt": "is not", "arent": "are not",
    "wasnt": "was not", "werent": "were not", "havent": "have not", "hasnt": "has not",
    "hadnt": "had not", "couldnt": "could not", "shouldnt": "should not",
    "wouldnt": "would not", "im": "i am", "ive": "i have", "hes": "he is", "shes": "she is",
    "theyre": "they are", "theres": "there is", "youre": "you are", "thats": "that is",
    "whats": "what is",
}  # fmt: skip
_EXPAND = re.compile(r"\b(" + "|".join(_EXPANSIONS) + r")\b")


@dataclass(frozen=True)
class Rule:
    """One compiled pattern; ``id`` is what the screen reports, e.g. ``cardiac/pattern/2``."""

    id: str
    regex: re.Pattern[str]


@dataclass(frozen=True)
class Category:
    """An emergency category: its kind, its patterns and its semantic prototypes."""

    name: str
    kind: Kind
    patterns: tuple[Rule, ...]
    prototypes: tuple[str, ...]
    threshold: float | None = None
    show_crisis_line: bool = False


@dataclass(frozen=True)
class RuleSet:
    """The whole compiled table. Categories are in priority order."""

    categories: tuple[Category, ...]
    guards: tuple[Rule, ...]
    safe_prototypes: tuple[str, ...]
    negation_cue: re.Pattern[str]
    negation_breaker: re.Pattern[str]
    window_words: int
    threshold: float
    margin: float
    semantic_max_chars: int
    max_units: int
    max_unit_chars: int
    min_words: int
    min_words_guarded: int
    question_cue: re.Pattern[str]
    question_penalty: float
    mild_cue: re.Pattern[str]
    mild_penalty: float
    max_scan_chars: int
    max_sentence_chars: int

    def category(self, name: str | None) -> Category | None:
        """The category called ``name``, or ``None``."""
        return next((c for c in self.categories if c.name == name), None)


def _compile(source: str, macros: dict[str, str], where: str) -> re.Pattern[str]:
    for _ in range(3):  # macros may use macros
        source = _MACRO.sub(lambda m: macros.get(m.group(1), m.group(0)), source)
    try:
        return re.compile(source)
    except re.error as exc:
        raise ValueError(f"safety rules: bad regex in {where}: {exc}") from exc


def _strings(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"safety rules: {where} must be a list of strings")
    return list(value)


@functools.lru_cache(maxsize=8)
def load_rules(path: Path = RULES_PATH) -> RuleSet:
    """Read, validate and compile the rule table (cached per path).

    Raises:
        ValueError: a regex does not compile, a kind is unknown, or a section has the wrong shape.
    """
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    macros = {str(k): str(v) for k, v in (raw.get("macros") or {}).items()}
    guards: list[Rule] = []
    for group, items in (raw.get("guards") or {}).items():
        for i, src in enumerate(_strings(items, f"guards.{group}")):
            guards.append(Rule(f"guard/{group}/{i}", _compile(src, macros, f"guards.{group}[{i}]")))
    categories: list[Category] = []
    for name, body in (raw.get("categories") or {}).items():
        kind = body.get("kind")
        if kind not in ("medical", "mental_health"):
            raise ValueError(f"safety rules: category {name!r} has unknown kind {kind!r}")
        rules = tuple(
            Rule(f"{name}/pattern/{i}", _compile(src, macros, f"{name}.patterns[{i}]"))
            for i, src in enumerate(_strings(body.get("patterns"), f"{name}.patterns"))
        )
        for i, src in enumerate(_strings(body.get("guards"), f"{name}.guards")):
            guards.append(Rule(f"guard/{name}/{i}", _compile(src, macros, f"{name}.guards[{i}]")))
        threshold = body.get("threshold")
        categories.append(
            Category(
                name=str(name),
                kind=cast(Kind, kind),
                patterns=rules,
                prototypes=tuple(_strings(body.get("prototypes"), f"{name}.prototypes")),
                threshold=float(threshold) if threshold is not None else None,
                show_crisis_line=bool(body.get("show_crisis_line", False)),
            )
        )
    sem, lim, neg = raw.get("semantic") or {}, raw.get("limits") or {}, raw.get("negation") or {}
    return RuleSet(
        categories=tuple(categories),
        guards=tuple(guards),
        safe_prototypes=tuple(_strings(raw.get("safe_prototypes"), "safe_prototypes")),
        negation_cue=_compile(
            str(neg.get("cues", r"\b(?:no|not|never|without)\b")), macros, "cues"
        ),
        negation_breaker=_compile(
            str(neg.get("breakers", r"\b(?:but|and)\b|,")), macros, "breakers"
        ),
        window_words=int(neg.get("window_words", 5)),
        threshold=float(sem.get("threshold", 0.6)),
        margin=float(sem.get("margin", 0.05)),
        semantic_max_chars=int(sem.get("max_chars", 2000)),
        max_units=int(sem.get("max_units", 24)),
        max_unit_chars=int(sem.get("max_unit_chars", 300)),
        min_words=int(sem.get("min_words", 3)),
        min_words_guarded=int(sem.get("min_words_guarded", 5)),
        question_cue=_compile(str(sem.get("question_cue", r"(?!)")), macros, "question_cue"),
        question_penalty=float(sem.get("question_penalty", 0.0)),
        mild_cue=_compile(str(sem.get("mild_cue", r"(?!)")), macros, "mild_cue"),
        mild_penalty=float(sem.get("mild_penalty", 0.0)),
        max_scan_chars=int(lim.get("max_scan_chars", 10000)),
        max_sentence_chars=int(lim.get("max_sentence_chars", 400)),
    )


# --------------------------------------------------------------------------- text


def normalise(text: str) -> str:
    """Lower-case, fold quotes and dashes, drop control characters, remove inner apostrophes."""
    text = unicodedata.normalize("NFKC", _DROP.sub("", text))
    text = _DROP.sub("", text.translate(_FOLD)).lower()
    text = _INNER_APOSTROPHE.sub("", text).replace("'", " ")
    return _SPACES.sub(" ", text)


def _wrap(sentence: str, limit: int) -> list[str]:
    """Cut an over-long sentence at clause breaks, then hard-wrap pieces at word boundaries."""
    if len(sentence) <= limit:
        return [sentence]
    out: list[str] = []
    for piece in _CLAUSE_BREAK.split(sentence):
        while len(piece) > limit:
            cut = piece.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            out.append(piece[:cut])
            piece = piece[cut:]
        out.append(piece)
    return out


def sentences(text: str, max_chars: int) -> list[str]:
    """Non-empty sentences of normalised ``text``, none longer than ``max_chars``."""
    out: list[str] = []
    for part in _SENTENCE_END.split(text):
        part = part.strip(' "-*')
        if part:
            out.extend(p.strip() for p in _wrap(part, max_chars) if p.strip())
    return out


def clauses(sentence: str) -> list[str]:
    """The comma / conjunction separated parts of a sentence (for embedding long sentences)."""
    return [p.strip() for p in _CLAUSE_BREAK.split(sentence) if p.strip()]


def mask(text: str, rules: tuple[Rule, ...]) -> tuple[str, list[str]]:
    """Blank out (with spaces, keeping offsets) every span any of ``rules`` matches.

    Returns:
        The masked text and the ids of the rules that matched.
    """
    hits: list[str] = []
    chars = list(text)
    for rule in rules:
        for m in rule.regex.finditer(text):
            if m.end() > m.start():
                chars[m.start() : m.end()] = " " * (m.end() - m.start())
                if rule.id not in hits:
                    hits.append(rule.id)
    return ("".join(chars) if hits else text), hits


def negated(rules: RuleSet, sentence: str, start: int) -> bool:
    """True when a negation cue governs the match that starts at ``start``."""
    prefix = sentence[:start]
    breaks = list(rules.negation_breaker.finditer(prefix))
    if breaks:
        prefix = prefix[breaks[-1].end() :]
    window = " ".join(prefix.split()[-rules.window_words :])
    return bool(window) and rules.negation_cue.search(window) is not None


def blank_negated(rules: RuleSet, sentence: str) -> str:
    """Blank every negation cue and the words it governs, up to the next breaker."""
    out = sentence
    for cue in reversed(list(rules.negation_cue.finditer(sentence))):
        stop = rules.negation_breaker.search(sentence, cue.end())
        end = stop.start() if stop else len(sentence)
        out = out[: cue.start()] + " " * (end - cue.start()) + out[end:]
    return out


def for_embedding(text: str) -> str:
    """Collapse blanks and spell contractions out again, for the sentence model."""
    return _EXPAND.sub(lambda m: _EXPANSIONS[m.group(1)], " ".join(text.split()))


def word_count(text: str) -> int:
    """Number of words (letters or digits) in ``text``."""
    return len(_WORD.findall(text))


__all__ = [
    "RULES_PATH",
    "Category",
    "Kind",
    "Rule",
    "RuleSet",
    "blank_negated",
    "clauses",
    "for_embedding",
    "load_rules",
    "mask",
    "negated",
    "normalise",
    "sentences",
    "word_count",
]
