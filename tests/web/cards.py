"""A test-only skill that answers ``/card <kind> [words]`` (and any photo) with a card of each type.

The browser tests use it to check that the widget renders every reply part without depending on
the real triage, workout or image-check models. Its texts are test fixtures, not user copy.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field

from PIL import Image

from assistant.skill import SkillContext
from assistant.state import DialogueState
from assistant.types import (
    Card,
    Cause,
    Citation,
    ImageCheckCard,
    PlanCard,
    QuickReply,
    SkillReply,
    TriageCard,
    UserMessage,
)

HOSTILE_TEXT = (
    "**Bold** and a [safe link](https://example.org/safe).\n"
    "<img src=x onerror=alert(2)> <script>alert(3)</script>\n"
    "[evil](javascript:alert(4)) [data](data:text/html,<b>hi</b>)\n"
    "\n"
    "- first point\n"
    "- second point"
)


def heatmap_png(size: int = 8) -> str:
    """A tiny red-to-transparent PNG, base64-encoded, standing in for a real heat map."""
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    for x in range(size):
        for y in range(size):
            img.putpixel((x, y), (255, 0, 0, 255 * (x + y) // (2 * size)))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode("ascii")


TRIAGE = TriageCard(
    level="urgent",
    headline="See a clinician today.",
    reason='Pain for three days with a fever needs a check today. Words that weighed: "fever".',
    causes=(
        Cause("Urinary tract infection", 0.55, "N39.0"),
        Cause("Kidney infection", 0.3, "N10"),
        Cause("Kidney stone", 0.15, "N20.0"),
    ),
    advice=("Drink plenty of water.", "Call 911 if you feel much worse."),
    highlights=("fever", "three days"),
)
# Day one has the shape of the workout skill's card (skills/workout/card.py: keys already
# labelled); day two the field names of the plan JSON. Exports: a server path and two formats.
PLAN = PlanCard(
    title="Your 3-day full-body plan",
    summary="Three sessions a week, **45 minutes** each.",
    days=(
        {
            "name": "Monday: Full body A (45 min)",
            "exercises": [
                {
                    "Exercise": "Goblet squat",
                    "Sets": 3,
                    "Reps": "8-10",
                    "Rest": "1:30",
                    "Effort": "RPE 7",
                },
                {
                    "Exercise": "Split squat",
                    "Sets": 3,
                    "Reps": "10 each side",
                    "Rest": "1:00",
                    "Effort": "RPE 7",
                },
            ],
            "Warm-up": "Brisk walk (5:00)",
            "Cardio": "Cycling, 10 min, easy",
            "Cool-down": "",
        },
        {
            "name": "Thursday",
            "focus": "Full body B",
            "minutes": 45,
            "weekday": 3,
            "warmup": [{"id": "walk", "name": "Brisk walk", "seconds": 300}],
            "exercises": [
                {"id": "push-up", "name": "Push-up", "sets": 3, "reps": 12, "rest_s": 60},
                {
                    "id": "lunge",
                    "name": "Lunge",
                    "sets": 2,
                    "reps": 8,
                    "rest_s": 60,
                    "per_side": True,
                },
            ],
            "cardio": {"name": "Rowing", "minutes": 8},
        },
    ),
    exports=("/api/v1/sessions/abcdef123456/workout-plan.md", "csv", "ics"),
)


@dataclass
class CardSkill:
    """Scores 0.99 for ``/card ...`` messages and for photos; answers with the matching card."""

    name: str = "cards"
    priority: int = 5
    calls: list[str] = field(default_factory=list)

    def warm_up(self) -> None:
        return None

    def score(self, msg: UserMessage, state: DialogueState) -> float:
        return 0.99 if msg.image is not None or msg.text.startswith("/card") else 0.0

    def run(self, msg: UserMessage, state: DialogueState, ctx: SkillContext) -> SkillReply:
        self.calls.append(msg.text)
        if msg.image is not None:
            card: Card = ImageCheckCard(
                action="Show this spot to a doctor within two weeks.",
                classes=(Cause("Benign keratosis", 0.6), Cause("Melanocytic nevus", 0.4)),
                heatmap_png_base64=heatmap_png(),
            )
            return SkillReply("Here is what I see.", cards=(card,))
        kind = (msg.text.removeprefix("/card").split() or [""])[0]
        if kind == "triage":
            return SkillReply("Here is how urgent this looks.", cards=(TRIAGE,))
        if kind == "plan":
            return SkillReply("Here is your plan.", cards=(PLAN,))
        if kind == "hostile":
            citations = (
                Citation("NHS: Fever", "https://www.nhs.uk/conditions/fever/", "NHS"),
                Citation("Bad link", "javascript:alert(5)", "evil"),
            )
            return SkillReply(
                HOSTILE_TEXT,
                citations=citations,
                quick_replies=(QuickReply("<b>Yes</b>", "yes"),),
            )
        return SkillReply("Unknown card.")
