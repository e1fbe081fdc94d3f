"""The symptom-triage skill: complaint -> a few follow-up questions -> level, causes and why.

Conversation (slots are namespaced ``triage.*`` and cleared when the skill ends):

1. First message: the complaint. Not English or not understood -> ask to rephrase (twice at
   most). Otherwise assess it and ask the best follow-up question (``questions.py``), or answer
   at once when no question is worth asking.
2. Each answer: yes / no / not sure, an age, a sex, "just tell me"; free text that names
   symptoms is added to what we know (and to the complaint the model reads); an answer that
   contradicts an earlier one replaces it, and Vita says so. Up to six questions; none once the
   words show an emergency (a red flag, or an emergency condition leading: the result comes at
   once). An emergency reached only by probability mass on dangerous conditions (a sore throat
   with fever puts some on epiglottitis) asks up to three red-flag questions first, as a
   clinician would; "just tell me" or a "yes" ends them with the emergency result.
3. The result: a :class:`TriageCard` (level and what to do now, why, the three most likely
   possible causes with probabilities, self-care, when to get more help, words that weighed
   most) plus an :class:`EmergencyCard` for emergencies, and citations from the index.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assistant.config import Settings
from assistant.prompts import Prompts
from assistant.safety_locale import contacts_for
from assistant.skill import SkillContext
from assistant.state import DialogueState
from assistant.types import (
    Citation,
    Escalated,
    Event,
    QuickReply,
    SkillReply,
    SlotSet,
    UserMessage,
)
from skills.triage.answers import parse_age, parse_answer, parse_sex
from skills.triage.assess import Assessment
from skills.triage.engine import TriageEngine
from skills.triage.language import looks_english
from skills.triage.questions import MAX_QUESTIONS, Question

MAX_EMERGENCY_QUESTIONS = 3  # red-flag questions before an emergency that rests on probability

NAME = "triage"
MAX_REPHRASE = 2
MAX_UNCLEAR = 2


def _slot(name: str, value: Any) -> SlotSet:
    return SlotSet(name=f"{NAME}.{name}", value=value)


class TriageSkill:
    """Symptom triage with follow-up questions (see the module docstring)."""

    name = NAME
    priority = 20

    def __init__(self, settings: Settings, engine: TriageEngine | None = None) -> None:
        self.settings = settings
        self.engine = engine or TriageEngine()

    def warm_up(self) -> None:
        self.engine.warm_up()

    def score(self, msg: UserMessage, state: DialogueState) -> float:
        nlu = msg.analysis
        if msg.image is not None:
            return 0.0  # a photo is for the image check, even in the middle of questions
        if state.active_skill == NAME:
            other = max(nlu.score("workout"), nlu.score("image"), nlu.score("reset"))
            return 0.3 if other >= 0.6 else 0.95
        symptom = nlu.score("symptom")
        if self.engine.loaded and self.engine.assessor.matcher.present(msg.text):
            symptom = max(symptom, 0.7)  # names a symptom of our lexicon ("snotty nose")
        if nlu.score("question") > 0 and symptom < 0.75:
            return symptom * 0.5  # "what are the symptoms of flu?" is for the knowledge skill
        return symptom

    # ------------------------------------------------------------------ turns

    def run(self, msg: UserMessage, state: DialogueState, ctx: SkillContext) -> SkillReply:
        slots = state.slots_for(NAME) if state.active_skill == NAME else {}
        if "complaint" not in slots:
            return self._first(msg, slots, ctx)
        return self._follow_up(msg, slots, ctx)

    def _first(self, msg: UserMessage, slots: Mapping[str, Any], ctx: SkillContext) -> SkillReply:
        p = ctx.prompts
        attempts = int(slots.get("rephrase", 0)) + 1
        if not looks_english(msg.text):
            return self._rephrase(p, "triage.other_language", attempts)
        ents = msg.analysis.entities
        age, sex = ents.age, ents.sex
        a = self.engine.assess(msg.text, age, sex)
        if not self._understood(a):
            key = "triage.too_little" if len(msg.text.split()) < 4 else "triage.rephrase"
            return self._rephrase(p, key, attempts)
        events: list[Event] = [
            _slot("complaint", msg.text),
            _slot("age", age),
            _slot("sex", sex),
            _slot("answers", {}),
            _slot("asked", []),
        ]
        question = self._next_question(a, age, sex, [])
        if question is None:
            return self._result(a, msg, ctx, events)
        intro = p.render("triage.intro_question")
        return self._ask(question, [], p, events, intro)

    def _follow_up(
        self, msg: UserMessage, slots: Mapping[str, Any], ctx: SkillContext
    ) -> SkillReply:
        p = ctx.prompts
        complaint = str(slots["complaint"])
        age, sex = slots.get("age"), slots.get("sex")
        answers: dict[str, bool] = dict(slots.get("answers") or {})
        asked: list[str] = list(slots.get("asked") or [])
        pending = str(slots.get("pending", ""))
        events: list[Event] = []
        notes: list[str] = []
        answer = parse_answer(msg.text)
        stop = answer == "stop"
        understood = stop or answer == "unsure"
        if pending == "age" and not stop:
            parsed = parse_age(msg.text)
            if parsed is not None:
                age, understood = parsed, True
                events.append(_slot("age", age))
        elif pending == "sex" and not stop:
            parsed_sex = parse_sex(msg.text)
            if parsed_sex is not None:
                sex, understood = parsed_sex, True
                events.append(_slot("sex", sex))
        elif pending and answer in ("yes", "no"):
            understood = True
            notes += self._record(pending, answer == "yes", answers, p)
        matcher = self.engine.assessor.matcher
        mentioned = matcher.present(msg.text)
        denied = matcher.negated(msg.text)
        if (mentioned or denied) and answer not in ("yes", "no"):
            understood = True
            complaint = f"{complaint}. {msg.text}"
            events.append(_slot("complaint", complaint))
            for sid in mentioned:
                notes += self._record(sid, True, answers, p)
            for sid in denied:
                notes += self._record(sid, False, answers, p)
        if not understood:
            unclear = int(slots.get("unclear", 0)) + 1
            if unclear <= MAX_UNCLEAR:
                key = "triage.unclear_age" if pending == "age" else "triage.unclear_answer"
                again = Question(
                    "symptom" if pending not in ("age", "sex") else pending, pending or None
                )
                return self._ask(
                    again, asked, p, [_slot("unclear", unclear)], p.render(key), count=False
                )
        events += [_slot("answers", answers), _slot("unclear", 0)]
        a = self.engine.assess(complaint, age, sex, answers)
        question = (
            None
            if stop or len(asked) >= MAX_QUESTIONS
            else self._next_question(a, age, sex, asked)
        )
        if question is None:
            return self._result(a, msg, ctx, events, notes)
        return self._ask(question, asked, p, events, " ".join(notes))

    def _next_question(
        self, a: Assessment, age: int | None, sex: str | None, asked: list[str]
    ) -> Question | None:
        """The next question, if one is worth asking. A shown emergency is never kept waiting;
        one that rests on probability alone gets only red-flag questions, three at most."""
        if a.level != "emergency":
            return self.engine.question(a, age, sex, asked)
        if a.emergency_shown or len(asked) >= MAX_EMERGENCY_QUESTIONS:
            return None
        question = self.engine.question(a, age, sex, asked)
        return question if question is not None and question.kind == "red_flag" else None

    @staticmethod
    def _record(sid: str, value: bool, answers: dict[str, bool], p: Prompts) -> list[str]:
        notes = []
        before = answers.get(sid)
        if before is not None and before != value:
            words = {True: "yes", False: "no"}
            notes.append(
                p.render(
                    "triage.contradiction",
                    before=words[before],
                    now=words[value],
                    symptom=sid.replace("_", " "),
                )
            )
        answers[sid] = value
        return notes

    @staticmethod
    def _understood(a: Assessment) -> bool:
        """Something to go on: a known symptom, or a model that is fairly sure of its answer."""
        top = a.differential[0][1] if a.differential else 0.0
        return bool(a.present) or (top >= 0.5 and a.confidence >= 0.6)

    def _rephrase(self, p: Prompts, key: str, attempts: int) -> SkillReply:
        done = attempts > MAX_REPHRASE
        return SkillReply(p.render(key), events=(_slot("rephrase", attempts),), done=done)

    # ------------------------------------------------------------------ questions

    def _ask(
        self,
        q: Question,
        asked: list[str],
        p: Prompts,
        events: list[Event],
        lead: str = "",
        count: bool = True,
    ) -> SkillReply:
        key = q.symptom if q.kind in ("symptom", "red_flag") else q.kind
        assert key is not None
        if q.kind == "age":
            text = p.render("triage.ask_age")
            quick: tuple[QuickReply, ...] = (
                QuickReply(p.render("triage.answer_buttons.unsure"), "not sure"),
            )
        elif q.kind == "sex":
            text = p.render("triage.ask_sex")
            quick = tuple(
                QuickReply(p.render(f"triage.sex_buttons.{s}"), s) for s in ("female", "male")
            )
        else:
            text = (
                p.render(f"triage_questions.questions.{key}")
                if p.has(f"triage_questions.questions.{key}")
                else self.engine.kb.symptoms[key].name + "?"
            )
            quick = tuple(
                QuickReply(p.render(f"triage.answer_buttons.{k}"), v)
                for k, v in (
                    ("yes", "yes"),
                    ("no", "no"),
                    ("unsure", "not sure"),
                    ("stop", "just tell me"),
                )
            )
        prefix = (
            p.render("triage.ask_symptom_prefix", n=len(asked) + 1, total=MAX_QUESTIONS)
            if count
            else ""
        )
        body = " ".join(part for part in (lead, prefix, text) if part)
        extra = [_slot("pending", key)]
        if count:
            extra.append(_slot("asked", [*asked, key]))
        return SkillReply(body, quick_replies=quick, events=(*events, *extra), done=False)

    # ------------------------------------------------------------------ result

    def _result(
        self,
        a: Assessment,
        msg: UserMessage,
        ctx: SkillContext,
        events: list[Event],
        notes: list[str] | None = None,
    ) -> SkillReply:
        from skills.triage.card import build_card, emergency_card

        p = ctx.prompts
        contacts = contacts_for(msg.locale)
        card = build_card(a, p, self.engine.kb, contacts.number)
        cards: tuple[Any, ...] = (card,)
        out_events = list(events)
        if a.level == "emergency":
            cards = (emergency_card(p, contacts), card)
            out_events.append(
                Escalated(
                    kind="medical",
                    rule=f"triage:{a.differential[0][0].id if a.differential else 'level'}",
                )
            )
        causes = ", ".join(c.name for c in card.causes)
        text = " ".join(
            part
            for part in (
                " ".join(notes or ()),
                p.render("triage.result_intro"),
                card.headline,
                f"{p.render('triage.causes_intro')} {causes}." if causes else "",
            )
            if part
        )
        return SkillReply(
            text,
            cards=cards,
            citations=self._citations(a, ctx),
            events=tuple(out_events),
            done=True,
        )

    @staticmethod
    def _citations(a: Assessment, ctx: SkillContext) -> tuple[Citation, ...]:
        if ctx.retriever is None or not a.differential:
            return ()
        try:
            passages = ctx.retriever.search(a.differential[0][0].name, k=2, topic=None)
        except Exception:
            ctx.logger.exception("triage: citation search failed")
            return ()
        return tuple(dict.fromkeys(p.to_citation() for p in passages))
