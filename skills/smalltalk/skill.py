"""The smalltalk skill: greetings, help, thanks, goodbyes, "start over", and the fallback.

It is the router's fallback, so it must answer *anything* helpfully: a message it does not
understand gets a short "I didn't catch that" and quick replies for what this installation can do.
Help lists only the skills that are switched on (``settings.skills``), so Vita never offers what it
cannot do. A message that clearly belongs to a skill that is not switched on (a symptom, a workout,
a photo) gets an honest "not available in this version" instead of a shrug.
"""

from __future__ import annotations

from assistant.config import Settings
from assistant.prompts import Prompts
from assistant.skill import SkillContext
from assistant.state import DialogueState
from assistant.types import QuickReply, Reset, SkillReply, UserMessage

# Intents this skill answers itself, with the prompt that answers each.
_OWN_INTENTS = ("greet", "help", "thanks", "goodbye", "reset", "affirm", "deny")
# Domain intents and the skill that would answer them once switched on.
_DOMAIN = {"symptom": "triage", "workout": "workout", "image": "image_check"}
DOMAIN_SKILLS = ("triage", "workout", "image_check", "knowledge")


class SmalltalkSkill:
    """Answers small talk and everything no other skill claims."""

    name = "smalltalk"
    priority = 0

    def __init__(self, settings: Settings) -> None:
        self.enabled = tuple(s for s in DOMAIN_SKILLS if s in settings.skills)

    def warm_up(self) -> None:
        """Nothing to load."""

    def score(self, msg: UserMessage, state: DialogueState) -> float:
        nlu = msg.analysis
        return max((nlu.score(i) for i in _OWN_INTENTS), default=0.0)

    def run(self, msg: UserMessage, state: DialogueState, ctx: SkillContext) -> SkillReply:
        p = ctx.prompts
        nlu = msg.analysis
        intent, score = nlu.top()
        if msg.image is not None and "image_check" not in self.enabled:
            return SkillReply(p.render("smalltalk.image_unavailable"), quick_replies=self._menu(p))
        if score < ctx.settings.router_threshold or intent not in _OWN_INTENTS:
            missing = next(
                (s for i, s in _DOMAIN.items() if nlu.score(i) > 0 and s not in self.enabled), None
            )
            key = "smalltalk.skill_unavailable" if missing else "smalltalk.fallback"
            return SkillReply(p.pick(key, ctx.rng), quick_replies=self._menu(p))
        if intent == "greet":
            key = "smalltalk.greeting_again" if state.user_turns > 0 else "smalltalk.greeting"
            return SkillReply(p.pick(key, ctx.rng), quick_replies=self._menu(p))
        if intent == "help":
            return SkillReply(self._help(p), quick_replies=self._menu(p, with_help=False))
        if intent == "reset":
            return SkillReply(
                p.render("smalltalk.reset"), events=(Reset(),), quick_replies=self._menu(p)
            )
        return SkillReply(p.pick(f"smalltalk.{intent}", ctx.rng), quick_replies=self._menu(p))

    def _help(self, p: Prompts) -> str:
        items: dict[str, str] = p.data("smalltalk.help_items")
        lines = [f"- {items[s]}" for s in self.enabled]
        body = "\n".join(lines) if lines else p.render("smalltalk.help_none")
        return f"{p.render('smalltalk.help_intro')}\n\n{body}\n\n{p.render('smalltalk.help_outro')}"

    def _menu(self, p: Prompts, with_help: bool = True) -> tuple[QuickReply, ...]:
        labels: dict[str, str] = p.data("smalltalk.quick_replies")
        keys = [*self.enabled, "help"] if with_help else list(self.enabled)
        return tuple(QuickReply(label=labels[k], value=labels[k]) for k in keys)
