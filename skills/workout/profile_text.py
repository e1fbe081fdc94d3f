"""Understand profile facts in what people type: goals, days, minutes, equipment, injuries, likes.

``read_profile(text, profile, catalogue, expecting)`` returns the *changes* to the profile that one
message implies, as a mapping of field -> new value (the whole new list for list fields). It
understands a first message that says everything at once ("I want to get stronger, I have
dumbbells and a bench, three days a week, my knee hurts on stairs"), short answers to the question
just asked ("45", "none", "you decide"), and corrections later ("I bought a barbell", "make it 4
days", "my knee is fine now").

Decisions:
    * Rule-based and deterministic, like ``assistant/nlu.py``, whose days/minutes entities are
      reused. A short answer is read in the light of the question just asked (``expecting``):
      "3" means three days after "how many days?", and "nothing" means no equipment only after
      "what equipment do you have?".
    * A body part counts as a condition only with a cue (hurts, injury, bad, surgery...) or as
      the answer to the injuries question, so "swap the shoulder press" never adds a shoulder
      problem. A negation before it ("no knee problems") or "is fine now" after it removes it.
    * Equipment replaces the list when it answers the question or says "only"; otherwise it is a
      correction and adds ("I bought a barbell") or removes ("I sold my bench").
    * Values out of range ("10 days a week") come back under the key ``invalid`` so the dialogue
      can say what is allowed instead of silently ignoring them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from assistant.nlu import extract_entities, normalise
from skills.workout.catalogue import Catalogue
from skills.workout.profile import DEFAULTS, MAX_MINUTES, MIN_MINUTES, Profile
from skills.workout.vocab import EQUIPMENT

GOAL_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "fat_loss",
        r"\b(lose|losing|drop|shed|burn)( some| the| a bit of| my)? (weight|fat|pounds|kilos|belly)|\bfat loss\b|\bweight loss\b|\b(get|getting) (lean|leaner|slimmer|toned)\b|\btone up\b|\bslim (down)?\b|\bfat ?burn",
    ),
    (
        "muscle",
        r"\b(build|building|gain|gaining|put on|grow|add)( some| more)? (muscle|mass|size)|\bmuscle (gain|growth|building)\b|\bhypertrophy\b|\bbulk(ing)?\b|\b(get|getting) (bigger|jacked|buff)\b|^muscle\b",
    ),
    (
        "strength",
        r"\b(get|getting|be|become) (stronger|strong)\b|\bstrength\b|\blift heavier\b|\bpowerlifting\b|\bstronger\b",
    ),
    (
        "endurance",
        r"\bendurance\b|\bstamina\b|\b(run|running|do) (a |my first )?(5k|10k|half marathon|marathon)\b|\bcardio fitness\b|\bfitter\b|\bout of breath\b|\bconditioning\b",
    ),
    (
        "mobility",
        r"\bmobility\b|\bflexib(le|ility)\b|\bmove better\b|\bless stiff\b|\bstiffness\b|\bposture\b",
    ),
    (
        "general_health",
        r"\b(general|overall) (health|fitness)\b|\b(stay|be|get) (healthy|active)\b|\bhealthier\b|\bfeel better\b|\bkeep fit\b|\bget fit\b",
    ),
)
_GOALS = tuple((g, re.compile(p)) for g, p in GOAL_PATTERNS)

EQUIPMENT_PATTERNS: Mapping[str, str] = {
    "dumbbell": r"dumb-?bells?|\bdbs?\b",
    "barbell": r"barbells?|olympic bar|bar and plates|\bbar ?bells?\b",
    "rack": r"(squat|power) (rack|stands?)|\brack\b",
    "bench": r"(weight |workout |flat |adjustable |a )?bench(es)?(?! press)",
    "kettlebell": r"kettle-?bells?|\bkbs?\b",
    "resistance_band": r"(resistance |exercise |loop |mini |elastic )?bands?|therabands?",
    "cable": r"cables?|cable machine|pulley",
    "machine": r"(weight |gym |leg press |resistance )?machines",
    "pullup_bar": r"(pull|chin)-? ?up bar|doorway bar",
    "box": r"plyo box|\bbox\b|\bsturdy step\b|\bstep platform\b",
    "medicine_ball": r"med(icine)? ?ball|slam ?ball",
    "stability_ball": r"(stability|swiss|exercise|yoga|physio|gym) ball",
    "suspension_trainer": r"\btrx\b|suspension (trainer|straps)|gymnastic rings|\brings\b",
    "cardio_machine": r"treadmill|(exercise|stationary|spin|air) bike|\brower\b|rowing machine|elliptical|cross ?trainer|stair ?(climber|master)",
}
_EQUIP = {k: re.compile(rf"\b(?:{p})\b") for k, p in EQUIPMENT_PATTERNS.items()}
_FULL_GYM = re.compile(
    r"\b(full|commercial|big|proper|local|public) gym\b|\bgym membership\b|\b(at|to|in) (the|a) gym\b|\bi (go to|use) (the|a) gym\b|\bhave a gym\b|^(gym|the gym|everything|all of it)\W*$"
)
_NO_EQUIPMENT = re.compile(
    r"\bno (equipment|gear|weights)\b|\bbody ?weight( only)?\b|\bjust my body\b|\bnothing\b|^none\b|^no\b|\bno gym\b"
)
_REMOVE = re.compile(
    r"\b(sold|gave away|give away|lost|no longer (have|own)|don'?t have|do not have|got rid of|without|broke|broken|returned|can'?t use|no more|not anymore)\b"
)
_REPLACE = re.compile(r"\b(only|just)\b|\ball i have\b|^i have\b")

CONDITION_PATTERNS: Mapping[str, str] = {
    "knee": r"\bknees?\b|\bacl\b|\bmeniscus\b|\bpatella",
    "shoulder": r"\bshoulders?\b|\brotator cuff\b",
    "lower_back": r"\b(lower|low) back\b|\bback (pain|problems?|issues?|injury|hurts?|aches?|is bad)\b|\bbad back\b|\bmy back\b|\bsciatica\b|\b(slipped|herniated|bulging) dis[ck]\b|\blumbar\b",
    "wrist": r"\bwrists?\b|\bcarpal tunnel\b",
    "ankle": r"\bankles?\b|\bachilles\b",
    "hip": r"\bhips?\b(?! thrusts?| hinge)",
    "neck": r"\bneck\b",
    "pregnancy": r"\bpregnan(t|cy)\b|\bexpecting a baby\b|\btrimester\b",
    "high_blood_pressure": r"\bhigh blood pressure\b|\bhypertensi(on|ve)\b|\bhigh bp\b",
}
_COND = {k: re.compile(p) for k, p in CONDITION_PATTERNS.items()}
_NO_CUE_NEEDED = frozenset({"pregnancy", "high_blood_pressure"})
_COND_CUE = re.compile(
    r"\b(hurt|hurts|hurting|pain|painful|injur\w*|bad|sore|problems?|issues?|surgery|operat\w*|weak|dodgy|torn|tear|sprain\w*|arthriti\w*|replace\w*|niggl\w*|twinge\w*|tendon\w*|tendin\w*|strain\w*|condition|recovering|ache|aches|aching|stiff|unstable|gives? out|clicks?|trouble)\b"
)
_NEGATED = re.compile(
    r"\b(no|not|never|without|don'?t have|no longer|isn'?t|aren'?t)\b[\w\s']{0,20}$"
)
_HEALED = re.compile(
    r"^[\w\s']{0,25}\b(is|are|feels?|'s)?\s*(fine|better|ok|okay|healed|good|recovered)( now)?\b"
)
_NO_CONDITIONS = re.compile(
    r"^(no|none|nope|nothing|nah)\b|\bno (injur\w*|conditions?|problems?|issues?|pain)\b|\b(i'?m |pretty |quite |very )?(healthy|fine|all good)\b|\ball good\b|\bnothing (hurts|wrong)\b"
)
OTHER_CONDITIONS: Mapping[str, str] = {
    "asthma": r"\basthma",
    "diabetes": r"\bdiabet",
    "heart": r"\bheart (condition|disease|problems?|failure|attack in the past)|\bangina\b|\barrhythmia\b",
    "arthritis": r"\barthritis\b",
    "osteoporosis": r"\bosteoporosis\b",
    "epilepsy": r"\bepilep",
}
_OTHER = {k: re.compile(p) for k, p in OTHER_CONDITIONS.items()}

EXPERIENCE_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "beginner",
        r"\bbeginners?\b|\bnew to\b|\bnever (really )?(trained|worked out|lifted|exercised|been to a gym)\b|\bjust (start|starting|started|getting started)\b|\bhaven'?t (trained|exercised|worked out)\b|\bout of shape\b|\bfirst time\b|\bnovice\b|\bnot (very )?experienced\b|\bno experience\b|\bcomplete newbie\b|\bnewbie\b",
    ),
    (
        "advanced",
        r"\badvanced\b|\bvery experienced\b|\bexperienced\b|\b([3-9]|1\d|three|four|five|six|seven|eight|nine|ten|many|several) years\b(?! old| ago)|\bfor years\b|\bcompet(e|itive|ition)\b",
    ),
    (
        "intermediate",
        r"\bintermediate\b|\bsome experience\b|\b(a|one|1|two|2|a couple of) years?\b(?! old| ago)|\b(a few|six|6|several) months\b|\bon and off\b|\bfor a while\b|\bbit of experience\b",
    ),
)
_EXPERIENCE = tuple((g, re.compile(p)) for g, p in EXPERIENCE_PATTERNS)

_LIKE = re.compile(r"\b(?:i (?:really |quite )?(?:love|like|enjoy)|i'?m a fan of|big fan of)\b(.+)")
_DISLIKE = re.compile(
    r"\b(?:hate|loathe|can'?t stand|don'?t (?:like|enjoy|want)|do not (?:like|want)|dislike|not a fan of|no more|never want to do|can'?t do|get rid of the)\b(.+)"
)
_SKIP = re.compile(
    r"^(you (decide|choose|pick)|i don'?t know|not sure|no idea|whatever|doesn'?t matter|dunno|any|skip|no preference|up to you)\b"
)
_DAYS_WORDS = (
    (re.compile(r"\b(every ?day|daily|seven days|7 days)\b"), 7),
    (re.compile(r"\b(week ?days|monday to friday|mon-fri)\b"), 5),
    (re.compile(r"\btwice a week\b|\btwo times\b"), 2),
    (re.compile(r"\bonce a week\b|\bone day\b"), 1),
    (re.compile(r"\b(weekends?|saturday and sunday)\b"), 2),
)
_WORD_NUM = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "ninety": 90,
}  # fmt: skip
_NUM = r"(\d{1,3}|" + "|".join(_WORD_NUM) + r")"
_DAYS_LOOSE = re.compile(rf"\b{_NUM}\s*(?:days?|sessions?|workouts?|times|x)\b(?!\s*(?:ago|old))")
_MINUTES_LOOSE = re.compile(rf"\b{_NUM}\s*(?:minutes?|mins?)\b")
_HOURS = (
    (re.compile(r"\b(an? )?hour and a half\b|\b1\.5 ?(hours?|hrs?)\b|\b90 ?min"), 90),
    (re.compile(r"\bhalf an hour\b|\bhalf hour\b"), 30),
    (re.compile(r"\b(2|two) (hours?|hrs?)\b"), 120),
    (re.compile(r"\b(an|one|1) (hour|hr)\b|\ban hour\b|^hour\b"), 60),
)
_SINCE = re.compile(r"\b(for|past|last|since|over|in|ago)( the)?( last)? $")
_CLAUSE = re.compile(r"[,.;!?]| but | and | or | though ")
_BARE_NUMBER = re.compile(rf"^(?:about |around |maybe |say )?{_NUM}\W*$")


def _num(token: str) -> int:
    return _WORD_NUM[token] if token in _WORD_NUM else int(token)


def read_profile(
    text: str, profile: Profile, catalogue: Catalogue | None = None, expecting: str | None = None
) -> dict[str, Any]:
    """The profile changes implied by ``text`` (see the module docstring).

    Args:
        text: what the person typed.
        profile: the profile so far (corrections are relative to it).
        catalogue: for likes and dislikes by exercise name (skipped when ``None``).
        expecting: the field the last question asked about, if any.
    """
    clean = normalise(text)
    changes: dict[str, Any] = {}
    invalid: dict[str, Any] = {}
    if expecting and _SKIP.search(clean):
        changes[expecting] = DEFAULTS[expecting]
    goal = read_goal(clean)
    if goal:
        changes["goal"] = goal
    days = _days(clean, expecting)
    if days is not None:
        (changes if 1 <= days <= 7 else invalid)["days_per_week"] = days
    minutes = _minutes(clean, expecting)
    if minutes is not None:
        ok = MIN_MINUTES <= minutes <= MAX_MINUTES
        (changes if ok else invalid)["minutes_per_session"] = minutes
    equipment = _equipment(clean, profile, expecting)
    if equipment is not None:
        changes["equipment"] = equipment
    conditions = _conditions(clean, profile, expecting)
    if conditions is not None:
        changes["conditions"] = conditions
    others = tuple(k for k, p in _OTHER.items() if p.search(clean))
    if expecting == "conditions" and not others and "conditions" in changes:
        free = other_condition_text(clean)
        others = (free,) if free else ()
    if others:
        changes["other_conditions"] = tuple(dict.fromkeys((*profile.other_conditions, *others)))
    level = _experience(clean)
    if level:
        changes["experience"] = level
    if catalogue is not None:
        changes.update(_preferences(clean, profile, catalogue))
    changes = {k: v for k, v in changes.items() if getattr(profile, k, None) != v}
    if invalid:
        changes["invalid"] = invalid
    return changes


def read_goal(clean: str) -> str | None:
    """The goal mentioned first in normalised text, if any."""
    found = [(m.start(), g) for g, p in _GOALS if (m := p.search(clean))]
    return min(found)[1] if found else None


def _days(clean: str, expecting: str | None) -> int | None:
    entity = extract_entities(clean).days_per_week
    if entity is not None:
        return entity
    for pattern, value in _DAYS_WORDS:
        if pattern.search(clean):
            return value
    for match in _DAYS_LOOSE.finditer(clean):
        weekly = re.match(r"\s*(a|per|each|every|/|in a)\s*week", clean[match.end() :])
        if weekly or not _SINCE.search(clean[: match.start()]):  # "hurt for 3 days": no schedule
            return _num(match.group(1))
    bare = _BARE_NUMBER.match(clean)
    if bare and expecting == "days_per_week":
        return _num(bare.group(1))
    return None


def _minutes(clean: str, expecting: str | None) -> int | None:
    for pattern, value in _HOURS:
        if pattern.search(clean):
            return value
    match = _MINUTES_LOOSE.search(clean)
    if match:
        return _num(match.group(1))
    bare = _BARE_NUMBER.match(clean)
    if bare and expecting == "minutes_per_session":
        return _num(bare.group(1))
    return None


def _equipment(clean: str, profile: Profile, expecting: str | None) -> tuple[str, ...] | None:
    if _FULL_GYM.search(clean) and not re.search(r"\b(no|not|don'?t|home) gym\b", clean):
        return tuple(EQUIPMENT[1:])
    found: dict[str, bool] = {}  # item -> keep (False: removed)
    for item, pattern in _EQUIP.items():
        for match in pattern.finditer(clean):
            clause = _CLAUSE.split(clean[: match.start()])[-1]
            found[item] = not _REMOVE.search(clause)
    answering = expecting == "equipment"
    if not found:
        if _NO_EQUIPMENT.search(clean) and (
            answering or re.search(r"\bequipment\b|\bbody ?weight\b", clean)
        ):
            return ()
        if answering and re.search(r"\bat home\b|\bhome\b", clean):
            return ()
        return None
    current = list(profile.equipment or ())
    if profile.equipment is None or answering or _REPLACE.search(clean):
        current = []
    for item, keep in found.items():
        if keep and item not in current:
            current.append(item)
        elif not keep and item in current:
            current.remove(item)
    return tuple(i for i in EQUIPMENT if i in current)


def _conditions(clean: str, profile: Profile, expecting: str | None) -> tuple[str, ...] | None:
    answering = expecting == "conditions"
    current = list(profile.conditions or ())
    changed = False
    for cond, pattern in _COND.items():
        for match in pattern.finditer(clean):
            before = _CLAUSE.split(clean[: match.start()])[-1]
            after = _CLAUSE.split(clean[match.end() :])[0]
            if _HEALED.search(after) or _NEGATED.search(before):
                if cond in current:
                    current.remove(cond)
                    changed = True
                continue
            cued = (
                cond in _NO_CUE_NEEDED or answering or _COND_CUE.search(before + match[0] + after)
            )
            if cued and cond not in current:
                current.append(cond)
                changed = True
    if changed:
        return tuple(current)
    if _NO_CONDITIONS.search(clean) and (answering or re.search(r"\binjur|\bcondition", clean)):
        return ()
    if answering and profile.conditions is None and _COND_CUE.search(clean):
        # an answer we cannot map ("my elbow hurts") still answers the question; the dialogue
        # keeps it as an "other condition" and the plan suggests checking with a clinician
        return ()
    if answering and any(p.search(clean) for p in _OTHER.values()):
        return ()
    return None


def other_condition_text(clean: str) -> str | None:
    """A short free-text condition to keep when the injuries answer names none we know."""
    if _NO_CONDITIONS.search(clean):
        return None
    if _COND_CUE.search(clean) and not any(p.search(clean) for p in _COND.values()):
        return clean[:60]
    return None


def _experience(clean: str) -> str | None:
    for level, pattern in _EXPERIENCE:
        if pattern.search(clean):
            return level
    return None


def _preferences(clean: str, profile: Profile, catalogue: Catalogue) -> dict[str, Any]:
    """Likes and dislikes by exercise name ("I hate burpees", "I love kettlebell swings")."""
    out: dict[str, Any] = {}
    dislike = _DISLIKE.search(clean)
    if dislike:
        ids = [e.id for e in catalogue.find(dislike.group(1))]
        if ids:
            out["dislikes"] = tuple(dict.fromkeys((*profile.dislikes, *ids)))
            out["likes"] = tuple(i for i in profile.likes if i not in ids)
        return out
    like = _LIKE.search(clean)
    if like:
        ids = [e.id for e in catalogue.find(like.group(1))]
        if ids:
            out["likes"] = tuple(dict.fromkeys((*profile.likes, *ids)))
            out["dislikes"] = tuple(i for i in profile.dislikes if i not in ids)
    return out


def mentions_profile(text: str) -> bool:
    """Whether a message carries any training-profile fact (used by ``score``)."""
    clean = normalise(text)
    return bool(
        read_goal(clean)
        or _days(clean, None) is not None
        or _minutes(clean, None) is not None
        or any(p.search(clean) for p in _EQUIP.values())
        or _FULL_GYM.search(clean)
    )
