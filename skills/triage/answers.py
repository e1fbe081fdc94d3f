"""Reading a reply to a follow-up question: yes / no / not sure / "just tell me", an age, a sex.

Free text is read for the words people use ("yeah a bit", "nope", "no idea", "skip the
questions"); anything else is returned as ``None`` so the skill can either use it as more of the
complaint (when it names symptoms) or ask again.
"""

from __future__ import annotations

import re
from typing import Literal

Answer = Literal["yes", "no", "unsure", "stop"]

_STOP = re.compile(
    r"\b(just tell me|skip( the)? questions?|stop asking|no more questions|enough questions|tell me now|skip)\b"
)
_UNSURE = re.compile(
    r"\b(not sure|unsure|don'?t know|dont know|no idea|maybe|possibly|can'?t tell|perhaps|not certain|idk|dunno)\b"
)
_NO = re.compile(
    r"^(no|nope|nah|n|not really|not at all|none|never|negative|i don'?t|i do not|it isn'?t|it is not|he doesn'?t|she doesn'?t|they don'?t|no,? not)\b"
)
_YES = re.compile(
    r"^(yes|yeah|yep|yup|y|yea|ya|sure|definitely|i do|i have|it is|i am|he does|she does|they do|correct|right|a bit|a little|sort of|kind of|absolutely|true)\b"
)
_AGE = re.compile(r"\b(\d{1,3})\s*(?:(months?|mo|weeks?|wks?)\b|(?:years?|yrs?|y/?o)\b)?")
_FEMALE = re.compile(r"\b(female|woman|girl|lady|she|her|f|mum|mother|wife|daughter)\b")
_MALE = re.compile(r"\b(male|man|boy|guy|he|him|m|dad|father|husband|son)\b")


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower().replace("’", "'")).strip(" .!?")


def parse_answer(text: str) -> Answer | None:
    t = _clean(text)
    if _STOP.search(t):
        return "stop"
    if _UNSURE.search(t):
        return "unsure"
    if _NO.search(t):
        return "no"
    if _YES.search(t):
        return "yes"
    return None


def parse_age(text: str) -> int | None:
    """Years (months and weeks become 0); None when no plausible age is given."""
    match = _AGE.search(_clean(text))
    if not match:
        return None
    value = int(match.group(1))
    if match.group(2):
        return 0 if value < 24 or match.group(2).startswith("w") else value // 12
    return value if 0 <= value <= 120 else None


def parse_sex(text: str) -> str | None:
    t = _clean(text)
    female, male = bool(_FEMALE.search(t)), bool(_MALE.search(t))
    if female != male:
        return "female" if female else "male"
    return None
