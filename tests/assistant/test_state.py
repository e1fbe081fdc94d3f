from __future__ import annotations

import pytest

from assistant.state import apply, replay
from assistant.types import (
    BotSaid,
    Escalated,
    FeedbackGiven,
    ProfileUpdated,
    Reply,
    Reset,
    SkillEnded,
    SkillStarted,
    SlotSet,
    UserSaid,
    event_from_dict,
)

EVENTS = [
    UserSaid(text="my knee hurts", locale="en-GB", ts=1.0),
    SkillStarted(skill="triage", ts=2.0),
    SlotSet(name="triage.body_part", value="knee", ts=3.0),
    BotSaid(reply=Reply(text="How long?", skill="triage").to_dict(), ts=4.0),
    UserSaid(text="two days", ts=5.0),
    SlotSet(name="triage.duration", value=2, ts=6.0),
    ProfileUpdated(changes={"goal": "strength", "days": 3}, ts=7.0),
    SkillEnded(skill="triage", ts=8.0),
    FeedbackGiven(target="squat", value="too_hard", ts=9.0),
    Escalated(kind="medical", rule="cardiac/pattern/0", ts=10.0),
]


def test_replay_builds_state() -> None:
    state = replay("s1", EVENTS)
    assert state.session_id == "s1"
    assert state.locale == "en-GB"  # kept from the first message that named one
    assert state.user_turns == 2
    assert [t.role for t in state.history] == ["user", "bot", "user"]
    assert state.history[1].text == "How long?"
    assert state.active_skill is None
    assert dict(state.slots) == {}  # the skill's slots went with it
    assert dict(state.profile) == {"goal": "strength", "days": 3}
    assert state.feedback == (("squat", "too_hard"),)
    assert state.escalations == ("medical",)
    assert state.created == 1.0 and state.updated == 10.0


def test_slots_are_scoped_while_active() -> None:
    state = replay("s", EVENTS[:6])
    assert state.active_skill == "triage"
    assert dict(state.slots_for("triage")) == {"body_part": "knee", "duration": 2}
    assert dict(state.slots_for("workout")) == {}


def test_reset_keeps_profile_and_history() -> None:
    state = replay("s", [*EVENTS[:7], Reset()])
    assert state.active_skill is None and dict(state.slots) == {}
    assert state.profile["goal"] == "strength"
    assert len(state.history) == 3


def test_profile_none_removes_a_key_and_slot_none_unsets() -> None:
    state = replay(
        "s",
        [
            ProfileUpdated(changes={"a": 1, "b": 2}),
            ProfileUpdated(changes={"a": None}),
            SlotSet(name="x.y", value=1),
            SlotSet(name="x.y", value=None),
        ],
    )
    assert dict(state.profile) == {"b": 2} and dict(state.slots) == {}


def test_state_is_immutable() -> None:
    state = replay("s", EVENTS[:3])
    with pytest.raises(TypeError):
        state.slots["x"] = 1  # type: ignore[index]
    assert apply(state, UserSaid(text="hi")) is not state


def test_events_round_trip_through_json_dicts() -> None:
    for event in EVENTS:
        assert event_from_dict(event.to_dict()) == event
    with pytest.raises(ValueError, match="unknown event type"):
        event_from_dict({"type": "Nope"})
