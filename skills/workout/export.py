"""Plan exports: Markdown (a table per session), CSV (one row per item) and iCalendar.

Decisions:
    * Markdown and CSV carry all four weeks; the iCalendar file has one *recurring weekly event*
      per session of the week (``RRULE:FREQ=WEEKLY;COUNT=4``, the length of the block), starting
      on the next such weekday at 18:00 floating local time, with the week-1 prescription and the
      progression note in its description. Calendar apps show it as "every Monday, 4 times".
    * CSV column names are stable machine names (``week, day, exercise_id, sets, reps, ...``);
      headings and labels in Markdown and the calendar come from ``prompts/workout.yaml``.
    * Event UIDs are derived from the plan's content, so re-importing the same plan updates the
      events instead of duplicating them.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from typing import Any

from assistant.prompts import Prompts
from skills.workout.card import duration, label, reps_text
from skills.workout.plan import Plan, Session, focus_label, render_note
from skills.workout.split import WEEKDAYS

CSV_COLUMNS = (
    "week", "deload", "day", "focus", "block", "exercise_id", "exercise", "sets", "reps",
    "per_side", "rest_s", "effort", "seconds", "minutes", "intensity",
)  # fmt: skip


def _md_cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _md_session(s: Session, prompts: Prompts) -> list[str]:
    cols = prompts.data("workout.card_columns")
    head = prompts.render(
        "workout.day_name",
        day=WEEKDAYS[s.weekday],
        focus=focus_label(s.focus, prompts),
        minutes=s.minutes,
    )
    lines = [f"### {head}", ""]
    warm = ", ".join(f"{t.exercise.name} ({duration(t.seconds, prompts)})" for t in s.warmup)
    lines += [f"**{prompts.render('workout.card_warmup')}:** {warm}", ""]
    if s.exercises:
        keys = ("name", "sets", "reps", "rest", "effort")
        lines.append("| " + " | ".join(_md_cell(cols[k]) for k in keys) + " |")
        lines.append("|" + "---|" * len(keys))
        for p in s.exercises:
            row = (
                p.exercise.name,
                p.sets,
                reps_text(p, prompts),
                duration(p.rest_s, prompts),
                p.effort,
            )
            lines.append("| " + " | ".join(_md_cell(v) for v in row) + " |")
        lines.append("")
    if s.cardio:
        cardio = prompts.render(
            "workout.card_cardio_item",
            name=s.cardio.exercise.name,
            minutes=s.cardio.minutes,
            intensity=label(prompts, "intensity", s.cardio.intensity),
        )
        lines += [f"**{prompts.render('workout.card_cardio')}:** {cardio}", ""]
    cool = ", ".join(f"{t.exercise.name} ({duration(t.seconds, prompts)})" for t in s.cooldown)
    lines += [f"**{prompts.render('workout.card_cooldown')}:** {cool}", ""]
    return lines


def to_markdown(plan: Plan, prompts: Prompts) -> str:
    """The whole plan as Markdown: a heading per week, a table per session, then the notes."""
    goal = label(prompts, "goals", plan.profile.goal or "general_health")
    lines = [f"# {prompts.render('workout.export_title', goal=goal)}", ""]
    for week in plan.weeks:
        key = "workout.export_deload" if week.deload else "workout.export_week"
        lines += [f"## {prompts.render(key, week=week.number)}", ""]
        for s in week.sessions:
            lines += _md_session(s, prompts)
    lines += [f"## {prompts.render('workout.export_notes')}", ""]
    lines += [f"- {render_note(n, prompts)}" for n in plan.notes]
    return "\n".join(lines).rstrip() + "\n"


def to_csv(plan: Plan, prompts: Prompts) -> str:
    """One row per warm-up move, exercise, cardio block and cool-down move, all weeks."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for week in plan.weeks:
        for s in week.sessions:
            base = {
                "week": week.number,
                "deload": str(week.deload).lower(),
                "day": WEEKDAYS[s.weekday],
                "focus": focus_label(s.focus, prompts),
            }
            for block, items in (("warmup", s.warmup), ("cooldown", s.cooldown)):
                for t in items:
                    writer.writerow({**base, "block": block, "exercise_id": t.exercise.id,
                                     "exercise": t.exercise.name, "seconds": t.seconds})  # fmt: skip
            for p in s.exercises:
                writer.writerow(
                    {
                        **base,
                        "block": "exercise",
                        "exercise_id": p.exercise.id,
                        "exercise": p.exercise.name,
                        "sets": p.sets,
                        "reps": p.reps,
                        "per_side": str(p.per_side).lower(),
                        "rest_s": p.rest_s,
                        "effort": p.effort,
                    }
                )
            if s.cardio:
                writer.writerow({**base, "block": "cardio", "exercise_id": s.cardio.exercise.id,
                                 "exercise": s.cardio.exercise.name, "minutes": s.cardio.minutes,
                                 "intensity": s.cardio.intensity})  # fmt: skip
    return out.getvalue()


def _next_weekday(start: dt.date, weekday: int) -> dt.date:
    return start + dt.timedelta(days=(weekday - start.weekday()) % 7)


def to_ics(
    plan: Plan,
    prompts: Prompts,
    start: dt.date | None = None,
    at: dt.time = dt.time(18, 0),
) -> bytes:
    """An iCalendar file with one weekly recurring event per session (see the module docstring)."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//Vita//workout plan//EN")
    cal.add("version", "2.0")
    cal.add(
        "x-wr-calname",
        prompts.render(
            "workout.export_title",
            goal=label(prompts, "goals", plan.profile.goal or "general_health"),
        ),
    )
    first = start or dt.date.today()
    digest = hashlib.sha256(to_csv(plan, prompts).encode()).hexdigest()[:16]
    progression = render_note(plan.notes[0], prompts) if plan.notes else ""
    for s in plan.weeks[0].sessions:
        event = Event()
        day = _next_weekday(first, s.weekday)
        begin = dt.datetime.combine(day, at)
        event.add("uid", f"{digest}-{s.weekday}@vita")
        event.add(
            "summary", prompts.render("workout.export_event", focus=focus_label(s.focus, prompts))
        )
        event.add("dtstart", begin)
        event.add("dtend", begin + dt.timedelta(minutes=s.minutes))
        event.add("dtstamp", dt.datetime.now(dt.UTC))
        event.add("rrule", {"freq": "weekly", "count": len(plan.weeks)})
        lines = [
            f"{p.exercise.name}: {p.sets} x {reps_text(p, prompts)}, {p.effort}"
            for p in s.exercises
        ]
        if s.cardio:
            lines.append(f"{s.cardio.exercise.name}: {s.cardio.minutes} min ({s.cardio.intensity})")
        event.add("description", "\n".join([*lines, "", progression]).strip())
        cal.add_component(event)
    data: bytes = cal.to_ical()
    return data
