"""The exercise catalogue: load ``exercises.yaml`` (or an imported one), validate it, look things up.

Schema (version 1): ``{version: 1, exercises: [...]}``; each exercise has ``id, name, aliases,
pattern, primary, secondary, equipment, level, impact, unsafe_for, unilateral, met, kind, cues,
regression, progression`` with the vocabularies of :mod:`skills.workout.vocab`.

Decisions:
    * :func:`check_catalogue` returns *every* problem it finds (not just the first), so a person
      editing the YAML fixes them in one pass; :func:`load_catalogue` raises with all of them.
    * Regression/progression links may cross patterns (a sensible step), but must point at an
      existing id and never at the exercise itself.
    * Lookup by words (``find``) matches ids, names and aliases as whole words, singular or
      plural, so "swap the squats" finds every squat in a plan.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from skills.workout.vocab import (
    CONDITIONS,
    EQUIPMENT,
    IMPACTS,
    KINDS,
    LEVELS,
    MUSCLES,
    PATTERNS,
    groups_of,
    has_equipment,
    is_safe,
)

PACKAGED = Path(__file__).resolve().parent / "exercises.yaml"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader is ~10x faster
# Everyday words for movement patterns: "swap the squats" also means a wall sit in the plan.
PATTERN_WORDS = {
    "squat": "squat",
    "lunge": "lunge",
    "deadlift": "hinge",
    "hinge": "hinge",
    "row": "horizontal_pull",
    "pullup": "vertical_pull",
    "pulldown": "vertical_pull",
    "chinup": "vertical_pull",
    "pushup": "horizontal_push",
    "plank": "anti_extension",
    "carry": "carry",
    "twist": "rotation",
    "cardio": "cardio",
    "stretch": "mobility",
}
_ID = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")
_FIELDS = (
    "id", "name", "aliases", "pattern", "primary", "secondary", "equipment", "level", "impact",
    "unsafe_for", "unilateral", "met", "kind", "cues", "regression", "progression",
)  # fmt: skip


class CatalogueError(ValueError):
    """The catalogue file is missing, not YAML, or breaks the schema (``problems`` lists how)."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        shown = "\n  ".join(problems[:25])
        more = f"\n  ... and {len(problems) - 25} more" if len(problems) > 25 else ""
        super().__init__(f"{source}: {len(problems)} problem(s):\n  {shown}{more}")
        self.problems = list(problems)


@dataclass(frozen=True)
class Exercise:
    """One catalogue entry (see the module docstring for the fields)."""

    id: str
    name: str
    pattern: str
    primary: tuple[str, ...]
    equipment: tuple[str, ...]
    level: str
    kind: str
    aliases: tuple[str, ...] = ()
    secondary: tuple[str, ...] = ()
    impact: str = "low"
    unsafe_for: tuple[str, ...] = ()
    unilateral: bool = False
    met: float = 4.0
    cues: tuple[str, ...] = ()
    regression: str | None = None
    progression: str | None = None

    @property
    def groups(self) -> tuple[str, ...]:
        """Muscle groups of the primary muscles (what a set of this exercise counts towards)."""
        return groups_of(self.primary)

    def allowed(self, equipment: Iterable[str], conditions: Iterable[str]) -> bool:
        """The person has the equipment and none of the conditions this is unsafe for."""
        return has_equipment(self.equipment, equipment) and is_safe(
            self.unsafe_for, self.impact, conditions
        )

    def to_dict(self) -> dict[str, Any]:
        return {f: _plain(getattr(self, f)) for f in _FIELDS}


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


