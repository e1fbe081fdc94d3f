"""The plan's value types and its JSON form.

A :class:`Plan` is four :class:`Week` s (three progressive weeks and a deload) of
:class:`Session` s. Each session has a warm-up, strength exercises with their prescription, an
optional cardio block and a cool-down. ``plan_to_dict`` gives the documented JSON (README,
"Workout planning"); the labels and notes in it are rendered from ``prompts/workout.yaml``.

Decisions:
    * Notes are codes with variables (:class:`Note`), rendered only at the edge, so the planner
      and validator never hold user-facing sentences and the validator can check a note's
      meaning ("volume_short" for a group) rather than its wording.
    * The estimated length of a session is a property of the session, computed from its own
      fields with the formula the README documents: warm-up + sets x (work + rest) + cardio +
      cool-down, rounded up to whole minutes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from assistant.prompts import Prompts
from skills.workout.catalogue import Catalogue, Exercise
from skills.workout.prescription import effort, work_seconds
from skills.workout.profile import Profile
from skills.workout.split import WEEKDAYS
from skills.workout.vocab import GROUP_OF, PULL_PATTERNS, PUSH_PATTERNS


@dataclass(frozen=True)
class Prescribed:
    """One exercise in a session with its sets, reps (or hold seconds), rest and effort."""

    exercise: Exercise
    role: str
    sets: int
    reps_low: int
    reps_high: int
    rest_s: int
    rir: int
    timed: bool = False

    @property
    def per_side(self) -> bool:
        return self.exercise.unilateral

    @property
    def reps(self) -> str:
        """``"8-10"``, ``"5"`` or ``"30 s"`` for a hold."""
        if self.timed:
            return f"{self.reps_high} s"
        if self.reps_low == self.reps_high:
            return str(self.reps_high)
        return f"{self.reps_low}-{self.reps_high}"

    @property
    def effort(self) -> str:
        return effort(self.rir)

    @property
    def work_s(self) -> int:
        return work_seconds(self.reps_high, self.timed, self.per_side)

    @property
    def seconds(self) -> int:
        return self.sets * (self.work_s + self.rest_s)


@dataclass(frozen=True)
class Timed:
    """A warm-up or cool-down item done for a number of seconds."""

    exercise: Exercise
    seconds: int


@dataclass(frozen=True)
class CardioBlock:
    """Continuous cardio after the strength work (or on its own on a recovery day)."""

    exercise: Exercise
    minutes: int
    intensity: str  # light | moderate | vigorous


@dataclass(frozen=True)
class Session:
    """One training day."""

    weekday: int
    focus: str
    warmup: tuple[Timed, ...]
    exercises: tuple[Prescribed, ...]
    cooldown: tuple[Timed, ...]
    cardio: CardioBlock | None = None

    @property
    def seconds(self) -> int:
        fixed = sum(t.seconds for t in (*self.warmup, *self.cooldown))
        cardio = self.cardio.minutes * 60 if self.cardio else 0
        return fixed + cardio + sum(p.seconds for p in self.exercises)

    @property
    def minutes(self) -> int:
        return math.ceil(self.seconds / 60)

    def everything(self) -> list[Exercise]:
        """Every exercise the session asks for, warm-up to cool-down."""
        items = [t.exercise for t in self.warmup] + [p.exercise for p in self.exercises]
        if self.cardio:
            items.append(self.cardio.exercise)
        return items + [t.exercise for t in self.cooldown]


@dataclass(frozen=True)
class Week:
    number: int
    deload: bool
    sessions: tuple[Session, ...]


@dataclass(frozen=True)
class Note:
    """A remark on the plan: a code (a template in prompts' ``workout.notes``) and its values."""

    code: str
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """A four-week plan for a profile, built from a catalogue."""

    profile: Profile
    weeks: tuple[Week, ...]
    notes: tuple[Note, ...]
    catalogue: Catalogue = field(compare=False, repr=False)

    def weekly_sets(self, week: int = 0) -> dict[str, float]:
        """Working sets per muscle group in a week (primary muscles, see ``vocab``)."""
        totals: dict[str, float] = {}
        for session in self.weeks[week].sessions:
            for p in session.exercises:
                if p.exercise.kind != "strength":
                    continue
                for group in dict.fromkeys(GROUP_OF[m] for m in p.exercise.primary):
                    totals[group] = totals.get(group, 0) + p.sets
        return totals

    def push_pull(self, week: int = 0) -> tuple[int, int]:
        """Weekly sets of pushing and of pulling patterns."""
        push = pull = 0
        for session in self.weeks[week].sessions:
            for p in session.exercises:
                push += p.sets if p.exercise.pattern in PUSH_PATTERNS else 0
                pull += p.sets if p.exercise.pattern in PULL_PATTERNS else 0
        return push, pull

    def cardio_minutes(self, week: int = 0) -> tuple[int, int]:
        """Weekly ``(moderate-equivalent minutes, raw minutes)`` of moderate or vigorous cardio."""
        equivalent = raw = 0
        for session in self.weeks[week].sessions:
            c = session.cardio
            if c and c.intensity in ("moderate", "vigorous"):
                raw += c.minutes
                equivalent += c.minutes * (2 if c.intensity == "vigorous" else 1)
        return equivalent, raw

    def has_note(self, code: str, **values: Any) -> bool:
        return any(
            n.code == code and all(n.values.get(k) == v for k, v in values.items())
            for n in self.notes
        )


# --------------------------------------------------------------------------- JSON


def _item(p: Prescribed) -> dict[str, Any]:
    return {
        "id": p.exercise.id,
        "name": p.exercise.name,
        "sets": p.sets,
        "reps": p.reps,
        "rest_s": p.rest_s,
        "effort": p.effort,
        "per_side": p.per_side,
        "primary_muscles": list(p.exercise.primary),
        "equipment": list(p.exercise.equipment),
    }


def _timed(t: Timed) -> dict[str, Any]:
    return {"id": t.exercise.id, "name": t.exercise.name, "seconds": t.seconds}


def session_to_dict(s: Session, prompts: Prompts) -> dict[str, Any]:
    cardio = None
    if s.cardio:
        cardio = {
            "id": s.cardio.exercise.id,
            "name": s.cardio.exercise.name,
            "minutes": s.cardio.minutes,
            "intensity": s.cardio.intensity,
        }
    return {
        "day": WEEKDAYS[s.weekday],
        "weekday": s.weekday,
        "focus": focus_label(s.focus, prompts),
        "minutes": s.minutes,
        "warmup": [_timed(t) for t in s.warmup],
        "exercises": [_item(p) for p in s.exercises],
        "cardio": cardio,
        "cooldown": [_timed(t) for t in s.cooldown],
    }


def focus_label(focus: str, prompts: Prompts) -> str:
    labels: Mapping[str, str] = prompts.data("workout.focus")
    return labels.get(focus, focus.replace("_", " ").capitalize())


def render_note(note: Note, prompts: Prompts) -> str:
    values = dict(note.values)
    if "groups" in values:
        labels: Mapping[str, str] = prompts.data("workout.groups")
        values["group_labels"] = [labels.get(str(g), str(g)) for g in values["groups"]]
    return prompts.render(f"workout.notes_{note.code}", **values)


def plan_to_dict(plan: Plan, prompts: Prompts) -> dict[str, Any]:
    """The plan as the documented JSON (README, "Workout planning")."""
    return {
        "profile": plan.profile.to_dict(),
        "weeks": [
            {
                "week": w.number,
                "deload": w.deload,
                "days": [session_to_dict(s, prompts) for s in w.sessions],
            }
            for w in plan.weeks
        ],
        "weekly_sets": plan.weekly_sets(),
        "notes": [render_note(n, prompts) for n in plan.notes],
    }
