"""Which messages the knowledge skill claims, and how strongly."""

from __future__ import annotations

import pytest

from assistant.state import DialogueState, apply
from assistant.types import BotSaid, ImageData, SlotSet, UserMessage, UserSaid
from skills.knowledge.scoring import score
from tests.skills.knowledge.helpers import message

THRESHOLD = 0.35  # Settings.router_threshold

GENERAL_QUESTIONS = [
    "What causes headaches?",
    "How much protein do I need?",
    "Is it bad to sleep less than six hours?",
    "Should I stretch before running?",
    "What are heart-rate zones?",
    "How long does a sprained ankle take to heal?",
    "Is coffee bad for you?",
    "What is a good way to deal with stress?",
    "Tell me about shingles",
    "how many sets should I do to build muscle?",
    "is it ok to exercise with a cold?",
    "hello, what is a sprain?",
    "I have a question about protein powder",
]
NOT_OURS = [
    "I have a headache since yesterday",
    "my knee hurts when I run",
    "I've had a fever for 3 days",
    "I feel sick",
    "Make me a workout plan",
    "I want a training plan for 4 days a week",
    "Can you plan my workouts?",
    "hi",
    "thanks!",
    "what can you do?",
    "yes",
    "no",
    "",
]


@pytest.mark.parametrize("text", GENERAL_QUESTIONS)
def test_general_health_questions_score_high(text: str) -> None:
    assert score(message(text), DialogueState("s")) >= 0.8


@pytest.mark.parametrize("text", NOT_OURS)
def test_reports_plans_and_smalltalk_score_low(text: str) -> None:
    assert score(message(text), DialogueState("s")) < THRESHOLD


def test_middle_ground() -> None:
    fresh = DialogueState("s")
    # a question we cannot place still beats the fallback, so the skill can say it has nothing
    assert THRESHOLD < score(message("Who won the 1998 world cup?"), fresh) < 0.8
    # a personal symptom question is left for triage to outbid
    assert THRESHOLD < score(message("Why does my knee click when I squat?"), fresh) <= 0.5
    assert score(message("shingles"), fresh) > THRESHOLD
    assert score(UserMessage("s", "what is this?", image=ImageData(b"x", "image/png")), fresh) < 0.1


def _after_answer(turns_since: int) -> DialogueState:
    events: list[object] = [
        UserSaid(text="what is shingles?"),
        SlotSet(name="knowledge.topic", value="shingles"),
        SlotSet(name="knowledge.query", value="what is shingles?"),
        SlotSet(name="knowledge.turn", value=1),
        BotSaid(reply={"text": "Shingles is ...", "skill": "knowledge"}),
    ]
    events += [UserSaid(text="ok") for _ in range(turns_since)]
    state = DialogueState("s")
    for event in events:
        state = apply(state, event)  # type: ignore[arg-type]
    return state


def test_elliptical_follow_up_is_claimed_only_after_a_recent_answer() -> None:
    follow_up = message("How long does it last?")
    assert score(follow_up, DialogueState("s")) < THRESHOLD
    assert score(follow_up, _after_answer(0)) >= 0.85
    assert score(message("what about for kids?"), _after_answer(0)) >= 0.8
    assert score(follow_up, _after_answer(1)) >= 0.85  # a "thanks" in between is fine
    # two turns later the slots are stale; the transcript still names the topic, more weakly
    assert THRESHOLD < score(follow_up, _after_answer(2)) < 0.8
    assert score(follow_up, _after_answer(4)) < THRESHOLD


def test_full_question_after_an_answer_is_scored_on_its_own() -> None:
    state = _after_answer(0)
    assert score(message("I have a headache since yesterday"), state) < THRESHOLD
    assert score(message("thanks"), state) < THRESHOLD
    assert score(message("Make me a workout plan"), state) < THRESHOLD