class Catalogue:
    """An ordered, validated set of exercises with lookups by id and by words."""

    def __init__(self, exercises: Iterable[Exercise], version: int = 1, source: str = "") -> None:
        self.exercises: tuple[Exercise, ...] = tuple(exercises)
        self.version = version
        self.source = source
        self._by_id = {e.id: e for e in self.exercises}
        self.index = {e.id: i for i, e in enumerate(self.exercises)}

    def __len__(self) -> int:
        return len(self.exercises)

    def __iter__(self) -> Iterator[Exercise]:
        return iter(self.exercises)

    def __contains__(self, exercise_id: object) -> bool:
        return exercise_id in self._by_id

    def get(self, exercise_id: str) -> Exercise | None:
        return self._by_id.get(exercise_id)

    def __getitem__(self, exercise_id: str) -> Exercise:
        return self._by_id[exercise_id]

    def of_kind(self, *kinds: str) -> list[Exercise]:
        return [e for e in self.exercises if e.kind in kinds]

    def find(self, text: str, pool: Iterable[Exercise] | None = None) -> list[Exercise]:
        """Exercises (of ``pool``, default all) named in ``text`` by id, name or alias.

        Whole-word matches win, longest first ("goblet squat" finds only the goblet squat);
        failing those, the last word of a name counts ("the squats" finds every squat).
        """
        items = list(self.exercises if pool is None else pool)
        clean = " " + re.sub(r"[^a-z0-9]+", " ", text.lower()) + " "
        hits = [(len(p), e) for e in items for p in _phrases(e) if f" {p} " in clean]
        if hits:
            longest = max(n for n, _ in hits)
            return list(dict.fromkeys(e for n, e in hits if n == longest))
        words = {_singular(w) for w in clean.split() if len(w) >= 3}
        heads = [e for e in items if words & _head_words(e)]
        if heads:
            return heads
        patterns = {PATTERN_WORDS[w] for w in words if w in PATTERN_WORDS}
        return [e for e in items if e.pattern in patterns]


@functools.lru_cache(maxsize=4096)
def _phrases(ex: Exercise) -> tuple[str, ...]:
    names = [ex.name, ex.id.replace("_", " "), *ex.aliases]
    out: set[str] = set()
    for n in names:
        base = re.sub(r"[^a-z0-9]+", " ", n.lower()).strip()
        if base:
            out |= {base, base + "s", base + "es"}
    return tuple(out)


@functools.lru_cache(maxsize=4096)
def _head_words(ex: Exercise) -> frozenset[str]:
    """The last word of the name and of each alias, singular: "squat" for "Goblet squat"."""
    heads = set()
    for n in (ex.name, *ex.aliases):
        words = re.sub(r"[^a-z0-9]+", " ", n.lower()).split()
        if words:
            heads.add(_singular(words[-1]))
    return frozenset(heads)


