"""The versioned REST API (``/api/v1``) and the health probes.

Replies have exactly the shape of the websocket's ``reply`` frames. Every error is
``{"error": {"code", "message"}}`` with a 4xx/5xx status (see ``server.py`` for the handlers).
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from assistant import __version__
from assistant.channels.protocol import ChatRequest
from assistant.runtime import Runtime
from assistant.validation import InputError, check_session_id

router = APIRouter()


class ReplyModel(BaseModel):
    id: str
    text: str
    cards: list[dict[str, Any]] = Field(
        description="typed cards: emergency, triage, plan, image_check"
    )
    citations: list[dict[str, Any]]
    quick_replies: list[dict[str, str]]
    skill: str


class ChatResponse(BaseModel):
    session_id: str
    replies: list[ReplyModel]


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse} for status in (400, 404, 413, 422, 429, 503)
}


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@router.post("/api/v1/chat", response_model=ChatResponse, responses=ERRORS, tags=["chat"])
async def chat(body: ChatRequest, request: Request) -> ChatResponse:
    """Send one message; get Vita's replies. Omit ``session_id`` to start a conversation."""
    rt = _runtime(request)
    client = request.client.host if request.client else "unknown"
    if body.session_id is not None:
        session_id = check_session_id(body.session_id)
        rt.check_rate(f"session:{session_id}")
        if not await rt.manager.exists(session_id):
            raise InputError("session_not_found", status=404)
    else:
        rt.check_rate(f"client:{client}")
        session_id = ""
    msg = rt.user_message(
        session_id or "pending",
        body.text,
        locale=body.locale,
        image=body.image,
        quick_reply=body.quick_reply,
    )
    if not await rt.wait_ready():
        raise InputError("unavailable", status=503)
    if not session_id:
        session_id = await asyncio.to_thread(rt.manager.new_session)
        msg = dataclasses.replace(msg, session_id=session_id)
    replies = await rt.manager.handle(msg)
    return ChatResponse(session_id=session_id, replies=[ReplyModel(**r.to_dict()) for r in replies])


@router.get("/api/v1/sessions/{session_id}", responses=ERRORS, tags=["sessions"])
async def export_session(session_id: str, request: Request) -> dict[str, Any]:
    """Everything stored about a conversation: transcript, profile and the raw events."""
    data = await _runtime(request).manager.export(check_session_id(session_id))
    if data is None:
        raise InputError("session_not_found", status=404)
    return data


@router.delete("/api/v1/sessions/{session_id}", responses=ERRORS, tags=["sessions"])
async def erase_session(session_id: str, request: Request) -> dict[str, Any]:
    """Erase a conversation and everything stored about it."""
    if not await _runtime(request).manager.erase(check_session_id(session_id)):
        raise InputError("session_not_found", status=404)
    return {"session_id": session_id, "deleted": True}


@router.get("/healthz", tags=["health"])
async def healthz() -> dict[str, str]:
    """The process is up (models may still be loading)."""
    return {"status": "ok", "version": __version__}


@router.get("/readyz", tags=["health"], responses={503: {"model": ErrorResponse}})
async def readyz(request: Request) -> JSONResponse:
    """Models are loaded and the session store answers, so turns can be answered."""
    rt = _runtime(request)
    if rt.ready.is_set() and rt.warm_error is None:
        if not await asyncio.to_thread(rt.store_reachable):
            err = InputError("store_unavailable", status=503)
            return JSONResponse({"error": err.to_dict(rt.prompts)}, status_code=err.status)
        return JSONResponse({"status": "ready"})
    code = "unavailable" if rt.warm_error is not None else "not_ready"
    message = rt.prompts.render("errors.unavailable" if rt.warm_error else "system.not_ready")
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=503)
