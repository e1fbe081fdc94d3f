from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.nlu import analyse, normalise


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("hi", "greet"),
        ("Hello there!", "greet"),
        ("good morning", "greet"),
        ("what can you do?", "help"),
        ("help", "help"),
        ("how does this work", "help"),
        ("thanks!", "thanks"),
        ("thank you so much", "thanks"),
        ("bye", "goodbye"),
        ("start over", "reset"),
        ("let's start again", "reset"),
        ("yes", "affirm"),
        ("nope", "deny"),
        ("I feel sick", "symptom"),
        ("my head hurts", "symptom"),
        ("I want a workout plan", "workout"),
        ("I want to build muscle", "workout"),
    ],
)
def test_intents(text: str, intent: str) -> None:
    assert analyse(text).top()[0] == intent


def test_greeting_in_a_long_symptom_message_is_not_the_top_intent() -> None:
    result = analyse("hi, my knee has been hurting since I started running")
    assert result.score("symptom") > 0
    assert result.entities.body_parts == ("knee",)


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("I'm 34 and my back aches", "age", 34),
        ("my 5 year old has a fever", "age", 5),
        ("she's 71", "age", 71),
        ("it started 2 weeks ago", "duration_days", 14.0),
        ("for the last three days", "duration_days", 3.0),
        ("since yesterday", "duration_days", 1.0),
        ("I'm a woman", "sex", "female"),
        ("my dad is dizzy", "sex", "male"),
        ("4 days a week", "days_per_week", 4),
        ("three times per week", "days_per_week", 3),
        ("about 45 minutes a session", "minutes", 45),
    ],
)
def test_entities(text: str, field: str, value: object) -> None:
    assert getattr(analyse(text).entities, field) == value


def test_no_false_entities() -> None:
    ents = analyse("3 days a week, 30 minute sessions").entities
    assert ents.age is None and ents.duration_days is None
    assert analyse("I lost 20 kg").entities.age is None


def test_equipment() -> None:
    ents = analyse("I have dumbbells, a bench and resistance bands").entities
    assert set(ents.equipment) == {"dumbbell", "bench", "resistance_band"}
    assert analyse("nothing, I train at home").entities.equipment == ("bodyweight",)


def test_normalise() -> None:
    assert normalise("  I\u2019M\tFINE\x00\u200b ") == "i'm fine"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000))
def test_analyse_never_raises(text: str) -> None:
    result = analyse(text)
    assert all(0.0 <= v <= 1.0 for v in result.intents.values())


def test_huge_input_is_fast_enough_to_not_hang() -> None:
    result = analyse("pain " * 20_000)
    assert result.score("symptom") > 0
