"""Skill name -> ``"module:Class"``; a skill's module is imported only when it is enabled.

``assistant`` never imports a skill directly: enabling a skill is a settings change
(``VITA_SKILLS=smalltalk,triage``), and a broken optional skill cannot stop the others loading
unless it is enabled.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from assistant.config import Settings
from assistant.skill import Skill

REGISTRY: dict[str, str] = {
    "smalltalk": "skills.smalltalk.skill:SmalltalkSkill",
    "triage": "skills.triage.skill:TriageSkill",
    "workout": "skills.workout.skill:WorkoutSkill",
    "knowledge": "skills.knowledge.skill:KnowledgeSkill",
    "image_check": "skills.image_check.skill:ImageCheckSkill",
}


class RegistryError(LookupError):
    """An enabled skill is unknown or cannot be imported."""


def load_skill(name: str, settings: Settings, registry: Mapping[str, str] = REGISTRY) -> Skill:
    """Import and construct the skill registered as ``name``."""
    try:
        target = registry[name]
    except KeyError:
        known = ", ".join(sorted(registry))
        raise RegistryError(f"unknown skill {name!r}; known skills: {known}") from None
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
        cls = getattr(module, class_name)
    except (ImportError, AttributeError) as exc:
        raise RegistryError(f"skill {name!r} ({target}) cannot be loaded: {exc}") from exc
    skill = cls(settings)
    if not isinstance(skill, Skill):
        raise RegistryError(f"skill {name!r} ({target}) does not implement the Skill protocol")
    return skill


def load_skills(settings: Settings, registry: Mapping[str, str] = REGISTRY) -> list[Skill]:
    """Construct every enabled skill, in settings order. The fallback skill is always included."""
    names = list(dict.fromkeys(settings.skills))
    if settings.fallback_skill not in names:
        names.append(settings.fallback_skill)
    return [load_skill(name, settings, registry) for name in names]
