"""Frozen value types that cross module boundaries.

Everything a channel, the manager, a skill or the session store hands to another module is one of
these. They are plain frozen dataclasses so they are hashable where possible, cheap to build in
tests, and turn into JSON through ``to_dict`` without a framework.

Decisions:
    * Cards are typed. Each card class has a ``type`` tag that every channel switches on; the web
      and REST channels send ``card.to_dict()``, the terminal renders each type as a panel.
    * Dialogue events are dataclasses too, serialised as ``{"type": <class name>, ...fields}`` so a
      session's transcript can be exported, stored, deleted and replayed (see ``state.py``).
    * ``Reset`` is an event beyond the list in DESIGN.md: "start over" has to be replayable, and
      expressing it as a burst of ``SlotSet(name, None)`` events would depend on which slots
      existed at the time.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

JSON = dict[str, Any]


def _now() -> float:
    return time.time()


def new_id() -> str:
    """A random 128-bit identifier as 32 hex characters (sessions, replies)."""
    return uuid.uuid4().hex


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class ImageData:
    """An uploaded picture, already validated by the channel (type sniffed, size checked)."""

    data: bytes
    mime: str

    def __repr__(self) -> str:  # never dump megabytes of bytes into a log line
        return f"ImageData(mime={self.mime!r}, bytes={len(self.data)})"


@dataclass(frozen=True)
class Entities:
    """Entities the NLU found in one message. Empty tuples / None when absent."""

    age: int | None = None
    sex: Literal["female", "male"] | None = None
    duration_days: float | None = None
    body_parts: tuple[str, ...] = ()
    symptoms: tuple[str, ...] = ()
    equipment: tuple[str, ...] = ()
    days_per_week: int | None = None
    minutes: int | None = None


@dataclass(frozen=True)
class NLUResult:
    """Intent scores in 0..1 (one per intent name) and the entities of one message."""

    intents: Mapping[str, float] = field(default_factory=dict)
    entities: Entities = field(default_factory=Entities)

    def score(self, intent: str) -> float:
        return float(self.intents.get(intent, 0.0))

    def top(self) -> tuple[str, float]:
        if not self.intents:
            return ("unknown", 0.0)
        name = max(self.intents, key=lambda k: self.intents[k])
        return (name, float(self.intents[name]))


@dataclass(frozen=True)
class UserMessage:
    """One turn from the user, as every channel hands it to the manager.

    ``quick_reply`` is set when the user tapped a quick-reply button (``text`` then holds its
    value too, so skills that only read text still work). ``nlu`` is filled in by the manager
    before routing, so skills never re-run the NLU.
    """

    session_id: str
    text: str
    locale: str | None = None
    image: ImageData | None = None
    quick_reply: str | None = None
    nlu: NLUResult | None = None

    @property
    def analysis(self) -> NLUResult:
        return self.nlu if self.nlu is not None else NLUResult()


# --------------------------------------------------------------------------- reply parts


@dataclass(frozen=True)
class QuickReply:
    """A button under a reply; tapping it sends ``value`` back as a ``quick_reply`` frame."""

    label: str
    value: str

    def to_dict(self) -> JSON:
        return {"label": self.label, "value": self.value}


@dataclass(frozen=True)
class Citation:
    """Where a fact came from: shown as a link under the reply."""

    title: str
    url: str | None = None
    source: str | None = None
    passage_id: str | None = None

    def to_dict(self) -> JSON:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk of the grounding index."""

    passage_id: str
    doc_id: str
    title: str
    text: str
    score: float = 0.0
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def to_citation(self) -> Citation:
        return Citation(
            title=self.title,
            url=self.metadata.get("url"),
            source=self.metadata.get("source"),
            passage_id=self.passage_id,
        )


class Card:
    """Base of the typed cards. Subclasses are frozen dataclasses with a ``type`` tag."""

    type: ClassVar[str] = "card"

    def to_dict(self) -> JSON:
        body = dataclasses.asdict(self)  # type: ignore[call-overload]
        return {"type": self.type, **body}


@dataclass(frozen=True)
class EmergencyCard(Card):
    """Shown when the safety screen escalates. ``kind`` is ``medical`` or ``mental_health``."""

    type: ClassVar[str] = "emergency"
    kind: Literal["medical", "mental_health"]
    title: str
    message: str
    steps: tuple[str, ...]
    number: str
    number_label: str
    country: str
    crisis_line: str | None = None
    crisis_label: str | None = None
    matched: str = ""  # which rule or prototype fired, for the audit trail


