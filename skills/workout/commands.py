"""Follow-ups about a shown plan: swaps, easier/harder, feedback, exports, "looks good".

``read_command(text, plan_exercises, catalogue)`` recognises what a person wants done to their
plan and which exercises they mean. Exercises are matched against the plan first ("swap the
squats" means the squats *in the plan*), then against the whole catalogue ("I loved the kettlebell
swings" may name something the plan does not have yet).

Decisions:
    * Each follow-up also becomes feedback for the recommender: a swap is ``skipped``, "easier"
      is ``too_hard``, "harder" is ``too_easy``, "I hate X" is ``disliked``, "I loved X" is
      ``liked``, "I did Monday's workout" is ``done`` for that day's exercises.
    * "Something easier" without naming an exercise refers to the last exercise discussed; with
      none, the dialogue asks which one (quick replies list the plan's exercises).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from skills.workout.catalogue import Catalogue, Exercise
from skills.workout.split import WEEKDAYS

_SWAP = re.compile(
    r"\b(swap|switch|replace|substitute|exchange|instead of|alternative|something else|different exercise|change (the|my|that|this) (?!days?\b|minutes?\b|time\b|goal\b|equipment\b))"
)
_EASIER = re.compile(
    r"\b(easier|too (hard|difficult|heavy|much|tough|intense)|simpler|can'?t do|cannot do|regress\w*|less intense|lighter)\b"
)
_HARDER = re.compile(r"\b(harder|too easy|more (challenging|difficult|intense)|tougher|heavier)\b")
_LIKED = re.compile(r"\b(loved|liked|enjoyed|really like|love|like|enjoy)\b")
_DISLIKED = re.compile(r"\b(hated|hate|didn'?t like|don'?t like|dislike|disliked|can'?t stand)\b")
_SKIPPED = re.compile(r"\b(skipped|didn'?t do|missed|left out)\b")
_DID_DAY = re.compile(
    r"\b(did|done|finished|completed|smashed|nailed|went through)\b.*\b(workout|session|training|day ?\d|today|yesterday|"
    + "|".join(d.lower() for d in WEEKDAYS)
    + r")\b"
)
_EXPORT = re.compile(
    r"\b(export|download|calendar|ical|ics|csv|markdown|print|save (it|the plan))\b"
)
_SHOW = re.compile(r"\b(show|see|view|display)\b.*\bplan\b|^(my |the )?plan\W*$")
_ACCEPT = re.compile(
    r"^(thanks|thank you|thx|cheers|looks (good|great|fine)|perfect|great|ok(ay)?|cool|nice|done|that'?s (all|it|great|perfect|fine)|awesome|sounds good|no thanks|all good|brilliant|lovely)\b"
)
_CHANGE = re.compile(
    r"\bchange (?:the |my )?(days|minutes|time|equipment|goal|experience)\b(?!.*\d)"
)
_CHANGE_FIELD = {
    "days": "days_per_week",
    "minutes": "minutes_per_session",
    "time": "minutes_per_session",
    "equipment": "equipment",
    "goal": "goal",
    "experience": "experience",
}


@dataclass(frozen=True)
class Command:
    """What a follow-up asks for. ``targets`` are exercise ids; ``value`` a feedback value."""

    kind: str  # swap | easier | harder | feedback | day_done | export | show | accept | ask
    targets: tuple[str, ...] = ()
    value: str | None = None
    weekday: int | None = None
    field: str | None = None


def _targets(clean: str, plan: Sequence[Exercise], catalogue: Catalogue) -> tuple[str, ...]:
    found = catalogue.find(clean, plan) or catalogue.find(clean)
    return tuple(dict.fromkeys(e.id for e in found))[:3]


def _weekday(clean: str, weekdays: Sequence[int]) -> int | None:
    for i, name in enumerate(WEEKDAYS):
        if name.lower() in clean:
            return i
    match = re.search(r"\bday ?(\d)\b", clean)
    if match and 1 <= int(match.group(1)) <= len(weekdays):
        return weekdays[int(match.group(1)) - 1]
    return None


def read_command(
    clean: str,
    plan: Sequence[Exercise],
    catalogue: Catalogue,
    weekdays: Sequence[int] = (),
    today: int | None = None,
) -> Command | None:
    """The follow-up in normalised text ``clean``, or ``None`` when it is not one."""
    change = _CHANGE.search(clean)
    if change:
        return Command("ask", field=_CHANGE_FIELD[change.group(1)])
    targets = _targets(clean, plan, catalogue)
    if _SWAP.search(clean):
        return Command("swap", targets)
    if _EASIER.search(clean):
        return Command("easier", targets, "too_hard")
    if _HARDER.search(clean):
        return Command("harder", targets, "too_easy")
    if _DID_DAY.search(clean) and not targets:
        day = _weekday(clean, weekdays)
        if day is None and re.search(r"\btoday\b", clean):
            day = today
        return Command("day_done", weekday=day)
    if targets:
        for value, pattern in (
            ("disliked", _DISLIKED),
            ("skipped", _SKIPPED),
            ("liked", _LIKED),
        ):
            if pattern.search(clean):
                return Command("feedback", targets, value)
        if re.search(r"\b(did|done|finished|completed)\b", clean):
            return Command("feedback", targets, "done")
    if _EXPORT.search(clean):
        return Command("export")
    if _SHOW.search(clean):
        return Command("show")
    if _ACCEPT.search(clean):
        return Command("accept")
    return None
