"""Reading replies to follow-up questions."""

from __future__ import annotations

import pytest

from skills.triage.answers import parse_age, parse_answer, parse_sex


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", "yes"),
        ("Yeah, a bit", "yes"),
        ("I do", "yes"),
        ("nope", "no"),
        ("No, not really", "no"),
        ("not sure", "unsure"),
        ("no idea", "unsure"),
        ("dunno", "unsure"),
        ("just tell me", "stop"),
        ("skip the questions please", "stop"),
        ("blue", None),
        ("", None),
    ],
)
def test_parse_answer(text: str, expected: str | None) -> None:
    assert parse_answer(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("34", 34),
        ("she's 4", 4),
        ("6 months", 0),
        ("3 weeks old", 0),
        ("about 70 years", 70),
        ("200", None),
        ("old", None),
    ],
)
def test_parse_age(text: str, expected: int | None) -> None:
    assert parse_age(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("female", "female"), ("a man", "male"), ("F", "female"), ("boy", "male"), ("dunno", None)],
)
def test_parse_sex(text: str, expected: str | None) -> None:
    assert parse_sex(text) == expected
