"""``POST /api/v1/triage``: one assessment as a service.

Request ``{text, age?, sex?, answers?}`` where ``answers`` maps symptom ids (as returned in
``next_question.symptom``) to true/false. Response: ``{level, model_level, confidence,
conditions: [{id, name, icd10, probability}], red_flags: [...], symptoms, attention: [{token,
weight}], next_question?}``. The model runs in a worker thread; bad input is a 4xx in the
project's error format, and calls share the chat's per-client rate limit (``429 rate_limited``).
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from assistant.channels.rest import ERRORS
from assistant.validation import InputError, check_text
from skills.triage.engine import TriageEngine

router = APIRouter()


class TriageRequest(BaseModel):
    text: str = Field(description="the complaint in the person's own words")
    age: int | None = Field(default=None, ge=0, le=120)
    sex: Literal["female", "male"] | None = None
    answers: dict[str, bool] = Field(default_factory=dict, description="symptom id -> yes/no")


class Condition(BaseModel):
    id: str
    name: str
    icd10: str
    probability: float


class TriageResponse(BaseModel):
    level: Literal["emergency", "urgent", "routine", "self_care"]
    model_level: str
    confidence: float
    conditions: list[Condition]
    red_flags: list[dict[str, str]]
    symptoms: dict[str, list[str]]
    attention: list[dict[str, Any]]
    next_question: dict[str, Any] | None = None


def _engine(request: Request) -> TriageEngine:
    """The enabled triage skill's engine, or one kept on the app when the skill is off."""
    skill = request.app.state.runtime.skill("triage")
    engine = getattr(skill, "engine", None) or getattr(request.app.state, "triage_engine", None)
    if not isinstance(engine, TriageEngine):
        engine = request.app.state.triage_engine = TriageEngine()
    return engine


@router.post("/api/v1/triage", response_model=TriageResponse, responses=ERRORS, tags=["triage"])
async def triage(body: TriageRequest, request: Request) -> dict[str, Any]:
    """Urgency level, possible causes (not a diagnosis), red flags, attention, next question."""
    runtime = request.app.state.runtime
    client = request.client.host if request.client else "unknown"
    runtime.check_rate(f"client:{client}")  # each call runs the model: the chat's per-client limit
    text = check_text(body.text, runtime.settings)
    engine = _engine(request)
    await asyncio.to_thread(engine.warm_up)
    unknown = sorted(set(body.answers) - set(engine.kb.symptoms))
    if unknown:
        raise InputError(
            "bad_request",
            status=422,
            detail=f"unknown symptom ids in answers: {', '.join(unknown[:5])}",
        )

    def run() -> dict[str, Any]:
        a = engine.assess(text, body.age, body.sex, body.answers)
        return engine.result(a, engine.question(a, body.age, body.sex, list(body.answers)))

    result: dict[str, Any] = await asyncio.to_thread(run)
    return result
