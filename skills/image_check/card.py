"""From a :class:`~skills.image_check.infer.CheckResult` to the words and the card people see.

Every sentence comes from ``prompts/image_check.yaml``. The card lists the three most likely
classes with their plain-language names and calibrated probabilities, the action (how soon to see
a doctor), the ABCDE warning signs, the heat map, and always the not-a-diagnosis notice; a refusal
carries its reason and what to do differently instead of classes.
"""

from __future__ import annotations

from assistant.prompts import Prompts
from assistant.types import Cause, ImageCheckCard
from skills.image_check.infer import CheckResult


def class_name(prompts: Prompts, code: str) -> str:
    """The plain-language name of a class code."""
    names: dict[str, str] = prompts.data("image_check.classes")
    return names.get(code, code)


def build_card(result: CheckResult, prompts: Prompts) -> ImageCheckCard:
    """The card for one checked photo (or its refusal)."""
    disclaimer = prompts.render("image_check.disclaimer")
    if result.refused is not None:
        return ImageCheckCard(
            action=prompts.render("image_check.refused_action"),
            refusal=prompts.render(f"image_check.refusals.{result.refused}"),
            refusal_reason=result.refused,
            disclaimer=disclaimer,
        )
    classes = tuple(
        Cause(name=class_name(prompts, code), probability=round(p, 4), code=code)
        for code, p in result.ranked(3)
    )
    advice = (prompts.render("image_check.abcde_title"), *prompts.render_all("image_check.abcde"))
    return ImageCheckCard(
        action=prompts.render(f"image_check.actions.{result.urgency}"),
        classes=classes,
        heatmap_png_base64=result.heatmap_base64(),
        urgency=result.urgency,
        advice=advice,
        disclaimer=disclaimer,
    )


def reply_text(result: CheckResult, prompts: Prompts) -> str:
    """The chat message that goes with the card."""
    disclaimer = prompts.render("image_check.disclaimer")
    if result.refused is not None:
        reason = prompts.render(f"image_check.refusals.{result.refused}")
        return prompts.render("image_check.refused", reason=reason, disclaimer=disclaimer)
    code, probability = result.ranked(1)[0]
    return prompts.render(
        "image_check.result",
        top=class_name(prompts, code),
        probability=f"{probability:.0%}",
        action=prompts.render(f"image_check.actions.{result.urgency}"),
        disclaimer=disclaimer,
    )


def refusal_result(reason: str) -> CheckResult:
    """A result that declines to judge for ``reason`` (unreadable, unavailable, ...)."""
    return CheckResult(refused=reason)
