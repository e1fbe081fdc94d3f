"""One turn of the workout dialogue: commands, profile facts, questions, the plan card.

A turn goes: read follow-up commands about the plan (swap, easier, feedback...) and profile facts
in the message -> store changes (``ProfileUpdated``, ``FeedbackGiven``, slots) -> ask the next
missing question, one at a time with quick replies -> or build, validate and show the plan.

Decisions:
    * Exercise names in a command ("box squat", "bench press") are never read as equipment or
      injuries.
    * The card is sent when the plan changed, on request ("show my plan"), or the first time;
      feedback that changes nothing visible gets a short acknowledgement only.
    * Citations (1-2) come from the index only when a passage's ``dense_score`` reaches
      ``workout_citation_min_score``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from assistant.nlu import normalise
from assistant.prompts import Prompts
from assistant.skill import SkillContext
from assistant.state import DialogueState
from assistant.types import (
    Citation,
    Event,
    FeedbackGiven,
    ProfileUpdated,
    QuickReply,
    SkillReply,
    SlotSet,
    UserMessage,
)
from skills.workout.card import label, plan_card, plan_text, signature
from skills.workout.commands import Command, read_command
from skills.workout.plan import Plan
from skills.workout.profile import ASK_ORDER, Profile
from skills.workout.profile_text import read_profile
from skills.workout.recommender import alternatives, easier, harder
from skills.workout.service import PlanInvalid, WorkoutService
from skills.workout.sessions import INTERVAL_MOVES
from skills.workout.split import WEEKDAYS

CITATION_QUERIES = (
    "WHO physical activity guidelines adults 150 minutes moderate aerobic activity per week",
    "progressive overload resistance training sets repetitions progression",
)


class Turn:
    """One turn of the workout dialogue; ``reply()`` answers it."""

    def __init__(
        self, service: WorkoutService, msg: UserMessage, state: DialogueState, ctx: SkillContext
    ) -> None:
        self.svc = service
        self.msg, self.state, self.ctx = msg, state, ctx
        self.p: Prompts = ctx.prompts
        self.slots = state.slots_for("workout")
        self.profile = Profile.from_state(state.profile)
        self.feedback: list[tuple[str, str]] = [*state.feedback]
        self.new_feedback: list[tuple[str, str]] = []
        self.changes: dict[str, Any] = {}
        self.lines: list[str] = []
        self.events: list[Event] = []
        self.last: str | None = self.slots.get("last")
        self.show = False  # "show my plan": the card again even if nothing changed

    # ------------------------------------------------------------------ helpers

    def _plan(self) -> Plan | None:
        if not self.profile.complete:
            return None
        try:
            return self.svc.plan(self.profile, self.feedback)
        except PlanInvalid:
            return None

    def _update(self, **changes: Any) -> None:
        self.changes.update(changes)
        self.profile = Profile.from_state({**self.profile.to_dict(), **_plain(changes)})

    def _give(self, target: str, value: str) -> None:
        self.new_feedback.append((target, value))
        self.feedback.append((target, value))

    def _name(self, exercise_id: str) -> str:
        ex = self.svc.catalogue.get(exercise_id)
        return ex.name if ex else exercise_id.replace("_", " ")

    # ------------------------------------------------------------------ the turn

    def reply(self) -> SkillReply:
        clean = normalise(self.msg.text)
        before = self._plan()
        plan_ids = _plan_exercises(before)
        asking = self.slots.get("asking")
        weekdays = [s.weekday for s in before.weeks[0].sessions] if before else []
        cmd = read_command(clean, plan_ids, self.svc.catalogue, weekdays, dt.date.today().weekday())
        if asking in ("swap", "easier", "harder") and (cmd is None or not cmd.targets):
            targets = tuple(e.id for e in self.svc.catalogue.find(clean, plan_ids))
            cmd = Command(asking, targets) if targets else cmd
        expecting = asking if asking in ASK_ORDER else None
        if cmd is not None and cmd.kind == "ask":
            expecting = None
        facts = read_profile(self.msg.text, self.profile, None, expecting)
        invalid = facts.pop("invalid", {})
        if cmd is not None and cmd.kind in ("swap", "easier", "harder", "feedback"):
            # exercise names ("box squat", "bench press") are not equipment or injuries
            facts.pop("equipment", None)
            facts.pop("conditions", None)
        if facts:
            self._update(**facts)
            self.lines.append(self._understood(facts))
        elif expecting and cmd is None and not invalid:
            self.lines.append(self.p.render("workout.ask_again"))
        for key in invalid:
            which = "days" if key == "days_per_week" else "minutes"
            self.lines.append(self.p.render(f"workout.invalid_{which}"))
        if cmd is not None:
            done = self._command(cmd, before, plan_ids)
            if done is not None:
                return done
        return self._next(before)

    def _understood(self, facts: Mapping[str, Any]) -> str:
        parts = []
        for key, value in facts.items():
            text = self._fact(key, value)
            if text:
                parts.append(text)
        return self.p.render("workout.understood", facts="; ".join(parts)) if parts else ""

    def _fact(self, key: str, value: Any) -> str:
        p = self.p
        if key == "goal":
            return p.render("workout.fact_goal", value=label(p, "goals", value))
        if key == "days_per_week":
            return p.render("workout.fact_days", value=value)
        if key == "minutes_per_session":
            return p.render("workout.fact_minutes", value=value)
        if key == "equipment":
            items = ", ".join(label(p, "equipment", e) for e in value)
            return p.render("workout.fact_equipment", value=items)
        if key == "conditions":
            items = ", ".join(label(p, "conditions", c) for c in value)
            return p.render("workout.fact_conditions", value=items)
        if key == "experience":
            return p.render("workout.fact_experience", value=label(p, "levels", value))
        return ""

    # ------------------------------------------------------------------ commands

    def _command(self, cmd: Command, before: Plan | None, plan_ids: list[Any]) -> SkillReply | None:
        p = self.p
        if cmd.kind == "ask" and cmd.field:
            return self._ask(cmd.field)
        if cmd.kind == "accept" and self.slots.get("shown") and not self.changes:
            return self._finish(p.render("workout.bye"), done=True)
        if cmd.kind == "show":
            self.show = True
            return None
        if cmd.kind == "export" and before is not None:
            return self._finish(p.render("workout.exports"), quick=self._plan_quick())
        if cmd.kind == "feedback" and cmd.value:
            self._feedback(cmd)
            return None
        if cmd.kind == "day_done" and before is not None:
            day = cmd.weekday if cmd.weekday is not None else before.weeks[0].sessions[0].weekday
            session = next((s for s in before.weeks[0].sessions if s.weekday == day), None)
            if session is not None:
                for item in session.exercises:
                    self._give(item.exercise.id, "done")
                self.lines.append(p.render("workout.day_done", day=WEEKDAYS[day]))
            return None
        if cmd.kind in ("swap", "easier", "harder") and before is not None:
            return self._swap(cmd, plan_ids)
        return None

    def _feedback(self, cmd: Command) -> None:
        assert cmd.value is not None
        names = ", ".join(self._name(t) for t in cmd.targets)
        for target in cmd.targets:
            self._give(target, cmd.value)
        if cmd.value == "disliked":
            dislikes = tuple(dict.fromkeys((*self.profile.dislikes, *cmd.targets)))
            likes = tuple(i for i in self.profile.likes if i not in cmd.targets)
            self._update(dislikes=dislikes, likes=likes)
            self.lines.append(self.p.render("workout.disliked_done", names=names))
        elif cmd.value == "liked":
            likes = tuple(dict.fromkeys((*self.profile.likes, *cmd.targets)))
            dislikes = tuple(i for i in self.profile.dislikes if i not in cmd.targets)
            self._update(likes=likes, dislikes=dislikes)
            self.lines.append(self.p.render("workout.liked_done", names=names))
        else:
            value = label(self.p, "feedback", cmd.value)
            items = ", ".join(
                self.p.render("workout.feedback_item", name=self._name(t), value=value)
                for t in cmd.targets
            )
            self.lines.append(self.p.render("workout.feedback_done", items=items))
        self.last = cmd.targets[0] if cmd.targets else self.last

    def _swap(self, cmd: Command, plan_ids: list[Any]) -> SkillReply | None:
        p = self.p
        in_plan = {e.id for e in plan_ids}
        targets = [t for t in cmd.targets if t in in_plan]
        if not targets and not cmd.targets and self.last in in_plan:
            targets = [self.last] if self.last else []
        if not targets:
            if cmd.targets:
                self.lines.append(p.render("workout.not_in_plan"))
            return self._ask_which(cmd.kind, plan_ids)
        catalogue = self.svc.catalogue
        swaps = dict(self.profile.swaps)
        for target in targets:
            current = catalogue[target]
            scores = self.svc.recommender.for_user(self.profile, self.feedback)
            taken = in_plan | set(swaps)
            if cmd.kind == "easier":
                options = easier(current, scores, catalogue)
            elif cmd.kind == "harder":
                options = harder(current, scores, catalogue)
            else:
                options = alternatives(current, scores, catalogue, exclude=taken)
            options = [o for o in options if o.id not in taken and o.id not in self.profile.avoided]
            if current.kind == "cardio":  # a steady activity for a steady block
                options = [o for o in options if not INTERVAL_MOVES.search(o.id)] or options
            value = {"swap": "skipped", "easier": "too_hard", "harder": "too_easy"}[cmd.kind]
            self._give(target, value)
            if not options:
                self.lines.append(p.render(f"workout.{cmd.kind}_none", old=current.name))
                continue
            new = options[0]
            # chains collapse: if A was swapped for B and B is now swapped for C, A -> C
            swaps = {k: (new.id if v == target else v) for k, v in swaps.items()}
            swaps[target] = new.id
            self.lines.append(p.render(f"workout.{cmd.kind}_done", old=current.name, new=new.name))
            self.last = new.id
        if swaps != dict(self.profile.swaps):
            self._update(swaps=swaps)
        return None

    # ------------------------------------------------------------------ replies

    def _next(self, before: Plan | None) -> SkillReply:
        missing = self.profile.missing()
        if missing:
            return self._ask(missing[0])
        try:
            plan = self.svc.plan(self.profile, self.feedback)
        except PlanInvalid as exc:
            # the profile holds health details the user typed: only at debug level (SECURITY.md)
            self.ctx.logger.error("workout: no valid plan: %s", exc)
            self.ctx.logger.debug(
                "workout: the profile without a valid plan: %s", self.profile.to_dict()
            )
            return self._finish(self.p.render("workout.plan_invalid"), done=True)
        updated = before is not None and signature(plan) != signature(before)
        changed = self.show or updated or before is None or not self.slots.get("shown")
        self.events.append(SlotSet(name="workout.shown", value=True))
        if not changed:
            text = " ".join(line for line in self.lines if line) or self.p.render(
                "workout.plan_followup"
            )
            return self._finish(text, quick=self._plan_quick())
        base = f"/api/v1/sessions/{self.msg.session_id}/workout-plan"
        card = plan_card(plan, self.p, base)
        body = plan_text(plan, self.p, updated=updated and bool(self.slots.get("shown")))
        text = "\n\n".join([*(line for line in self.lines if line), body])
        return self._finish(
            text, cards=(card,), citations=self._cite(plan), quick=self._plan_quick()
        )

    def _ask(self, field: str) -> SkillReply:
        p = self.p
        self.events.append(SlotSet(name="workout.asking", value=field))
        intro = (
            p.render("workout.start")
            if not self.state.slots_for("workout") and not self.lines
            else ""
        )
        question = p.render(f"workout.ask_{field}")
        text = " ".join(t for t in (*self.lines, intro, question) if t)
        pairs = p.data(f"workout.quick_{field}")
        quick = tuple(QuickReply(label=str(a), value=str(b)) for a, b in pairs)
        return self._finish(text, quick=quick, keep_asking=True)

    def _ask_which(self, kind: str, plan_ids: list[Any]) -> SkillReply:
        self.events.append(SlotSet(name="workout.asking", value=kind))
        names = list(dict.fromkeys(e.name for e in plan_ids))[:8]
        quick = tuple(QuickReply(label=n, value=n) for n in names)
        text = " ".join(
            [*(line for line in self.lines if line), self.p.render(f"workout.{kind}_which")]
        )
        return self._finish(text, quick=quick, keep_asking=True)

    def _plan_quick(self) -> tuple[QuickReply, ...]:
        return tuple(
            QuickReply(label=str(a), value=str(b)) for a, b in self.p.data("workout.quick_plan")
        )

    def _finish(
        self,
        text: str,
        *,
        cards: tuple[Any, ...] = (),
        citations: tuple[Citation, ...] = (),
        quick: tuple[QuickReply, ...] = (),
        done: bool = False,
        keep_asking: bool = False,
    ) -> SkillReply:
        events: list[Event] = []
        if self.changes:
            events.append(ProfileUpdated(changes=_plain(self.changes)))
        events += [FeedbackGiven(target=t, value=v) for t, v in self.new_feedback]
        if not keep_asking and self.slots.get("asking"):
            events.append(SlotSet(name="workout.asking", value=None))
        if self.last != self.slots.get("last"):
            events.append(SlotSet(name="workout.last", value=self.last))
        events += self.events
        self.svc.record(self.msg.session_id, self.new_feedback)
        return SkillReply(
            text=text,
            cards=cards,
            citations=citations,
            quick_replies=quick,
            events=tuple(events),
            done=done,
        )

    def _cite(self, plan: Plan) -> tuple[Citation, ...]:
        retriever = self.ctx.retriever
        if retriever is None:
            return ()
        floor = self.ctx.settings.workout_citation_min_score
        out: dict[str, Citation] = {}
        for query in CITATION_QUERIES:
            try:
                hits = retriever.search(query, k=3)
            except Exception:  # the plan is worth showing without its citations
                self.ctx.logger.exception("workout: citation search failed")
                return tuple(out.values())
            for hit in hits:
                score = float(hit.metadata.get("dense_score", 0.0))
                if score >= floor and hit.doc_id not in out:
                    out[hit.doc_id] = hit.to_citation()
                    break
        return tuple(out.values())[:2]


def _plan_exercises(plan: Plan | None) -> list[Any]:
    """The exercises and cardio activities a person can ask to swap, in plan order."""
    if plan is None:
        return []
    out = []
    for s in plan.weeks[0].sessions:
        out += [p.exercise for p in s.exercises]
        out += [s.cardio.exercise] if s.cardio else []
    return list(dict.fromkeys(out))


def _plain(changes: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-friendly values for a ``ProfileUpdated`` event (tuples become lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in changes.items()}
