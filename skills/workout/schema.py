"""Pydantic models of the plan JSON, so the OpenAPI page documents it (README has the same schema).

``plan_to_dict`` (in :mod:`skills.workout.plan`) produces the JSON; these models only describe and
check it on the way out of the REST API.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class TimedItem(BaseModel):
    id: str
    name: str
    seconds: int = Field(description="how long to spend on this warm-up or cool-down move")


class ExerciseItem(BaseModel):
    id: str
    name: str
    sets: int
    reps: str = Field(description='"8-10", "5", or "30 s" for a hold')
    rest_s: int = Field(description="rest after each set, seconds")
    effort: str = Field(description='RPE, e.g. "RPE 8" (two reps in reserve)')
    per_side: bool = Field(description="one-sided: the reps are per side")
    primary_muscles: list[str]
    equipment: list[str]


class CardioItem(BaseModel):
    id: str
    name: str
    minutes: int
    intensity: str = Field(description="light, moderate or vigorous")


class DayItem(BaseModel):
    day: str = Field(description="Monday ... Sunday")
    weekday: int = Field(description="0 = Monday")
    focus: str
    minutes: int = Field(
        description="estimated length: warm-up + sets x (work + rest) + cardio + cool-down"
    )
    warmup: list[TimedItem]
    exercises: list[ExerciseItem]
    cardio: CardioItem | None
    cooldown: list[TimedItem]


class WeekItem(BaseModel):
    week: int
    deload: bool = Field(description="the lighter week 4")
    days: list[DayItem]


class PlanResponse(BaseModel):
    """A four-week plan: three progressive weeks and a deload."""

    profile: dict[str, Any] = Field(description="the profile as understood (defaults filled in)")
    weeks: list[WeekItem]
    weekly_sets: dict[str, float] = Field(description="working sets per muscle group in week 1")
    notes: list[str]


class PlanRequest(BaseModel):
    """A training profile; every field is optional (see the README for the defaults)."""

    model_config = {"extra": "forbid"}
    profile: dict[str, Any] = Field(
        description="goal, experience, days_per_week, minutes_per_session, equipment, conditions, likes, dislikes",
        examples=[
            {
                "goal": "muscle",
                "days_per_week": 4,
                "minutes_per_session": 45,
                "equipment": ["dumbbell", "bench"],
                "conditions": ["knee"],
            }
        ],
    )
