"""Dialogue state, rebuilt by replaying a session's events.

The state is never stored: the session store keeps the events, and :func:`replay` folds them into
a :class:`DialogueState`. That makes any transcript exportable, erasable and replayable in a
test, and keeps every change to the state in one place (:func:`apply`).

Decisions:
    * Slots are namespaced by skill (``"triage.duration"``); when a skill ends its slots are
      dropped, so a finished triage cannot leak answers into the next one.
    * The profile (goals, equipment, injuries...) outlives skills and resets; a ``None`` value in a
      ``ProfileUpdated`` change removes that key.
    * The state is immutable (mapping proxies and tuples), so a skill cannot mutate it by accident.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal

from assistant.types import (
    JSON,
    BotSaid,
    Escalated,
    Event,
    FeedbackGiven,
    ProfileUpdated,
    Reset,
    SkillEnded,
    SkillStarted,
    SlotSet,
    UserSaid,
)

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class Turn:
    """One line of the transcript: what the user said, or one of Vita's replies."""

    role: Literal["user", "bot"]
    text: str
    ts: float
    reply: JSON | None = None

    def to_dict(self) -> JSON:
        if self.role == "bot" and self.reply is not None:
            return {"role": "bot", "ts": self.ts, "reply": self.reply}
        return {"role": self.role, "ts": self.ts, "text": self.text}


@dataclass(frozen=True)
class DialogueState:
    """Everything known about one conversation at a point in time."""

    session_id: str
    locale: str | None = None
    active_skill: str | None = None
    slots: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    profile: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    history: tuple[Turn, ...] = ()
    feedback: tuple[tuple[str, str], ...] = ()
    user_turns: int = 0
    escalations: tuple[str, ...] = ()
    created: float | None = None
    updated: float | None = None

    def slots_for(self, skill: str) -> Mapping[str, Any]:
        """The slots of one skill, without the ``"<skill>."`` prefix."""
        prefix = f"{skill}."
        return MappingProxyType(
            {k[len(prefix) :]: v for k, v in self.slots.items() if k.startswith(prefix)}
        )

    @property
    def last_user_text(self) -> str | None:
        for turn in reversed(self.history):
            if turn.role == "user":
                return turn.text
        return None


def apply(state: DialogueState, event: Event) -> DialogueState:
    """The state after one more event. Pure: returns a new state."""
    ts = event.ts
    state = replace(state, created=state.created or ts, updated=ts)
    if isinstance(event, UserSaid):
        return replace(
            state,
            locale=event.locale or state.locale,
            history=(*state.history, Turn("user", event.text, ts)),
            user_turns=state.user_turns + 1,
        )
    if isinstance(event, BotSaid):
        text = str(event.reply.get("text", ""))
        return replace(state, history=(*state.history, Turn("bot", text, ts, event.reply)))
    if isinstance(event, SlotSet):
        slots = dict(state.slots)
        if event.value is None:
            slots.pop(event.name, None)
        else:
            slots[event.name] = event.value
        return replace(state, slots=MappingProxyType(slots))
    if isinstance(event, SkillStarted):
        return replace(state, active_skill=event.skill)
    if isinstance(event, SkillEnded):
        prefix = f"{event.skill}."
        slots = {k: v for k, v in state.slots.items() if not k.startswith(prefix)}
        active = None if state.active_skill == event.skill else state.active_skill
        return replace(state, active_skill=active, slots=MappingProxyType(slots))
    if isinstance(event, Escalated):
        return replace(state, escalations=(*state.escalations, event.kind))
    if isinstance(event, ProfileUpdated):
        profile = dict(state.profile)
        for key, value in event.changes.items():
            if value is None:
                profile.pop(key, None)
            else:
                profile[key] = value
        return replace(state, profile=MappingProxyType(profile))
    if isinstance(event, FeedbackGiven):
        return replace(state, feedback=(*state.feedback, (event.target, event.value)))
    if isinstance(event, Reset):
        return replace(state, active_skill=None, slots=_EMPTY)
    raise TypeError(f"no rule to apply {type(event).__name__}")


def replay(session_id: str, events: Iterable[Event]) -> DialogueState:
    """Fold a session's events, oldest first, into its state."""
    state = DialogueState(session_id=session_id)
    for event in events:
        state = apply(state, event)
    return state
