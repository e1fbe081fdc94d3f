"""First-version NLU: intent scores and simple entities from one message.

Rule-based and deterministic: each intent has weighted regular expressions; an intent's score is
the largest weight that matched, nudged up when the message is short and the match covers most of
it ("hi" is surely a greeting; "hi, my knee hurts when I run" is mostly about the knee). Entities
are pulled with patterns over a small lexicon. Skills bring their own, deeper understanding
(the triage model, the workout profile parser); this module gives the router a fast first look.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Literal

from assistant.types import Entities, NLUResult

_W = 0.9  # a strong cue
_M = 0.6  # a medium cue
_L = 0.4  # a weak cue

INTENT_PATTERNS: Mapping[str, tuple[tuple[str, float], ...]] = {
    "greet": (
        (
            r"^(hi+|hey+|hello+|hiya|howdy|yo|hallo|good (morning|afternoon|evening)|greetings)\b",
            _W,
        ),
        (r"\b(hi|hello|hey) (there|vita)\b", _W),
    ),
    "help": (
        (r"\bwhat (can|do) you (do|help( me)? with|offer)\b", _W),
        (r"\b(help|menu|options|features)\b\W*$", _W),
        (r"^(help|\?)", _W),
        (r"\bhow (does|do) (this|you) work\b", _W),
        (r"\bwho are you\b|\bwhat are you\b", _W),
        (r"\bcan you help\b", _M),
    ),
    "thanks": ((r"\b(thanks|thank you|thx|ty|cheers|much appreciated|appreciate it)\b", _W),),
    "goodbye": ((r"^(bye|goodbye|see you|see ya|good night|cya|farewell)\b", _W),),
    "reset": (
        (
            r"\b(start over|start again|restart|reset|new conversation|from scratch|clear (this|chat))\b",
            _W,
        ),
        (r"^(cancel|stop|never ?mind|forget it)\W*$", _W),
    ),
    "affirm": ((r"^(yes|yeah|yep|yup|sure|ok(ay)?|correct|right|definitely|of course)\b", _W),),
    "deny": ((r"^(no|nope|nah|not really|none|never)\b", _W),),
    "symptom": (
        (
            r"\b(hurts?|hurting|pain(ful)?|aches?|aching|sore|fever|cough(ing)?|rash|itch(y|ing)?)\b",
            _M,
        ),
        (
            r"\b(dizzy|nause(a|ous)|vomit(ing)?|throwing up|diarrh(o)?ea|headache|migraine|swollen)\b",
            _M,
        ),
        (
            r"\b(i feel|i've been feeling|i am feeling|i'm feeling) (sick|unwell|ill|awful|bad)\b",
            _W,
        ),
        (r"\b(symptoms?|should i see a doctor|is it serious)\b", _M),
    ),
    "workout": (
        (r"\b(workout|work out|training plan|exercise plan|routine|program(me)?|split)\b", _M),
        (r"\b(lose (weight|fat)|build muscle|get (stronger|fit|in shape)|bulk|tone up)\b", _M),
        (r"\b(gym|dumbbells?|barbell|kettlebell|squats?|deadlifts?|push-?ups?|bench press)\b", _L),
    ),
    "image": (
        (r"\b(mole|skin spot|freckle|lesion|birthmark)\b", _M),
        (r"\b(photo|picture|image|pic)\b", _L),
    ),
    "question": (
        (r"^(what|why|how|when|which|is|are|does|do|can|should|could|will)\b.*\?$", _L),
        (r"\?\s*$", _L),
    ),
}

_COMPILED = {
    intent: tuple((re.compile(p), w) for p, w in patterns)
    for intent, patterns in INTENT_PATTERNS.items()
}

BODY_PARTS = (
    "head", "face", "eye", "ear", "nose", "mouth", "throat", "neck", "shoulder", "arm", "elbow",
    "wrist", "hand", "finger", "chest", "back", "lower back", "stomach", "tummy", "belly",
    "abdomen", "hip", "groin", "leg", "thigh", "knee", "calf", "shin", "ankle", "foot", "toe",
    "skin",
)  # fmt: skip
SYMPTOMS = (
    "headache", "fever", "cough", "sore throat", "runny nose", "rash", "itch", "nausea",
    "vomiting", "diarrhoea", "diarrhea", "constipation", "dizziness", "fatigue", "tiredness",
    "shortness of breath", "chest pain", "back pain", "stomach ache", "earache", "toothache",
    "swelling", "numbness", "tingling", "insomnia", "anxiety", "palpitations", "chills",
)  # fmt: skip
EQUIPMENT = {
    "dumbbell": r"dumb-?bells?",
    "barbell": r"barbells?",
    "kettlebell": r"kettle-?bells?",
    "bench": r"bench(es)?",
    "resistance_band": r"(resistance )?bands?",
    "pullup_bar": r"pull-?up bar|chin-?up bar",
    "cardio_machine": r"treadmill|exercise bike|rower|rowing machine|elliptical|spin bike",
    "full_gym": r"full gym|the gym|a gym|gym membership",
    "bodyweight": r"no equipment|nothing|bodyweight|body weight",
}
_EQUIPMENT = {name: re.compile(rf"\b({p})\b") for name, p in EQUIPMENT.items()}
_UNIT_DAYS = {"minute": 1 / 1440, "hour": 1 / 24, "day": 1, "week": 7, "month": 30, "year": 365}
_WORD_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "a couple of": 2, "a few": 3, "several": 4,
}  # fmt: skip
_NUM = (
    r"(\d+(?:\.\d+)?|"
    + "|".join(sorted(map(re.escape, _WORD_NUMBERS), key=len, reverse=True))
    + ")"
)
_UNIT = r"(minute|hour|day|week|month|year)s?"
_DURATION = re.compile(
    rf"\b(?:for|past|last|over|about|almost|nearly|around|since)\s+(?:the\s+)?(?:last\s+)?{_NUM}\s*{_UNIT}\b"
    rf"|\b{_NUM}\s*{_UNIT}\s+(?:ago|now)\b"
)
_AGE = re.compile(
    r"\b(?:i'?m|i am|aged?|he'?s|she'?s|they'?re)\s+(\d{1,3})\b(?!\s*(?:kg|lb|cm|%|min|days?|weeks?))"
    r"|\b(\d{1,3})\s*(?:-|\s)?(?:years?|yrs?|y/?o)(?:\s*-?\s*old)?\b(?!\s+ago)"
)
_DAYS_PER_WEEK = re.compile(rf"\b{_NUM}\s*(?:days?|times?|x)\s*(?:a|per|each|every|/)\s*week\b")
_MINUTES = re.compile(r"\b(\d{1,3})\s*(?:minutes?|mins?)\b(?!\s*(?:ago|later))")
_FEMALE = re.compile(
    r"\b(i'?m|i am) (a )?(woman|female|girl|pregnant)\b|\bmy (wife|mum|mom|daughter|sister)\b"
)
_MALE = re.compile(
    r"\b(i'?m|i am) (a )?(man|male|guy|boy)\b|\bmy (husband|dad|father|son|brother)\b"
)


def normalise(text: str) -> str:
    """Lower-case, NFKC-fold, straighten quotes, collapse whitespace, drop control characters."""
    text = unicodedata.normalize("NFKC", text)
    text = (
        text.replace("\u2019", "'")
        .replace("\u2018", "'")
        .replace("\u201c", '"')
        .replace("\u201d", '"')
    )
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return re.sub(r"\s+", " ", text).strip().lower()


def _number(token: str) -> float:
    return float(_WORD_NUMBERS[token]) if token in _WORD_NUMBERS else float(token)


def intent_scores(text: str) -> dict[str, float]:
    """Score every intent in 0..1 for already-normalised ``text``."""
    scores: dict[str, float] = {}
    words = max(1, len(text.split()))
    for intent, patterns in _COMPILED.items():
        best = 0.0
        for pattern, weight in patterns:
            match = pattern.search(text)
            if match:
                coverage = len(match.group(0).split()) / words
                best = max(best, min(1.0, weight + 0.1 * coverage))
        if best:
            scores[intent] = round(best, 3)
    return scores


def _age(text: str) -> int | None:
    for match in _AGE.finditer(text):
        value = int(match.group(1) or match.group(2))
        if 0 < value < 120:
            return value
    return None


def _duration_days(text: str) -> float | None:
    match = _DURATION.search(text)
    if match:
        amount, unit = match.group(1, 2) if match.group(1) else match.group(3, 4)
        return round(_number(amount) * _UNIT_DAYS[unit], 4)
    if re.search(r"\b(since yesterday|last night)\b", text):
        return 1.0
    if re.search(r"\b(today|this morning|just now|an hour ago)\b", text):
        return 0.25
    return None


def _days_per_week(text: str) -> int | None:
    match = _DAYS_PER_WEEK.search(text)
    days = int(_number(match.group(1))) if match else None
    return days if days is not None and 1 <= days <= 7 else None


def extract_entities(text: str) -> Entities:
    """Pull age, sex, duration, body parts, symptoms, equipment, days/week, minutes."""
    sex: Literal["female", "male"] | None = None
    if _FEMALE.search(text):
        sex = "female"
    elif _MALE.search(text):
        sex = "male"
    minutes = _MINUTES.search(text)
    return Entities(
        age=_age(text),
        sex=sex,
        duration_days=_duration_days(text),
        body_parts=tuple(p for p in BODY_PARTS if re.search(rf"\b{p}s?\b", text)),
        symptoms=tuple(s for s in SYMPTOMS if s in text),
        equipment=tuple(n for n, p in _EQUIPMENT.items() if p.search(text)),
        days_per_week=_days_per_week(text),
        minutes=int(minutes.group(1)) if minutes else None,
    )


def analyse(text: str) -> NLUResult:
    """Intents and entities of one raw message."""
    clean = normalise(text)
    return NLUResult(intents=intent_scores(clean), entities=extract_entities(clean))
