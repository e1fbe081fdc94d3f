"""The workout dialogue through the manager: questions, corrections, the plan, swaps, feedback."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from assistant.config import Settings
from assistant.nlu import analyse
from assistant.registry import load_skill
from assistant.runtime import Runtime
from assistant.skill import SkillContext
from assistant.state import DialogueState
from assistant.testing import FakeRetriever, runtime_for_tests
from assistant.types import Passage, Reply, UserMessage
from skills.workout.plan import Plan
from skills.workout.profile import Profile
from skills.workout.skill import WorkoutSkill
from skills.workout.validate import validate


@dataclass
class Chat:
    runtime: Runtime
    session: str
    replies: list[Reply] = field(default_factory=list)

    def say(self, text: str) -> Reply:
        msg = self.runtime.user_message(self.session, text)
        reply = asyncio.run(self.runtime.manager.handle(msg))[0]
        self.replies.append(reply)
        return reply

    @property
    def state(self) -> DialogueState:
        return asyncio.run(self.runtime.manager.state(self.session))

    def plan(self) -> Plan:
        skill = self.runtime.skill("workout")
        assert isinstance(skill, WorkoutSkill)
        state = self.state
        return skill.service.plan(Profile.from_state(state.profile), state.feedback)


@pytest.fixture
def chat(workout_settings: Settings) -> Iterator[Chat]:
    runtime = runtime_for_tests(workout_settings, [load_skill("workout", workout_settings)])
    runtime.warm_up()
    yield Chat(runtime, runtime.manager.new_session())
    runtime.close()


def _exercise_names(reply: Reply) -> set[str]:
    card = reply.cards[0].to_dict()
    return {row["Exercise"] for day in card["days"] for row in day["exercises"]}


def test_first_message_fills_the_profile_and_asks_only_what_is_missing(chat: Chat) -> None:
    reply = chat.say(
        "I want to get stronger, I have dumbbells and a bench, three days a week, my knee hurts on stairs"
    )
    assert reply.skill == "workout" and not reply.cards
    profile = chat.state.profile
    assert profile["goal"] == "strength" and profile["days_per_week"] == 3
    assert profile["equipment"] == ["dumbbell", "bench"] and profile["conditions"] == ["knee"]
    assert "how long" in reply.text.lower()
    assert [q.label for q in reply.quick_replies] == ["20 min", "30 min", "45 min", "60 min"]
    reply = chat.say(reply.quick_replies[2].value)
    assert "experience" in reply.text.lower() and len(reply.quick_replies) == 3
    reply = chat.say("some experience")
    assert reply.cards and reply.cards[0].type == "plan"
    card = reply.cards[0].to_dict()
    assert len(card["days"]) == 3 and card["exports"][0].endswith("/workout-plan.md")
    assert chat.state.active_skill == "workout"  # follow-ups still reach the skill
    plan = chat.plan()
    assert validate(plan, plan.profile) == []
    assert all(s.minutes <= 45 for w in plan.weeks for s in w.sessions)


def test_from_make_me_a_plan_to_a_shown_plan(chat: Chat) -> None:
    answers = [
        "make me a workout plan",
        "build muscle",
        "4",
        "an hour",
        "no equipment",
        "none",
        "new to training",
    ]
    replies = [chat.say(text) for text in answers]
    assert all(r.skill == "workout" for r in replies)
    assert all(not r.cards for r in replies[:-1]) and replies[-1].cards
    asked = [r.text for r in replies[:-1]]
    assert "goal" in asked[0] and "days" in asked[1] and "how long" in asked[2].lower()
    assert "equipment" in asked[3] and "injuries" in asked[4] and "experience" in asked[5]
    assert "Upper body" in replies[-1].text


def test_corrections_rebuild_the_plan(chat: Chat) -> None:
    for text in (
        "plan my workouts: build muscle, 3 days a week, 45 minutes, dumbbells",
        "no injuries",
        "beginner",
    ):
        reply = chat.say(text)
    assert reply.cards
    reply = chat.say("make it 4 days")
    assert reply.cards and len(reply.cards[0].to_dict()["days"]) == 4
    assert chat.state.profile["days_per_week"] == 4
    reply = chat.say("I bought a barbell")
    assert "barbell" in chat.state.profile["equipment"]
    reply = chat.say("actually my knee hurts")
    assert chat.state.profile["conditions"] == ["knee"]
    assert "Goblet squat" not in _exercise_names(reply)


def test_swaps_and_feedback(chat: Chat) -> None:
    chat.say("build muscle, 3 days a week, 60 minutes, dumbbells and a bench, no injuries")
    reply = chat.say("some experience")
    assert "Goblet squat" in _exercise_names(reply)
    reply = chat.say("swap the goblet squat")
    assert "Swapped Goblet squat for" in reply.text and reply.cards
    assert "Goblet squat" not in _exercise_names(reply)
    state = chat.state
    new = state.profile["swaps"]["goblet_squat"]
    assert chat.runtime.skill("workout").service.catalogue[new].pattern in ("squat", "lunge")  # type: ignore[attr-defined]
    assert ("goblet_squat", "skipped") in state.feedback
    reply = chat.say("something easier")  # the exercise just swapped in
    assert state.slots.get("workout.last") == new
    assert ("too_hard" in {v for _, v in chat.state.feedback}) or "already" in reply.text
    reply = chat.say("I hate push-ups")
    assert "push_up" in chat.state.profile["dislikes"]
    assert ("push_up", "disliked") in chat.state.feedback
    reply = chat.say("I did monday's workout")
    assert "Monday" in reply.text
    done = [t for t, v in chat.state.feedback if v == "done"]
    assert done and set(done) <= {p.exercise.id for p in chat.plan().weeks[0].sessions[0].exercises}
    store = chat.runtime.skill("workout").service.feedback  # type: ignore[attr-defined]
    assert store.count() == len(chat.state.feedback)
    reply = chat.say("looks good")
    assert chat.state.active_skill is None and "Enjoy" in reply.text
    assert chat.state.profile["swaps"]  # the profile survives the skill ending


def test_swap_without_a_name_asks_which(chat: Chat) -> None:
    chat.say("get fit, 2 days a week, 30 minutes, no equipment, no injuries, beginner")
    reply = chat.say("swap an exercise")
    assert "Which exercise" in reply.text and reply.quick_replies
    reply = chat.say(reply.quick_replies[0].value)
    assert reply.text.startswith(("Swapped", "I couldn't find another"))


def test_bad_values_are_explained(chat: Chat) -> None:
    reply = chat.say("I want a workout plan for 9 days a week")
    assert "1 to 7 days" in reply.text
    assert "days_per_week" not in chat.state.profile


@pytest.mark.parametrize(
    ("text", "low"),
    [
        ("how much protein should I eat", True),
        ("my knee hurts when I run", True),
        ("I have a headache and a fever", True),
        ("what is the capital of France?", True),
        ("how many sets should I do to build muscle?", True),
        ("is running bad for my knees?", True),
        ("make me a plan to build muscle", False),
        ("can you make me a workout plan?", False),
        ("could you help me get stronger? I have dumbbells", False),
        ("I want to lose weight, I can train 3 days a week at the gym", False),
    ],
)
def test_score(workout_settings: Settings, text: str, low: bool) -> None:
    skill = WorkoutSkill(workout_settings)
    msg = UserMessage(session_id="s" * 16, text=text, nlu=analyse(text))
    score = skill.score(msg, DialogueState(session_id="s" * 16))
    assert (score < 0.35) if low else (score >= 0.8), score


def test_follow_ups_score_high_while_active(workout_settings: Settings) -> None:
    skill = WorkoutSkill(workout_settings)
    state = DialogueState(session_id="s" * 16, active_skill="workout",
                          slots={"workout.asking": "conditions"})  # fmt: skip
    for text in ("none", "swap the squats", "make it 4 days", "no injuries"):
        msg = UserMessage(session_id="s" * 16, text=text, nlu=analyse(text))
        assert skill.score(msg, state) >= 0.9, text


def test_citations_only_above_the_dense_score(workout_settings: Settings) -> None:
    passages = [
        Passage(
            "who-1",
            "who",
            "WHO physical activity guidelines",
            "Adults should do 150 minutes of moderate aerobic activity per week",
            metadata={"dense_score": 0.71, "url": "https://www.who.int/"},
        ),
        Passage(
            "weak-1",
            "weak",
            "Unrelated blog",
            "progressive overload resistance training sets",
            metadata={"dense_score": 0.2},
        ),
    ]
    skill = WorkoutSkill(workout_settings)
    skill.warm_up()
    runtime = runtime_for_tests(workout_settings, [skill])
    ctx = SkillContext(settings=workout_settings, prompts=runtime.prompts,
                       retriever=FakeRetriever(passages))  # fmt: skip
    profile = Profile(goal="general_health", experience="beginner", days_per_week=3,
                      minutes_per_session=45, equipment=(), conditions=())  # fmt: skip
    state = DialogueState(session_id="s" * 16, profile=profile.to_dict())
    reply = skill.run(
        UserMessage(session_id="s" * 16, text="show my plan", nlu=analyse("show my plan")),
        state,
        ctx,
    )
    assert reply.cards and [c.title for c in reply.citations] == [
        "WHO physical activity guidelines"
    ]
    runtime.close()


@pytest.mark.parametrize(
    "text",
    [
        "squat " * 600,
        "💪🏋️‍♀️ " * 100,
        "'; DROP TABLE feedback; -- swap the squats",
        "<script>alert(1)</script> make me a workout plan",
        "\u202e\u0000 I hate everything \ufeff",
        "did did did did did did workout " * 80,
    ],
)
def test_hostile_input_gets_a_real_answer(chat: Chat, text: str) -> None:
    chat.say("build muscle, 3 days a week, 45 minutes, dumbbells, no injuries, beginner")
    reply = chat.say(text[:3900])
    failed = chat.runtime.prompts.render("system.skill_failed")
    assert reply.text and reply.text != failed


def test_show_my_plan_shows_the_card_again(chat: Chat) -> None:
    first = chat.say(
        "general health, 3 days a week, 45 minutes, no equipment, no injuries, beginner"
    )
    assert first.cards
    again = chat.say("thanks, show me the plan again")
    assert again.cards and again.cards[0].to_dict()["days"] == first.cards[0].to_dict()["days"]
    assert "updated" not in again.text
