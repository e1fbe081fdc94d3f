"""Wiring: settings -> prompts, session store, safety screen, skills, manager, rate limiter.

Every channel (server, terminal chat, ``vita ask``) builds one :class:`Runtime` and talks to the
manager through it. Warming (the embedding model, skill checkpoints) happens in a background thread
so a server answers ``/healthz`` and a terminal shows its prompt at once; turns wait until warm.
"""

from __future__ import annotations

import asyncio
import logging
import threading

from assistant.channels.protocol import ImagePayload
from assistant.config import Settings
from assistant.manager import DialogueManager
from assistant.prompts import Prompts
from assistant.ratelimit import RateLimiter, open_limiter
from assistant.registry import load_skills
from assistant.safety import SafetyScreen
from assistant.sessions import SessionStore, open_store
from assistant.skill import Retriever, Skill
from assistant.types import UserMessage
from assistant.validation import InputError, check_locale, check_text, decode_image
from index.embed import load_embedder

log = logging.getLogger("vita.runtime")


class Runtime:
    """One running Vita: the manager and what the channels share."""

    def __init__(
        self,
        settings: Settings,
        manager: DialogueManager,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.settings = settings
        self.manager = manager
        self.prompts = manager.prompts
        self.limiter = limiter or open_limiter(settings)
        self.ready = threading.Event()
        self.warm_error: BaseException | None = None
        self._warm_thread: threading.Thread | None = None

    @classmethod
    def build(
        cls,
        settings: Settings,
        skills: list[Skill] | None = None,
        store: SessionStore | None = None,
        retriever: Retriever | None = None,
    ) -> Runtime:
        """Construct everything from settings (cheap: nothing heavy is loaded yet)."""
        prompts = Prompts(settings.prompts_dir)
        # one embedder instance for the safety screen and the index, so MiniLM loads once
        wants_index = retriever is None and settings.retrieval
        embedder = (
            load_embedder(settings.embedder) if settings.safety_semantic or wants_index else None
        )
        if wants_index:
            from index.service import open_retriever  # faiss and bm25s load only when used

            retriever = open_retriever(settings, embedder)
        manager = DialogueManager(
            settings=settings,
            skills=skills if skills is not None else load_skills(settings),
            store=store if store is not None else open_store(settings),
            prompts=prompts,
            safety=SafetyScreen(settings, embedder if settings.safety_semantic else None),
            retriever=retriever,
        )
        return cls(settings, manager)

    def skill(self, name: str) -> Skill | None:
        """The enabled skill called ``name`` (REST endpoints use it to reach a warmed model)."""
        return next((s for s in self.manager.skills if s.name == name), None)

    @property
    def retriever(self) -> Retriever | None:
        return self.manager.context.retriever

    def warm_up(self) -> None:
        """Load models now, in this thread (idempotent)."""
        try:
            self.manager.warm_up()
        except BaseException as exc:
            self.warm_error = exc
            log.exception("warm-up failed")
            raise
        finally:
            self.ready.set()

    def warm_up_in_background(self) -> threading.Thread:
        if self._warm_thread is None:
            self._warm_thread = threading.Thread(
                target=self._warm_quietly, name="vita-warm", daemon=True
            )
            self._warm_thread.start()
        return self._warm_thread

    def _warm_quietly(self) -> None:
        try:
            self.warm_up()
        except BaseException:  # already logged; readiness reports it
            return

    async def wait_ready(self, timeout: float = 120.0) -> bool:
        """Wait (without blocking the loop) until warm; False on timeout or failed warm-up."""
        if not self.ready.is_set():
            await asyncio.to_thread(self.ready.wait, timeout)
        return self.ready.is_set() and self.warm_error is None

    def user_message(
        self,
        session_id: str,
        text: str,
        *,
        locale: str | None = None,
        image: ImagePayload | None = None,
        quick_reply: str | None = None,
    ) -> UserMessage:
        """Validate raw input into a :class:`UserMessage` (raises :class:`InputError`)."""
        if quick_reply is not None:
            text = quick_reply
        picture = decode_image(image.data, self.settings) if image is not None else None
        # a photo may come without words; a tapped quick reply never is empty
        allow_empty = picture is not None and quick_reply is None
        cleaned = check_text(text, self.settings, allow_empty=allow_empty)
        return UserMessage(
            session_id=session_id,
            text=cleaned,
            locale=check_locale(locale),
            image=picture,
            quick_reply=cleaned if quick_reply is not None else None,
        )

    def store_reachable(self) -> bool:
        """False while a shared store (Redis: sessions, rate limits) does not answer."""
        pings = [getattr(part, "ping", None) for part in (self.manager.store, self.limiter)]
        return all(bool(ping()) for ping in pings if callable(ping))

    def check_rate(self, key: str) -> None:
        if not self.limiter.allow(key):
            raise InputError("rate_limited", status=429)

    def close(self) -> None:
        # A process must not exit while a skill is still loading torch weights in the background
        # (the interpreter aborts), so give the warm-up a moment to finish first.
        if self._warm_thread is not None and self._warm_thread.is_alive():
            self._warm_thread.join(timeout=120)
        self.manager.store.close()
