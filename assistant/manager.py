"""The dialogue manager: the single path every message takes.

``handle(msg)``:
    1. takes the session's lock, loads its events and replays them into a state;
    2. runs the NLU once and attaches the result to the message;
    3. runs the safety screen first, whatever skill is active — an emergency or crisis answers
       with an ``EmergencyCard`` and ends the active skill, and no skill runs;
    4. routes the turn (``router.choose``) and runs the skill in a worker thread, with a timeout;
    5. appends ``UserSaid``, the skill's events, ``SkillStarted``/``SkillEnded`` and ``BotSaid`` in
       one atomic append, and returns the replies.

A reply is never empty and never raises to the user: a skill that fails, times out or returns
nothing is logged and answered with an apology from ``prompts/system.yaml``; the session stays
usable. Blocking work (SQLite, torch, embeddings) runs in threads so the event loop keeps serving.

Privacy: pictures are never stored. A card field that carries image data (``*_base64``: the
image check's heat map is drawn over the user's photo) goes to the client in the live reply and
is left out (``None``) of the stored ``BotSaid``. Logs name the session by its first 8 characters
and the skill, never what the user wrote (see :mod:`assistant.logs`). ``export`` and ``erase``
cover the session store and every skill that keeps data of its own (:class:`SessionData`).
Every turn is counted in :class:`~assistant.metrics.Metrics` (reply and latency by skill,
escalations by category, failed skills by code).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import time
from collections.abc import Sequence
from typing import Any

from assistant import nlu, router
from assistant.config import Settings
from assistant.metrics import Metrics
from assistant.prompts import Prompts
from assistant.safety import SafetyScreen
from assistant.sessions import SessionStore
from assistant.skill import Retriever, SessionData, Skill, SkillContext
from assistant.state import DialogueState, replay
from assistant.types import (
    BotSaid,
    Event,
    Reply,
    Reset,
    SkillEnded,
    SkillReply,
    SkillStarted,
    UserMessage,
    UserSaid,
    new_id,
)

log = logging.getLogger("vita.manager")


class DialogueManager:
    """Owns the skills, the safety screen and the session store; channels call ``handle``."""

    def __init__(
        self,
        settings: Settings,
        skills: Sequence[Skill],
        store: SessionStore,
        prompts: Prompts,
        safety: SafetyScreen,
        retriever: Retriever | None = None,
        rng: random.Random | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics or Metrics()
        self.skills = list(skills)
        self.store = store
        self.prompts = prompts
        self.safety = safety
        self.context = SkillContext(
            settings=settings, prompts=prompts, retriever=retriever, rng=rng or random.Random()
        )

    # ------------------------------------------------------------------ lifecycle

    def warm_up(self) -> None:
        """Load the safety prototypes, the index and every skill's weights (blocking; call once)."""
        self.safety.warm_up()
        warm_retriever = getattr(self.context.retriever, "warm_up", None)
        if callable(warm_retriever):  # before the skills, which may search while warming
            warm_retriever()
        for skill in self.skills:
            skill.warm_up()

    def new_session(self) -> str:
        session_id = new_id()
        self.store.create(session_id)
        return session_id

    # ------------------------------------------------------------------ queries

    async def state(self, session_id: str) -> DialogueState:
        events = await asyncio.to_thread(self.store.load, session_id)
        return replay(session_id, events)

    async def exists(self, session_id: str) -> bool:
        return await asyncio.to_thread(self.store.exists, session_id)

    def data_skills(self) -> list[SessionData]:
        """The enabled skills that keep per-session data outside the session store."""
        return [s for s in self.skills if isinstance(s, SessionData)]

    async def export(self, session_id: str) -> dict[str, Any] | None:
        """The whole session as JSON: events, transcript, derived state and every skill's own
        data about it (``skills``: name -> data); None if unknown."""
        if not await self.exists(session_id):
            return None
        events = await asyncio.to_thread(self.store.load, session_id)
        state = replay(session_id, events)
        skills: dict[str, Any] = {}
        for skill in self.data_skills():
            data = await asyncio.to_thread(skill.export_session, session_id)
            if data:
                skills[getattr(skill, "name", type(skill).__name__)] = data
        return {
            "session_id": session_id,
            "created": state.created,
            "updated": state.updated,
            "locale": state.locale,
            "profile": dict(state.profile),
            "transcript": [t.to_dict() for t in state.history],
            "events": [e.to_dict() for e in events],
            "skills": skills,
        }

    async def erase(self, session_id: str) -> bool:
        """Delete the session's events and every skill's data about it; False if none existed."""
        async with self.store.lock(session_id):
            found = await asyncio.to_thread(self.store.delete, session_id)
            for skill in self.data_skills():
                found = bool(await asyncio.to_thread(skill.erase_session, session_id)) or found
            return found

    # ------------------------------------------------------------------ turns

    async def reset(self, session_id: str) -> list[Reply]:
        """Start over: end the active skill and clear its slots; the profile is kept."""
        started = time.perf_counter()
        async with self.store.lock(session_id):
            state = await self.state(session_id)
            reply = Reply(text=self.prompts.render("system.reset_done"), skill="system")
            events: list[Event] = []
            if state.active_skill:
                events.append(SkillEnded(skill=state.active_skill))
            events += [Reset(), BotSaid(reply=reply.to_dict())]
            await asyncio.to_thread(self.store.append, session_id, events)
        self.metrics.turn("system", time.perf_counter() - started)
        return [reply]

    async def handle(self, msg: UserMessage) -> list[Reply]:
        """Answer one user message. Never raises for a problem inside a skill."""
        started = time.perf_counter()
        async with self.store.lock(msg.session_id):
            state = await self.state(msg.session_id)
            locale = msg.locale or state.locale or self.settings.default_locale
            msg = dataclasses.replace(msg, locale=locale, nlu=nlu.analyse(msg.text))
            events: list[Event] = [
                UserSaid(text=msg.text, locale=msg.locale, has_image=msg.image is not None)
            ]
            screening = await asyncio.to_thread(self.safety.screen, msg.text)
            if screening.escalate:
                log.warning(
                    "session %s… escalated: %s (%.2f)",
                    msg.session_id[:8],
                    screening.rule,
                    screening.score,
                )
                self.metrics.escalation(screening.kind, screening.category)
                result = self.safety.reply(screening, locale, self.prompts)
                skill_name = "safety"
                if state.active_skill:
                    events.append(SkillEnded(skill=state.active_skill))
                events += result.events
            else:
                result, skill_name, skill_events = await self._run_skill(msg, state)
                events += skill_events
            reply = Reply(
                text=result.text,
                skill=skill_name,
                cards=result.cards,
                citations=result.citations,
                quick_replies=result.quick_replies,
            )
            events.append(BotSaid(reply=storable(reply)))
            await asyncio.to_thread(self.store.append, msg.session_id, events)
        elapsed = time.perf_counter() - started
        self.metrics.turn(skill_name, elapsed)
        log.info(
            "turn on session %s… answered by %s in %.0f ms",
            msg.session_id[:8],
            skill_name,
            elapsed * 1000,
        )
        return [reply]

    async def _run_skill(
        self, msg: UserMessage, state: DialogueState
    ) -> tuple[SkillReply, str, list[Event]]:
        route = router.choose(
            self.skills,
            msg,
            state,
            threshold=self.settings.router_threshold,
            switch_margin=self.settings.router_switch_margin,
            fallback=self.settings.fallback_skill,
        )
        skill = route.skill
        log.debug(
            "routed to %s (%s, %.2f) scores=%s", skill.name, route.reason, route.score, route.scores
        )
        events: list[Event] = []
        if state.active_skill and state.active_skill != skill.name:
            events.append(SkillEnded(skill=state.active_skill))
        try:
            result = await asyncio.wait_for(
                asyncio.to_thread(skill.run, msg, state, self.context),
                timeout=self.settings.skill_timeout_s,
            )
            if not result.text.strip() and not result.cards:
                raise ValueError("skill returned an empty reply")
        except Exception as exc:
            log.exception("skill %s failed on session %s…", skill.name, msg.session_id[:8])
            key = "system.skill_timeout" if isinstance(exc, TimeoutError) else "system.skill_failed"
            self.metrics.error(key.removeprefix("system."))
            result = SkillReply(text=self.prompts.render(key), done=True)
            if state.active_skill == skill.name:
                events.append(SkillEnded(skill=skill.name))
            return result, skill.name, events
        if state.active_skill != skill.name and not result.done:
            events.append(SkillStarted(skill=skill.name))
        events += result.events
        if result.done and state.active_skill == skill.name:
            events.append(SkillEnded(skill=skill.name))
        return result, skill.name, events


def storable(reply: Reply) -> dict[str, Any]:
    """The reply as stored in ``BotSaid``: image data in cards (``*_base64``) left out."""
    data = reply.to_dict()
    data["cards"] = [
        {k: (None if k.endswith("_base64") else v) for k, v in card.items()}
        for card in data["cards"]
    ]
    return data
