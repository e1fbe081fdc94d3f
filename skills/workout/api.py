"""REST endpoints of the workout skill.

* ``POST /api/v1/workout-plan`` with ``{"profile": {...}}`` answers the plan JSON (schema in the
  README, "Workout planning"). Missing profile fields take their defaults; a bad one is a 422 in
  the project's error format, naming the field.
* ``GET /api/v1/sessions/{session_id}/workout-plan.{md,csv,ics,json}`` exports the plan of a
  conversation (rebuilt from its profile and feedback); the chat's plan card links here.

Decision: ``equipment`` may be a list of catalogue words or free text ("dumbbells and a bench"),
read the same way as in the chat.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from assistant.channels.rest import ERRORS
from assistant.prompts import Prompts
from assistant.runtime import Runtime
from assistant.validation import InputError, check_session_id, scrub
from skills.workout.export import to_csv, to_ics, to_markdown
from skills.workout.plan import Plan, plan_to_dict
from skills.workout.profile import Profile, ProfileError, choices
from skills.workout.profile_text import read_profile
from skills.workout.schema import PlanRequest, PlanResponse
from skills.workout.service import PlanInvalid, WorkoutService
from skills.workout.vocab import EQUIPMENT

router = APIRouter()
MEDIA = {
    "md": "text/markdown; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "ics": "text/calendar; charset=utf-8",
    "json": "application/json",
}


def service_of(request: Request) -> WorkoutService:
    """The enabled skill's service (warm, with its model), or one made for this app."""
    runtime: Runtime = request.app.state.runtime
    skill = runtime.skill("workout")
    service = getattr(skill, "service", None)
    if isinstance(service, WorkoutService):
        return service
    cached = getattr(request.app.state, "workout_service", None)
    if not isinstance(cached, WorkoutService):
        cached = WorkoutService(runtime.settings)
        request.app.state.workout_service = cached
    return cached


def parse_profile(data: Any, prompts: Prompts) -> Profile:
    """A strict profile from request data; raises a 422 :class:`InputError` naming the field."""
    data = scrub(data)  # a "\ud800" escape in a free-text field would break the JSON answer
    if isinstance(data, dict) and isinstance(data.get("equipment"), str):
        words = [w.strip().lower().replace(" ", "_") for w in data["equipment"].split(",")]
        if not all(w in EQUIPMENT or w == "full_gym" for w in words if w):
            read = read_profile(data["equipment"], Profile(), None, "equipment")
            data = {**data, "equipment": list(read.get("equipment", ()))}
    try:
        return Profile.from_mapping(data)
    except ProfileError as err:
        allowed = ", ".join(choices(err.field)) or _range(err.field)
        detail = prompts.render(
            f"workout.invalid_{err.reason}", field=err.field, value=err.value, allowed=allowed
        )
        raise InputError("bad_request", status=422, detail=detail) from None


def _range(field: str) -> str:
    return {"days_per_week": "1-7", "minutes_per_session": "10-180"}.get(field, "")


async def _plan(service: WorkoutService, profile: Profile, feedback: Any = ()) -> Plan:
    try:
        return await asyncio.to_thread(service.plan, profile.filled(), list(feedback))
    except PlanInvalid:
        raise InputError("internal", status=500) from None


@router.post(
    "/api/v1/workout-plan", response_model=PlanResponse, responses=ERRORS, tags=["workout"]
)
async def workout_plan(body: PlanRequest, request: Request) -> PlanResponse:
    """A four-week training plan for a profile, as the plan JSON documented in the README."""
    runtime: Runtime = request.app.state.runtime
    client = request.client.host if request.client else "unknown"
    runtime.check_rate(f"client:{client}")
    profile = parse_profile(body.profile, runtime.prompts)
    plan = await _plan(service_of(request), profile)
    return PlanResponse.model_validate(plan_to_dict(plan, runtime.prompts))


_TEXT = {"schema": {"type": "string"}}
EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    200: {
        "model": PlanResponse,
        "description": "the plan as Markdown, CSV, iCalendar or JSON (by the extension)",
        "content": {"text/markdown": _TEXT, "text/csv": _TEXT, "text/calendar": _TEXT},
    },
}


@router.get(
    "/api/v1/sessions/{session_id}/workout-plan.{fmt}", responses=EXPORT_RESPONSES, tags=["workout"]
)
async def export_plan(session_id: str, fmt: str, request: Request) -> Response:
    """A conversation's plan as Markdown, CSV, iCalendar or JSON."""
    runtime: Runtime = request.app.state.runtime
    if fmt not in MEDIA:
        raise InputError("not_found", status=404)
    check_session_id(session_id)
    if not await runtime.manager.exists(session_id):
        raise InputError("session_not_found", status=404)
    state = await runtime.manager.state(session_id)
    profile = Profile.from_state(state.profile)
    if profile.goal is None:
        raise InputError("not_found", status=404)
    plan = await _plan(service_of(request), profile, state.feedback)
    prompts = runtime.prompts
    if fmt == "json":
        return JSONResponse(plan_to_dict(plan, prompts))
    body: str | bytes
    body = (
        {"md": to_markdown, "csv": to_csv}[fmt](plan, prompts)
        if fmt != "ics"
        else to_ics(plan, prompts)
    )
    headers = {"Content-Disposition": f'attachment; filename="vita-plan.{fmt}"'}
    return Response(content=body, media_type=MEDIA[fmt], headers=headers)