def _singular(word: str) -> str:
    for suffix, repl in (("ies", "y"), ("ches", "ch"), ("shes", "sh"), ("s", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2 and not word.endswith("ss"):
            return word[: -len(suffix)] + repl
    return word


# --------------------------------------------------------------------------- validation


def check_catalogue(data: Any) -> list[str]:
    """Every schema problem of a parsed catalogue document, as readable lines (empty when valid)."""
    if not isinstance(data, Mapping):
        return ["the document must be a mapping with 'version' and 'exercises'"]
    problems: list[str] = []
    if data.get("version") != 1:
        problems.append(f"version must be 1, not {data.get('version')!r}")
    items = data.get("exercises")
    if not isinstance(items, list) or not items:
        return [*problems, "'exercises' must be a non-empty list"]
    ids: set[str] = set()
    names: set[str] = set()
    links: list[tuple[str, str, str]] = []
    for n, item in enumerate(items):
        where = f"exercise #{n + 1}"
        if not isinstance(item, Mapping):
            problems.append(f"{where}: must be a mapping")
            continue
        ex_id = item.get("id")
        where = f"{ex_id!r}" if isinstance(ex_id, str) else where
        problems += [f"{where}: {p}" for p in _check_entry(item)]
        if isinstance(ex_id, str):
            if ex_id in ids:
                problems.append(f"{where}: duplicate id")
            ids.add(ex_id)
        name = str(item.get("name", "")).strip().lower()
        if name in names:
            problems.append(f"{where}: duplicate name {item.get('name')!r}")
        names.add(name)
        for key in ("regression", "progression"):
            target = item.get(key)
            if target is not None:
                links.append((where, key, str(target)))
    for where, key, target in links:
        if target not in ids:
            problems.append(f"{where}: {key} {target!r} is not an exercise id")
        elif where.strip("'") == target:
            problems.append(f"{where}: {key} points at itself")
    return problems


def _check_entry(item: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    unknown = set(item) - set(_FIELDS)
    if unknown:
        out.append(f"unknown field(s) {sorted(unknown)}")
    for key in ("id", "name", "pattern", "level", "kind"):
        if not isinstance(item.get(key), str) or not item.get(key):
            out.append(f"{key} must be a non-empty string")
    if isinstance(item.get("id"), str) and not _ID.match(item["id"]):
        out.append("id must be snake_case")
    for key, vocab in (("pattern", PATTERNS), ("level", LEVELS), ("kind", KINDS)):
        if isinstance(item.get(key), str) and item[key] not in vocab:
            out.append(f"{key} {item[key]!r} is not one of {', '.join(vocab)}")
    if item.get("impact", "low") not in IMPACTS:
        out.append(f"impact {item.get('impact')!r} must be low or high")
    checks: tuple[tuple[str, tuple[str, ...] | None, bool], ...] = (
        ("primary", MUSCLES, True),
        ("secondary", MUSCLES, False),
        ("equipment", EQUIPMENT, True),
        ("unsafe_for", CONDITIONS, False),
        ("aliases", None, False),
        ("cues", None, False),
    )
    for key, words, required in checks:
        value = item.get(key, [] if not required else None)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            out.append(f"{key} must be a list of strings")
            continue
        if words is not None:
            bad = [v for v in value if v not in words]
            if bad:
                out.append(f"{key} has unknown item(s) {bad}")
    if isinstance(item.get("equipment"), list) and not item["equipment"]:
        out.append("equipment must not be empty (use [bodyweight])")
    kind = item.get("kind")
    if isinstance(item.get("primary"), list) and not item["primary"] and kind == "strength":
        out.append("a strength exercise needs at least one primary muscle")
    met = item.get("met", 4.0)
    if isinstance(met, bool) or not isinstance(met, int | float) or not 1.0 <= met <= 20.0:
        out.append(f"met must be a number between 1 and 20, not {met!r}")
    if not isinstance(item.get("unilateral", False), bool):
        out.append("unilateral must be true or false")
    if (item.get("pattern") == "cardio") != (kind == "cardio"):
        out.append("pattern cardio and kind cardio go together")
    return out


def exercise_from_dict(item: Mapping[str, Any]) -> Exercise:
    """Build an :class:`Exercise` from an entry that passed :func:`check_catalogue`."""
    return Exercise(
        id=item["id"],
        name=str(item["name"]).strip(),
        pattern=item["pattern"],
        primary=tuple(item["primary"]),
        equipment=tuple(item["equipment"]),
        level=item["level"],
        kind=item["kind"],
        aliases=tuple(item.get("aliases") or ()),
        secondary=tuple(item.get("secondary") or ()),
        impact=item.get("impact", "low"),
        unsafe_for=tuple(item.get("unsafe_for") or ()),
        unilateral=bool(item.get("unilateral", False)),
        met=float(item.get("met", 4.0)),
        cues=tuple(item.get("cues") or ()),
        regression=item.get("regression"),
        progression=item.get("progression"),
    )


def parse_catalogue(data: Any, source: str = "<catalogue>") -> Catalogue:
    """Validate a parsed document and build the catalogue; raises :class:`CatalogueError`."""
    problems = check_catalogue(data)
    if problems:
        raise CatalogueError(source, problems)
    return Catalogue((exercise_from_dict(i) for i in data["exercises"]), data["version"], source)


def load_catalogue(path: Path | str | None = None) -> Catalogue:
    """Load and validate a catalogue file (the packaged ``exercises.yaml`` by default)."""
    file = Path(path) if path else PACKAGED
    return _load_cached(file.resolve(), _mtime(file))


def _mtime(file: Path) -> float:
    try:
        return file.stat().st_mtime
    except OSError:
        return -1.0


@functools.lru_cache(maxsize=8)
def _load_cached(file: Path, mtime: float) -> Catalogue:
    if mtime < 0:
        raise CatalogueError(str(file), ["file not found"])
    try:
        data = yaml.load(file.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CatalogueError(str(file), [f"cannot read it: {exc}"]) from exc
    return parse_catalogue(data, str(file))


def dump_catalogue(catalogue: Iterable[Exercise]) -> str:
    """The YAML text of a catalogue (used by the importer)."""
    body = {"version": 1, "exercises": [e.to_dict() for e in catalogue]}
    return yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)
