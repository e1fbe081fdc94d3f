"""How strongly the knowledge skill claims a message (``KnowledgeSkill.score``).

High for general questions about health, fitness, sleep or nutrition ("what/why/how/is it/should
I ..."), low for what belongs to other skills:

    ========================================================  =====
    message                                                   score
    ========================================================  =====
    general question with health words ("why do muscles...")   0.80
    elliptical follow-up right after one of our answers        0.85
    short "what about X?" right after one of our answers       0.80
    "ask a health question" / "I have a question"              0.80
    elliptical follow-up to a topic from the transcript        0.50
    question without health words ("who won the world cup?")   0.45
    a few health words, no question ("shingles")               0.40
    personal symptom question ("why does my knee click?")       0.50
    symptom report ("I have a headache since yesterday")       0.10
    plan request ("make me a workout plan")                    0.10
    greeting, thanks, help, yes/no, a photo                    0.05
    ========================================================  =====

Questions without health words still score just above the router threshold (0.35) on purpose:
the skill then searches and says plainly that it has nothing reliable, which is more useful than
the fallback's "I didn't catch that". Triage and workout score their own messages higher; a
personal symptom question is left at 0.5 so that triage, when switched on, takes it.
"""

from __future__ import annotations

import re

from assistant.nlu import normalise
from assistant.state import DialogueState
from assistant.types import UserMessage
from skills.knowledge import rewrite
from skills.knowledge import text as tx
from skills.knowledge.vocabulary import domain_hits

_SMALLTALK = ("greet", "help", "thanks", "goodbye", "reset", "affirm", "deny")
_QUESTION = re.compile(
    r"^(what|whats|why|how|when|which|who|where|is|are|was|were|does|do|did|can|could|should|"
    r"would|will|shall|any|tips)\b|\?\s*$"
)
_REQUEST = re.compile(
    r"^(tell me|explain|describe|define|give me (some )?(info|information|facts|tips|advice))\b"
    r"|\b(tell me (about|more)|what do you know about|information (on|about)|facts about"
    r"|tips (on|for)|benefits of|difference between|i('| a)?m curious about|i('d| would) like to know"
    r"|questions? (about|on|regarding))\b"
)
_INVITE = re.compile(
    r"^(ask a health question|i (have|got) an? (health |general |quick )?question"
    r"|can i ask (you )?(a|some|an?other) questions?)\W*$"
)
_PLAN = re.compile(
    r"\b(make|create|build|design|write|give|generate|plan|set up|need|want|get)\b.{0,40}"
    r"\b(plan|program|programme|routine|schedule|split)\b"
    r"|\b(workout|training|exercise|gym|meal|diet) (plan|program|programme|routine|schedule)\b"
    r"|\bplan my\b"
)
_FIRST_PERSON = re.compile(r"\b(i|i'm|im|i've|ive|i'd|me|my|mine)\b")
_REPORT = re.compile(
    r"^(i have|i've got|ive got|i've had|i had|i am having|i'm having|i feel|i'm feeling|i keep|"
    r"i think i|my \w+( \w+)? (hurts?|is sore|aches?|is swollen|is killing))"
    r"|\bsince (yesterday|last|this)\b"
)

INVITE_SCORE = 0.8


def is_invite(text: str) -> bool:
    """The user tapped "Ask a health question" or said they have one."""
    return bool(_INVITE.match(normalise(text)))


def score(msg: UserMessage, state: DialogueState) -> float:
    """0..1: how well the knowledge skill fits ``msg`` (see the module table)."""
    text = normalise(msg.text)
    if not text or msg.image is not None:
        return 0.0 if not text else 0.05
    if _INVITE.match(text):
        return INVITE_SCORE
    nlu = msg.analysis
    terms = tx.terms(text)
    domain = domain_hits(terms)
    question = bool(_QUESTION.search(text) or _REQUEST.search(text))
    small = max((nlu.score(i) for i in _SMALLTALK), default=0.0)
    if small >= 0.8 and not (question and domain):
        return 0.05
    if tx.is_elliptical(text):
        ctx = rewrite.context(state)
        if ctx is None:
            return 0.1
        return 0.85 if ctx.origin == "slots" else 0.5
    if rewrite.is_lead_in(text):
        ctx = rewrite.context(state)
        if ctx is not None and ctx.origin == "slots":
            return 0.8
    if _PLAN.search(text):
        return 0.1
    entities = nlu.entities
    personal = bool(_FIRST_PERSON.search(text))
    symptomatic = bool(entities.symptoms or nlu.score("symptom") >= 0.6)
    if _REPORT.search(text) and (symptomatic or entities.body_parts or not question):
        return 0.1
    if not question:
        return 0.4 if domain and not personal and len(text.split()) <= 6 else 0.0
    if personal and (symptomatic or entities.body_parts) and entities.duration_days is not None:
        return 0.1
    if personal and (symptomatic or entities.body_parts):
        return 0.5
    return 0.8 if domain else 0.45
