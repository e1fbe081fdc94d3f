"""The training profile: what the planner needs to know about a person.

The profile lives in the session (``DialogueState.profile``, changed by ``ProfileUpdated`` events,
kept across ``SkillEnded`` and resets), so its stored form is plain JSON under these keys:
``goal, experience, days_per_week, minutes_per_session, equipment, conditions, other_conditions,
likes, dislikes, swaps``. Other skills may keep their own keys in the same mapping; they are
ignored here.

Decisions:
    * ``equipment`` and ``conditions`` are ``None`` until known; an empty tuple means "asked, and
      there is none" (bodyweight only / no injuries), so the dialogue never asks twice.
    * Reading a stored profile is lenient (a bad value counts as unknown and is asked again);
      reading one from the REST API or a ``--profile`` file is strict and names the bad field.
    * ``swaps`` maps an exercise the person wanted swapped out to the one that replaced it: the
      planner never picks the first again and prefers the second.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from skills.workout.vocab import CONDITIONS, EQUIPMENT, GOALS, LEVELS

MIN_MINUTES = 10
MAX_MINUTES = 180
ASK_ORDER: tuple[str, ...] = (
    "goal", "days_per_week", "minutes_per_session", "equipment", "conditions", "experience",
)  # fmt: skip
# What "you decide" / "not sure" means for each question.
DEFAULTS: Mapping[str, Any] = {
    "goal": "general_health",
    "days_per_week": 3,
    "minutes_per_session": 45,
    "equipment": (),
    "conditions": (),
    "experience": "beginner",
}


class ProfileError(ValueError):
    """A profile value is invalid. ``field`` names it; ``reason`` is a key of prompts' invalid_*."""

    def __init__(self, field: str, reason: str, value: Any = None) -> None:
        super().__init__(f"{field}: {reason} ({value!r})")
        self.field = field
        self.reason = reason
        self.value = value


@dataclass(frozen=True)
class Profile:
    """A person's training profile; ``None`` means not known yet."""

    goal: str | None = None
    experience: str | None = None
    days_per_week: int | None = None
    minutes_per_session: int | None = None
    equipment: tuple[str, ...] | None = None
    conditions: tuple[str, ...] | None = None
    other_conditions: tuple[str, ...] = ()
    likes: tuple[str, ...] = ()
    dislikes: tuple[str, ...] = ()
    swaps: Mapping[str, str] = field(default_factory=dict)

    # ------------------------------------------------------------------ questions

    def missing(self) -> list[str]:
        """The fields still unknown, in the order the dialogue asks them."""
        return [name for name in ASK_ORDER if getattr(self, name) is None]

    @property
    def complete(self) -> bool:
        return not self.missing()

    def filled(self) -> Profile:
        """A copy with every unknown field set to its default (for one-shot planning)."""
        return replace(self, **{k: DEFAULTS[k] for k in self.missing()})

    # ------------------------------------------------------------------ derived

    @property
    def level(self) -> str:
        return self.experience or "beginner"

    @property
    def days(self) -> int:
        return self.days_per_week or int(DEFAULTS["days_per_week"])

    @property
    def minutes(self) -> int:
        return self.minutes_per_session or int(DEFAULTS["minutes_per_session"])

    @property
    def kit(self) -> tuple[str, ...]:
        """Equipment with ``bodyweight`` always included."""
        return tuple(dict.fromkeys(("bodyweight", *(self.equipment or ()))))

    @property
    def conds(self) -> tuple[str, ...]:
        return self.conditions or ()

    @property
    def avoided(self) -> frozenset[str]:
        return frozenset(self.dislikes) | frozenset(self.swaps)

    # ------------------------------------------------------------------ conversions

    def to_dict(self) -> dict[str, Any]:
        """The stored (JSON) form; unknown fields are left out."""
        out: dict[str, Any] = {}
        for key in (*ASK_ORDER, "other_conditions", "likes", "dislikes"):
            value = getattr(self, key)
            if value is None or (key not in ASK_ORDER and not value):
                continue
            out[key] = list(value) if isinstance(value, tuple) else value
        if self.swaps:
            out["swaps"] = dict(self.swaps)
        return out

    @classmethod
    def from_state(cls, data: Mapping[str, Any]) -> Profile:
        """Lenient: read a stored profile; a value that does not validate counts as unknown."""
        values: dict[str, Any] = {}
        for key in _FIELDS:
            if key in data:
                try:
                    values[key] = _clean(key, data[key])
                except ProfileError:
                    continue
        return cls(**values)

    @classmethod
    def from_mapping(cls, data: Any) -> Profile:
        """Strict: read a profile from API or file input; raises :class:`ProfileError`."""
        if not isinstance(data, Mapping):
            raise ProfileError("profile", "not_object", type(data).__name__)
        values: dict[str, Any] = {}
        for raw_key, value in data.items():
            key = _ALIASES.get(str(raw_key), str(raw_key))
            if key not in _FIELDS:
                raise ProfileError(str(raw_key), "unknown_field", raw_key)
            if value is not None:
                values[key] = _clean(key, value)
        return cls(**values)


_ALIASES = {"days": "days_per_week", "minutes": "minutes_per_session", "level": "experience"}
_FIELDS = (
    "goal", "experience", "days_per_week", "minutes_per_session", "equipment", "conditions",
    "other_conditions", "likes", "dislikes", "swaps",
)  # fmt: skip


def _clean(key: str, value: Any) -> Any:
    """Validate and normalise one field value (raises :class:`ProfileError`)."""
    if key == "goal":
        return _choice(key, value, GOALS)
    if key == "experience":
        return _choice(key, value, LEVELS)
    if key == "days_per_week":
        return _int(key, value, 1, 7)
    if key == "minutes_per_session":
        return _int(key, value, MIN_MINUTES, MAX_MINUTES)
    if key == "equipment":
        items = _strings(key, value)
        if "full_gym" in items:
            items = [*EQUIPMENT]
        items = [i for i in items if i != "bodyweight"]
        return _subset(key, items, EQUIPMENT)
    if key == "conditions":
        return _subset(key, _strings(key, value), CONDITIONS)
    if key == "swaps":
        if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise ProfileError(key, "not_mapping", value)
        return dict(value)
    return tuple(dict.fromkeys(s[:80] for s in _strings(key, value)))[:50]


def _choice(key: str, value: Any, options: tuple[str, ...]) -> str:
    text = str(value).strip().lower().replace(" ", "_").replace("-", "_")
    if text not in options:
        raise ProfileError(key, "not_one_of", value)
    return text


def _int(key: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise ProfileError(key, "not_number", value)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ProfileError(key, "not_number", value) from None
    if number != value and not (isinstance(value, str) and value.strip().isdigit()):
        raise ProfileError(key, "not_number", value)
    if not low <= number <= high:
        raise ProfileError(key, "out_of_range", value)
    return number


def _strings(key: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [v for v in value.replace(";", ",").split(",") if v.strip()]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ProfileError(key, "not_list", value)
    return [v.strip().lower().replace(" ", "_").replace("-", "_") for v in value]


def _subset(key: str, items: list[str], vocab: tuple[str, ...]) -> tuple[str, ...]:
    bad = [i for i in items if i not in vocab]
    if bad:
        raise ProfileError(key, "unknown_item", bad[0])
    return tuple(dict.fromkeys(items))


def choices(field_name: str) -> tuple[str, ...]:
    """The allowed values of a vocabulary field (for error messages and quick replies)."""
    return {
        "goal": GOALS,
        "experience": LEVELS,
        "equipment": ("full_gym", *EQUIPMENT),
        "conditions": CONDITIONS,
    }.get(field_name, ())
