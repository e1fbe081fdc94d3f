"""Turn a plan into what the chat shows: the :class:`PlanCard` and the reply's sentences.

The card shows week 1 (the full four weeks are in the exports and the plan JSON). Each day is
``{"name": "Monday: Upper body (50 min)", "exercises": [...], "Warm-up": ..., "Cardio": ...,
"Cool-down": ...}``; the exercise rows and the extra keys are already labelled from
``prompts/workout.yaml`` (``card_columns``), so every channel can show them as they are — the
terminal as a rich table per day, the web as an HTML table per day.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assistant.prompts import Prompts
from assistant.types import PlanCard
from skills.workout.plan import (
    Plan,
    Prescribed,
    Session,
    Timed,
    focus_label,
    render_note,
)
from skills.workout.split import WEEKDAYS

EXPORT_FORMATS = ("md", "csv", "ics")


def label(prompts: Prompts, group: str, key: str) -> str:
    """A label from one of the label maps of ``prompts/workout.yaml`` (the key if missing)."""
    labels: Mapping[str, str] = prompts.data(f"workout.{group}")
    return labels.get(key, key.replace("_", " "))


def duration(seconds: int, prompts: Prompts) -> str:
    if seconds < 60:
        return prompts.render("workout.seconds", value=seconds)
    return prompts.render("workout.minutes_seconds", minutes=seconds // 60, seconds=seconds % 60)


def reps_text(p: Prescribed, prompts: Prompts) -> str:
    reps = prompts.render("workout.seconds", value=p.reps_high) if p.timed else p.reps
    return prompts.render("workout.per_side", reps=reps) if p.per_side else reps


def _timed(items: tuple[Timed, ...], prompts: Prompts) -> str:
    return ", ".join(
        prompts.render("workout.card_item", name=t.exercise.name, time=duration(t.seconds, prompts))
        for t in items
    )


def day_view(s: Session, prompts: Prompts) -> dict[str, Any]:
    cols: Mapping[str, str] = prompts.data("workout.card_columns")
    name = prompts.render(
        "workout.day_name",
        day=WEEKDAYS[s.weekday],
        focus=focus_label(s.focus, prompts),
        minutes=s.minutes,
    )
    rows = [
        {
            cols["name"]: p.exercise.name,
            cols["sets"]: p.sets,
            cols["reps"]: reps_text(p, prompts),
            cols["rest"]: duration(p.rest_s, prompts),
            cols["effort"]: p.effort,
        }
        for p in s.exercises
    ]
    view: dict[str, Any] = {"name": name, "exercises": rows}
    view[prompts.render("workout.card_warmup")] = _timed(s.warmup, prompts)
    if s.cardio:
        view[prompts.render("workout.card_cardio")] = prompts.render(
            "workout.card_cardio_item",
            name=s.cardio.exercise.name,
            minutes=s.cardio.minutes,
            intensity=label(prompts, "intensity", s.cardio.intensity),
        )
    view[prompts.render("workout.card_cooldown")] = _timed(s.cooldown, prompts)
    return view


def plan_card(plan: Plan, prompts: Prompts, export_base: str | None = None) -> PlanCard:
    """The card for a plan; ``export_base`` (a URL without extension) adds export links."""
    goal = label(prompts, "goals", plan.profile.goal or "general_health")
    days = plan.profile.days
    title = prompts.render("workout.plan_title", goal=goal, days=days)
    cardio, _ = plan.cardio_minutes()
    summary = prompts.render(
        "workout.plan_summary", days=days, minutes=plan.profile.minutes, cardio=cardio
    )
    exports = tuple(f"{export_base}.{fmt}" for fmt in EXPORT_FORMATS) if export_base else ()
    return PlanCard(
        title=title,
        summary=summary,
        days=tuple(day_view(s, prompts) for s in plan.weeks[0].sessions),
        exports=exports,
    )


def plan_text(plan: Plan, prompts: Prompts, updated: bool = False) -> str:
    """The reply text that comes with the card: intro, notes, and what can be asked next."""
    focuses = list(dict.fromkeys(focus_label(s.focus, prompts) for s in plan.weeks[0].sessions))
    intro = prompts.render(
        "workout.plan_intro",
        goal=label(prompts, "goals", plan.profile.goal or "general_health"),
        split=", ".join(focuses),
        days=plan.profile.days,
        minutes=max(s.minutes for s in plan.weeks[0].sessions),
    )
    if updated:
        intro = f"{prompts.render('workout.plan_updated')} {intro}"
    notes = "\n".join(f"- {render_note(n, prompts)}" for n in plan.notes)
    title = prompts.render("workout.plan_notes_title")
    return f"{intro}\n\n{title}\n{notes}\n\n{prompts.render('workout.plan_followup')}"


def signature(plan: Plan) -> tuple[Any, ...]:
    """What the person sees of a plan; equal signatures mean nothing visible changed."""
    return tuple(
        (s.weekday, tuple((p.exercise.id, p.sets, p.reps) for p in s.exercises), s.cardio)
        for s in plan.weeks[0].sessions
    )
