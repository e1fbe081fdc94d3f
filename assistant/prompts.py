"""Every sentence a user can read comes from ``prompts/``, through this module.

``prompts/`` holds YAML files; each top-level key of ``prompts/<group>.yaml`` is a Jinja2
template named ``<group>.<key>``. A value may also be a list of templates (one is chosen by
``pick``, for variety). Rendering uses ``StrictUndefined``: a missing variable, or a template name
that does not exist, raises :class:`PromptError` at once instead of showing a user a blank.

Decision: YAML files of short templates rather than one file per sentence, so safety copy and
wording can be reviewed a screen at a time; long templates use YAML block scalars.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, Template, TemplateError


class PromptError(LookupError):
    """A template is missing, malformed, or was rendered without a variable it needs."""


class Prompts:
    """The loaded templates of one ``prompts/`` folder."""

    def __init__(self, directory: Path) -> None:
        if not directory.is_dir():
            raise PromptError(f"prompts folder not found: {directory}")
        self.directory = directory
        self._env = Environment(
            undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False
        )
        self._templates: dict[str, list[Template]] = {}
        self._raw: dict[str, Any] = {}
        for path in sorted(directory.rglob("*.yaml")):
            group = ".".join(path.relative_to(directory).with_suffix("").parts)
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as exc:
                raise PromptError(f"{path}: not valid YAML: {exc}") from exc
            if not isinstance(data, dict):
                raise PromptError(f"{path}: expected a mapping of template names")
            self._add(group, data, path)

    def _add(self, prefix: str, data: dict[Any, Any], path: Path) -> None:
        """Register every key; nested mappings give dotted names (``triage.levels.urgent``)."""
        for key, value in data.items():
            name = f"{prefix}.{key}"
            self._raw[name] = value
            if isinstance(value, dict):
                self._add(name, value, path)
                continue
            sources = value if isinstance(value, list) else [value]
            if all(isinstance(s, str) for s in sources):
                try:
                    self._templates[name] = [self._env.from_string(s) for s in sources]
                except TemplateError as exc:
                    raise PromptError(f"{path}: template {name!r}: {exc}") from exc

    def names(self) -> list[str]:
        return sorted(self._templates)

    def has(self, name: str) -> bool:
        return name in self._templates

    def render(self, name: str, /, **variables: Any) -> str:
        """Render template ``name``; for a list of variants the first one is used."""
        return self._render(self._get(name)[0], name, variables)

    def pick(self, name: str, rng: random.Random | None = None, /, **variables: Any) -> str:
        """Render one variant of ``name`` chosen at random (seedable for tests)."""
        variants = self._get(name)
        chosen = (rng or random).choice(variants)
        return self._render(chosen, name, variables)

    def render_all(self, name: str, /, **variables: Any) -> list[str]:
        """Render every variant of ``name`` (for lists that are shown whole, e.g. steps)."""
        return [self._render(t, name, variables) for t in self._get(name)]

    def data(self, name: str) -> Any:
        """A raw (non-template) value, e.g. a list of quick-reply labels."""
        if name not in self._raw:
            raise PromptError(f"no prompt named {name!r} in {self.directory}")
        return self._raw[name]

    def _get(self, name: str) -> list[Template]:
        try:
            return self._templates[name]
        except KeyError:
            raise PromptError(f"no prompt named {name!r} in {self.directory}") from None

    @staticmethod
    def _render(template: Template, name: str, variables: dict[str, Any]) -> str:
        try:
            return template.render(**variables).strip()
        except TemplateError as exc:
            raise PromptError(f"prompt {name!r}: {exc}") from exc
