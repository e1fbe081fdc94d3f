"""The workout planning skill: fill the profile through conversation, show a checked plan, adapt it.

A turn goes: read follow-up commands about the plan (swap, easier, feedback...) and profile facts
in the message -> store changes (``ProfileUpdated``, ``FeedbackGiven``) -> ask the next missing
question, one at a time with quick replies -> or build, validate and show the plan (a
``PlanCard``). After a plan is shown the skill stays active, so "swap the squats", "make it 4
days" or "I bought a barbell" reach it; "looks good" ends it.

Decisions:
    * The plan is never stored: it is rebuilt from the profile and the session's feedback, which
      the planner turns into the same plan every time. Swaps live in the profile (``swaps``),
      so they survive the skill ending and the conversation resuming.
    * ``score`` is high for plan requests, for messages that carry profile facts together with a
      training intent, and for follow-ups while active; low for symptom reports and general
      questions ("how much protein should I eat" belongs to the knowledge skill).
"""

from __future__ import annotations

import re
from typing import Any

from assistant.config import Settings
from assistant.nlu import normalise
from assistant.skill import SkillContext
from assistant.state import DialogueState
from assistant.types import SkillReply, UserMessage
from skills.workout.commands import read_command
from skills.workout.dialogue import Turn
from skills.workout.profile import ASK_ORDER, Profile
from skills.workout.profile_text import mentions_profile, read_profile
from skills.workout.service import WorkoutService

PLAN_REQUEST = re.compile(
    r"\b(workout|training|exercise|gym|fitness|lifting|strength|running|weekly) ?(plan|program(me)?|routine|schedule|split)s?\b"
    r"|\bplan (my|a|me a|some|out my) (workouts?|training|week|exercise|sessions?)\b"
    r"|\b(make|build|create|give|write|design|need|want) (me )?an? (new )?(plan|program(me)?|routine)\b"
    r"|\bhelp me (train|work out|get (fit|stronger|in shape))\b|\bplan my workouts\b"
)
# A question about training ("how many sets build muscle?") is the knowledge skill's; a request
# phrased as a question ("can you make me a plan?") is not a question in this sense.
_QUESTION = re.compile(
    r"^(what|why|how|when|which|who|is|are|does|do|did|should|would it|will)\b|^(?!(can|could|would|will) you\b).*\?\s*$"
)


class WorkoutSkill:
    """Weekly training plans that fit a person's goal, time, equipment and conditions."""

    name = "workout"
    priority = 5

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.service = WorkoutService(settings)

    def warm_up(self) -> None:
        self.service.warm_up()

    # ------------------------------------------------------------------ routing

    def score(self, msg: UserMessage, state: DialogueState) -> float:
        clean = normalise(msg.text)
        nlu = msg.analysis
        workout = nlu.score("workout")
        facts = mentions_profile(msg.text)
        symptom = nlu.score("symptom")
        if state.active_skill == self.name:
            asking = state.slots_for(self.name).get("asking")
            expecting = asking if asking in ASK_ORDER else None
            profile = Profile.from_state(state.profile)
            answers = read_profile(msg.text, profile, None, expecting)
            if PLAN_REQUEST.search(clean) or facts or answers or self._is_follow_up(clean, state):
                return 0.95
            if symptom >= 0.6 or (_QUESTION.search(clean) and len(clean.split()) > 3):
                return 0.3
            return 0.6  # short answers ("none", "you decide") belong to the open question
        if PLAN_REQUEST.search(clean):
            return 0.92
        score = 0.0
        if workout >= 0.5:
            score = min(0.95, workout + (0.3 if facts else 0.1))
        elif facts and workout > 0:
            score = 0.6
        if facts:  # several training facts at once ("3 days a week, 45 minutes, dumbbells")
            known = read_profile(msg.text, Profile(), None, None)
            named = len(set(known) & {"goal", "days_per_week", "minutes_per_session", "equipment"})
            score = max(score, 0.85 if named >= 2 else 0.0)
        if state.profile.get("goal") and self._is_follow_up(clean, state):
            score = max(score, 0.75)
        if _QUESTION.search(clean):
            score = min(score, 0.3)
        if symptom >= 0.6 and workout < 0.5:
            score = min(score, 0.2)
        return score

    def _is_follow_up(self, clean: str, state: DialogueState) -> bool:
        try:
            catalogue = self.service.catalogue
        except Exception:
            return False
        cmd = read_command(clean, (), catalogue)
        if cmd is None:
            return False
        slots = state.slots_for(self.name)
        return cmd.kind not in ("accept", "show", "export") or bool(slots.get("shown"))

    # ------------------------------------------------------------------ turns

    def run(self, msg: UserMessage, state: DialogueState, ctx: SkillContext) -> SkillReply:
        return Turn(self.service, msg, state, ctx).reply()

    # ------------------------------------------------------------------ the session's own data
    # (assistant.skill.SessionData: the feedback rows kept for the cross-user model)

    def export_session(self, session_id: str) -> dict[str, Any]:
        store = self.service.stored_feedback()
        rows = store.for_user(session_id) if store is not None else []
        return {"feedback": rows} if rows else {}

    def erase_session(self, session_id: str) -> int:
        store = self.service.stored_feedback()
        return store.delete_user(session_id) if store is not None else 0

    def purge_expired(self, older_than: float) -> int:
        store = self.service.stored_feedback()
        return store.purge_older(older_than) if store is not None else 0
