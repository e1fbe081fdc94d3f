"""The knowledge skill: short, cited answers to general health and fitness questions.

One turn:
    1. clean the message (control characters out, at most 500 characters searched);
    2. rewrite it from the dialogue state ("how long does it last?" -> "how long does shingles
       last?", see :mod:`skills.knowledge.rewrite`);
    3. search ``ctx.retriever`` and keep the passages whose dense (cosine) score reaches
       ``settings.knowledge_min_score``; if none does, say plainly that the library has nothing
       reliable (no citations, no guess);
    4. answer from the best of them: the optional language model when ``llm_url`` is set and its
       answer passes every check, otherwise the extractive answer (:mod:`skills.knowledge.answer`);
    5. add the "general information, not a diagnosis" line, the citations the ``[n]`` markers
       point at, and quick replies for other articles that matched.

Decisions:
    * The skill never stays active (``done=True``): it asks nothing back. A follow-up is claimed by
      ``score`` only when it is elliptical (or a short "what about ...?") and the previous answer
      is recent, using the ``knowledge.*`` slots this skill sets; a full new question is scored
      like any other message.
    * Abstention uses the passage's ``dense_score`` (cosine similarity) because the fused score is
      a rank statistic that is high for the best hit of any query, however irrelevant.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.config import Settings
from assistant.prompts import Prompts
from assistant.skill import SkillContext
from assistant.state import DialogueState
from assistant.types import Citation, Event, Passage, QuickReply, SkillReply, UserMessage
from skills.knowledge import answer as extractive
from skills.knowledge import llm, rewrite, scoring
from skills.knowledge import text as tx

MAX_QUERY_CHARS = 500
SEARCH_K = 6
ANSWER_PASSAGES = 3
MORE_ABOUT = 2


class KnowledgeSkill:
    """Answers general health and fitness questions from the grounding index, with citations."""

    name = "knowledge"
    priority = 1

    def __init__(self, settings: Settings) -> None:
        self.min_score = settings.knowledge_min_score
        self.llm: llm.ChatClient | None = None
        if settings.llm_url.strip():
            self.llm = llm.ChatClient(
                settings.llm_url, settings.llm_model, settings.llm_timeout_s, settings.llm_api_key
            )

    def warm_up(self) -> None:
        """Nothing to load: the index belongs to the runtime and is warmed there."""

    def score(self, msg: UserMessage, state: DialogueState) -> float:
        return scoring.score(msg, state)

    def run(self, msg: UserMessage, state: DialogueState, ctx: SkillContext) -> SkillReply:
        p = ctx.prompts
        question = tx.clip(tx.clean(msg.text), MAX_QUERY_CHARS)
        if not tx.words(question):
            return SkillReply(p.render("knowledge.empty_question"))
        if scoring.is_invite(question):
            return SkillReply(p.render("knowledge.invite"))
        rw = rewrite.rewrite(question, state)
        if not rw.resolved:
            return SkillReply(p.render("knowledge.unclear_follow_up", text=question))
        if ctx.retriever is None:
            return SkillReply(p.render("knowledge.unavailable"))
        try:
            found = ctx.retriever.search(rw.query, k=SEARCH_K)
        except Exception:  # the index failing is reported as unavailable, not as a crash
            ctx.logger.exception("knowledge search failed")
            return SkillReply(p.render("knowledge.unavailable"))
        relevant = extractive.relevant(found, self.min_score, limit=SEARCH_K)
        if not relevant:
            return self._abstain(p, ctx)
        body, citations = self._answer(rw.query, relevant[:ANSWER_PASSAGES], ctx)
        if not body:
            return self._abstain(p, ctx)
        text = f"{body}\n\n{p.render('knowledge.disclaimer')}"
        events: tuple[Event, ...] = rewrite.remember(rw, state)
        return SkillReply(
            text,
            citations=citations,
            quick_replies=self._more_about(p, relevant, citations),
            events=events,
        )

    def _answer(
        self, question: str, passages: Sequence[Passage], ctx: SkillContext
    ) -> tuple[str, tuple[Citation, ...]]:
        """The model's checked answer when configured, else the extractive one."""
        if self.llm is not None:
            try:
                checked = llm.answer(self.llm, ctx.prompts, question, passages)
                return checked.text, checked.citations
            except llm.LLMError as exc:
                ctx.logger.warning("language model not used, extractive answer instead: %s", exc)
        result = extractive.compose(question, passages)
        return result.render(), result.citations

    def _abstain(self, p: Prompts, ctx: SkillContext) -> SkillReply:
        buttons: list[dict[str, str]] = p.data("knowledge.abstain_quick_replies")
        return SkillReply(
            p.pick("knowledge.abstain", ctx.rng),
            quick_replies=tuple(QuickReply(b["label"], b["value"]) for b in buttons),
        )

    @staticmethod
    def _more_about(
        p: Prompts, relevant: Sequence[Passage], citations: Sequence[Citation]
    ) -> tuple[QuickReply, ...]:
        """Buttons for other matching articles that the answer did not cite."""
        cited = {c.title for c in citations}
        titles = [x.title for x in relevant if x.title and x.title not in cited]
        return tuple(
            QuickReply(
                p.render("knowledge.more_about_label", title=title),
                p.render("knowledge.more_about_value", title=title),
            )
            for title in list(dict.fromkeys(titles))[:MORE_ABOUT]
        )