@dataclass(frozen=True)
class Cause:
    """One possible cause in a triage differential."""

    name: str
    probability: float
    code: str | None = None


@dataclass(frozen=True)
class TriageCard(Card):
    """Result of symptom triage: urgency level, why, possible causes (never a diagnosis)."""

    type: ClassVar[str] = "triage"
    level: Literal["emergency", "urgent", "routine", "self_care"]
    headline: str
    reason: str
    causes: tuple[Cause, ...] = ()
    advice: tuple[str, ...] = ()
    highlights: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanCard(Card):
    """A weekly training plan: ``days`` is a list of ``{name, exercises: [{...}]}`` mappings."""

    type: ClassVar[str] = "plan"
    title: str
    summary: str
    days: tuple[Mapping[str, Any], ...] = ()
    exports: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImageCheckCard(Card):
    """Result of the skin-photo check, or a refusal with its reason."""

    type: ClassVar[str] = "image_check"
    action: str
    classes: tuple[Cause, ...] = ()
    heatmap_png_base64: str | None = None
    refusal: str | None = None
    # added by the image-check skill: doctor_2_weeks / routine / monitor (None when refused),
    # the ABCDE warning signs, the refusal's reason code, and the not-a-diagnosis notice
    urgency: str | None = None
    advice: tuple[str, ...] = ()
    refusal_reason: str | None = None
    disclaimer: str = ""


@dataclass(frozen=True)
class SkillReply:
    """What ``Skill.run`` returns. ``done=False`` keeps the skill active for the next turn."""

    text: str
    cards: tuple[Card, ...] = ()
    citations: tuple[Citation, ...] = ()
    quick_replies: tuple[QuickReply, ...] = ()
    events: tuple[Event, ...] = ()
    done: bool = True


@dataclass(frozen=True)
class Reply:
    """One message from Vita as every channel receives it (REST and websocket share this shape)."""

    text: str
    skill: str
    cards: tuple[Card, ...] = ()
    citations: tuple[Citation, ...] = ()
    quick_replies: tuple[QuickReply, ...] = ()
    id: str = field(default_factory=new_id)

    def to_dict(self) -> JSON:
        return {
            "id": self.id,
            "text": self.text,
            "cards": [c.to_dict() for c in self.cards],
            "citations": [c.to_dict() for c in self.citations],
            "quick_replies": [q.to_dict() for q in self.quick_replies],
            "skill": self.skill,
        }


# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class Event:
    """Base of dialogue events. ``ts`` is seconds since the epoch."""

    ts: float = field(default_factory=_now, kw_only=True)

    def to_dict(self) -> JSON:
        return {"type": type(self).__name__, **dataclasses.asdict(self)}


@dataclass(frozen=True)
class UserSaid(Event):
    text: str
    locale: str | None = None
    has_image: bool = False


@dataclass(frozen=True)
class BotSaid(Event):
    reply: JSON  # Reply.to_dict(): stored as JSON so old transcripts survive card changes


@dataclass(frozen=True)
class SlotSet(Event):
    name: str
    value: Any


@dataclass(frozen=True)
class SkillStarted(Event):
    skill: str


@dataclass(frozen=True)
class SkillEnded(Event):
    skill: str


@dataclass(frozen=True)
class Escalated(Event):
    kind: str
    rule: str


@dataclass(frozen=True)
class ProfileUpdated(Event):
    changes: JSON


@dataclass(frozen=True)
class FeedbackGiven(Event):
    target: str
    value: str


@dataclass(frozen=True)
class Reset(Event):
    """The user asked to start over: active skill and slots are cleared, the profile is kept."""


EVENT_TYPES: dict[str, type[Event]] = {
    cls.__name__: cls
    for cls in (
        UserSaid,
        BotSaid,
        SlotSet,
        SkillStarted,
        SkillEnded,
        Escalated,
        ProfileUpdated,
        FeedbackGiven,
        Reset,
    )
}


def event_from_dict(data: Mapping[str, Any]) -> Event:
    """Inverse of ``Event.to_dict``. Raises ``ValueError`` for an unknown type."""
    body = dict(data)
    kind = body.pop("type", None)
    cls = EVENT_TYPES.get(str(kind))
    if cls is None:
        raise ValueError(f"unknown event type: {kind!r}")
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in body.items() if k in names})
