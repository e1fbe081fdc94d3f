"""Reading profile facts from messages, corrections, and strict profiles from the API."""

from __future__ import annotations

from typing import Any

import pytest

from skills.workout.catalogue import Catalogue
from skills.workout.profile import Profile, ProfileError
from skills.workout.profile_text import read_profile

FULL = Profile(
    goal="muscle",
    experience="beginner",
    days_per_week=3,
    minutes_per_session=45,
    equipment=("dumbbell", "bench"),
    conditions=("knee",),
)


def test_first_message_fills_everything_it_mentions() -> None:
    text = "I want to get stronger, I have dumbbells and a bench, three days a week, my knee hurts on stairs"
    changes = read_profile(text, Profile())
    assert changes == {
        "goal": "strength",
        "equipment": ("dumbbell", "bench"),
        "days_per_week": 3,
        "conditions": ("knee",),
    }


@pytest.mark.parametrize(
    ("text", "expecting", "expected"),
    [
        ("build muscle", "goal", {"goal": "muscle"}),
        ("I'd like to lose some weight", None, {"goal": "fat_loss"}),
        ("3", "days_per_week", {"days_per_week": 3}),
        ("every day", None, {"days_per_week": 7}),
        ("45", "minutes_per_session", {"minutes_per_session": 45}),
        ("an hour", None, {"minutes_per_session": 60}),
        ("half an hour", None, {"minutes_per_session": 30}),
        ("nothing, I train at home", "equipment", {"equipment": ()}),
        ("full gym", "equipment", {"equipment": "ALL"}),
        (
            "resistance bands and a pull-up bar",
            "equipment",
            {"equipment": ("resistance_band", "pullup_bar")},
        ),
        ("none", "conditions", {"conditions": ()}),
        ("lower back", "conditions", {"conditions": ("lower_back",)}),
        ("I'm pregnant", None, {"conditions": ("pregnancy",)}),
        ("I have high blood pressure", None, {"conditions": ("high_blood_pressure",)}),
        ("some experience", "experience", {"experience": "intermediate"}),
        ("I've been lifting for 5 years", None, {"experience": "advanced"}),
        ("new to this", None, {"experience": "beginner"}),
        ("you decide", "minutes_per_session", {"minutes_per_session": 45}),
    ],
)
def test_answers(text: str, expecting: str | None, expected: dict[str, Any]) -> None:
    changes = read_profile(text, Profile(), None, expecting)
    if expected.get("equipment") == "ALL":
        assert len(changes.pop("equipment")) == 14
        expected = {}
    assert changes == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I bought a barbell", {"equipment": ("dumbbell", "barbell", "bench")}),
        ("I sold my bench", {"equipment": ("dumbbell",)}),
        ("make it 4 days", {"days_per_week": 4}),
        ("only 30 minutes now", {"minutes_per_session": 30}),
        ("my knee is fine now", {"conditions": ()}),
        ("my shoulder hurts too", {"conditions": ("knee", "shoulder")}),
        ("actually I'd rather build endurance", {"goal": "endurance"}),
    ],
)
def test_corrections_are_relative_to_the_profile(text: str, expected: dict[str, Any]) -> None:
    assert read_profile(text, FULL) == expected


@pytest.mark.parametrize(
    "text",
    [
        "swap the shoulder press",  # an exercise, not a shoulder problem
        "my knee has hurt for 3 days",  # a duration, not a schedule (the knee is already known)
        "I want to train my back",
        "hello there",
    ],
)
def test_no_false_facts(text: str) -> None:
    changes = read_profile(text, FULL)
    assert "days_per_week" not in changes and "conditions" not in changes
    assert "equipment" not in changes


def test_out_of_range_values_are_flagged_not_stored() -> None:
    changes = read_profile("10 days a week, 300 minutes", Profile())
    assert changes["invalid"] == {"days_per_week": 10, "minutes_per_session": 300}
    assert "days_per_week" not in changes


def test_unknown_condition_is_kept_as_free_text() -> None:
    changes = read_profile("my elbow hurts when I lift", Profile(), None, "conditions")
    assert changes["conditions"] == () and changes["other_conditions"] == (
        "my elbow hurts when i lift",
    )
    changes = read_profile("I have asthma", Profile(), None, "conditions")
    assert changes["other_conditions"] == ("asthma",)


def test_likes_and_dislikes_by_name(catalogue: Catalogue) -> None:
    changes = read_profile("I hate burpees", FULL, catalogue)
    assert changes["dislikes"] == ("burpee",)
    changes = read_profile("I love kettlebell swings", FULL, catalogue)
    assert changes["likes"] == ("kettlebell_swing",)


def test_stored_profile_round_trip_and_lenient_reading() -> None:
    stored = FULL.to_dict()
    assert Profile.from_state(stored) == FULL
    assert Profile.from_state({**stored, "days_per_week": 12, "age": 40}).days_per_week is None
    assert FULL.missing() == [] and Profile(goal="muscle").missing()[0] == "days_per_week"


@pytest.mark.parametrize(
    ("data", "field", "reason"),
    [
        ([], "profile", "not_object"),
        ({"goal": "get huge"}, "goal", "not_one_of"),
        ({"days_per_week": 0}, "days_per_week", "out_of_range"),
        ({"days_per_week": "four"}, "days_per_week", "not_number"),
        ({"days_per_week": 3.5}, "days_per_week", "not_number"),
        ({"days_per_week": True}, "days_per_week", "not_number"),
        ({"minutes_per_session": 5}, "minutes_per_session", "out_of_range"),
        ({"equipment": ["trampoline"]}, "equipment", "unknown_item"),
        ({"equipment": 7}, "equipment", "not_list"),
        ({"conditions": ["elbow"]}, "conditions", "unknown_item"),
        ({"favourite_colour": "red"}, "favourite_colour", "unknown_field"),
        ({"swaps": ["a"]}, "swaps", "not_mapping"),
    ],
)
def test_strict_profiles_name_the_bad_field(data: Any, field: str, reason: str) -> None:
    with pytest.raises(ProfileError) as err:
        Profile.from_mapping(data)
    assert (err.value.field, err.value.reason) == (field, reason)


def test_strict_profile_accepts_aliases_and_full_gym() -> None:
    p = Profile.from_mapping(
        {"days": 4, "minutes": "45", "equipment": "full gym", "level": "advanced"}
    )
    assert p.days_per_week == 4 and p.minutes_per_session == 45 and p.experience == "advanced"
    assert p.equipment is not None and "barbell" in p.equipment and "bodyweight" not in p.equipment
