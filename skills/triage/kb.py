"""The triage knowledge base: conditions (``kb.yaml``) and the symptom lexicon (``symptoms.yaml``).

Both files are written by the team (see the README's "Symptom triage" section for the schema).
Loading validates them strictly, so a typo in a symptom id or a level fails at start-up and in
the tests rather than quietly weakening the model. Everything here is plain data: the generator,
the follow-up questions and the safety floor all read the same :class:`KnowledgeBase`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
KB_PATH = HERE / "kb.yaml"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader reads the KB 10x faster
SYMPTOMS_PATH = HERE / "symptoms.yaml"

# Ordered from least to most urgent: "rounding up" moves right.
LEVELS: tuple[str, ...] = ("self_care", "routine", "urgent", "emergency")
PREVALENCE: Mapping[str, float] = {"very_common": 8.0, "common": 4.0, "uncommon": 1.5, "rare": 0.5}
ONSETS = ("sudden", "hours", "days", "weeks", "months")
SEXES = ("any", "female", "male")


class KnowledgeBaseError(ValueError):
    """The knowledge base files do not follow the schema."""


def level_rank(level: str) -> int:
    return LEVELS.index(level)


def max_level(*levels: str) -> str:
    """The most urgent of ``levels``."""
    return max(levels, key=level_rank)


@dataclass(frozen=True)
class Symptom:
    id: str
    name: str
    clinical: str
    synonyms: tuple[str, ...]
    body_part: str
    kind: str

    @property
    def phrases(self) -> tuple[str, ...]:
        """Every way of saying it that the matcher knows: name, clinical term, synonyms."""
        return tuple(dict.fromkeys((self.name, self.clinical, *self.synonyms)))


@dataclass(frozen=True)
class RedFlag:
    symptom: str
    level: str
    reason: str


@dataclass(frozen=True)
class Condition:
    id: str
    name: str
    clinical_name: str
    icd10: str
    system: str
    level: str
    prevalence: str
    age_min: int
    age_max: int
    age_typical: tuple[int, int]
    sex: str
    onset: str
    duration_days: tuple[float, float]
    symptoms: Mapping[str, float]
    absent: tuple[str, ...]
    risk_factors: tuple[str, ...]
    red_flags: tuple[RedFlag, ...]
    self_care: tuple[str, ...]
    seek_help: str

    @property
    def prior(self) -> float:
        return PREVALENCE[self.prevalence]

    def fits(self, age: int | None, sex: str | None) -> bool:
        """Whether a person of this age and sex can have the condition at all."""
        if age is not None and not self.age_min <= age <= self.age_max:
            return False
        return not (sex in ("female", "male") and self.sex not in ("any", sex))


@dataclass(frozen=True)
class KnowledgeBase:
    conditions: tuple[Condition, ...]
    symptoms: Mapping[str, Symptom]
    _by_id: dict[str, Condition] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update({c.id: c for c in self.conditions})

    def condition(self, condition_id: str) -> Condition:
        return self._by_id[condition_id]

    @cached_property
    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.conditions)

    @cached_property
    def red_flag_symptoms(self) -> frozenset[str]:
        return frozenset(f.symptom for c in self.conditions for f in c.red_flags)

    def red_flags_for(self, found: Sequence[str], condition_ids: Sequence[str]) -> list[RedFlag]:
        """Red flags of the given conditions whose symptom is in ``found``."""
        present = set(found)
        flags: dict[str, RedFlag] = {}
        for cid in condition_ids:
            for flag in self.condition(cid).red_flags:
                if flag.symptom in present:
                    old = flags.get(flag.symptom)
                    if old is None or level_rank(flag.level) > level_rank(old.level):
                        flags[flag.symptom] = flag
        return sorted(flags.values(), key=lambda f: -level_rank(f.level))


def load(kb_path: Path = KB_PATH, symptoms_path: Path = SYMPTOMS_PATH) -> KnowledgeBase:
    """Read and validate both files; raises :class:`KnowledgeBaseError` naming the first problem."""
    symptoms = {s.id: s for s in (_symptom(raw) for raw in _items(symptoms_path, "symptoms"))}
    conditions = tuple(_condition(raw, symptoms) for raw in _items(kb_path, "conditions"))
    ids = [c.id for c in conditions]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise KnowledgeBaseError(f"duplicate condition ids: {dupes}")
    return KnowledgeBase(conditions=conditions, symptoms=symptoms)


def _items(path: Path, key: str) -> list[Mapping[str, Any]]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeBaseError(f"{path}: {exc}") from exc
    items = data.get(key) if isinstance(data, Mapping) else None
    if not isinstance(items, list) or not items:
        raise KnowledgeBaseError(f"{path}: expected a non-empty list under {key!r}")
    return items


_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def _need(raw: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in raw or raw[key] is None:
        raise KnowledgeBaseError(f"{where}: missing {key!r}")
    return raw[key]


def _symptom(raw: Mapping[str, Any]) -> Symptom:
    sid = str(_need(raw, "id", "symptom"))
    if not _ID.match(sid):
        raise KnowledgeBaseError(f"symptom {sid!r}: ids are snake_case")
    synonyms = tuple(str(s).strip().lower() for s in raw.get("synonyms") or ())
    return Symptom(
        id=sid,
        name=str(_need(raw, "name", sid)).strip(),
        clinical=str(raw.get("clinical") or raw["name"]).strip(),
        synonyms=synonyms,
        body_part=str(raw.get("body_part", "whole_body")),
        kind=str(raw.get("kind", "symptom")),
    )


def _condition(raw: Mapping[str, Any], symptoms: Mapping[str, Symptom]) -> Condition:
    cid = str(_need(raw, "id", "condition"))
    where = f"condition {cid}"

    def known(sid: str) -> str:
        if sid not in symptoms:
            raise KnowledgeBaseError(f"{where}: unknown symptom {sid!r}")
        return sid

    level = str(_need(raw, "level", where))
    if level not in LEVELS:
        raise KnowledgeBaseError(f"{where}: level {level!r} not in {LEVELS}")
    found = {known(str(s["id"])): float(s["p"]) for s in _need(raw, "symptoms", where)}
    if not found or not all(0.0 < p <= 1.0 for p in found.values()):
        raise KnowledgeBaseError(f"{where}: symptom frequencies must be in (0, 1]")
    flags = tuple(
        RedFlag(known(str(f["symptom"])), str(f["level"]), str(f.get("reason", "")).strip())
        for f in raw.get("red_flags") or ()
    )
    for flag in flags:
        if flag.level not in LEVELS:
            raise KnowledgeBaseError(f"{where}: red flag level {flag.level!r}")
    age = _need(raw, "age", where)
    typical = age.get("typical") or [age["min"], age["max"]]
    duration = raw.get("duration_days") or [1, 14]
    prevalence = str(raw.get("prevalence", "common"))
    if prevalence not in PREVALENCE:
        raise KnowledgeBaseError(f"{where}: prevalence {prevalence!r}")
    sex = str(raw.get("sex", "any"))
    if sex not in SEXES:
        raise KnowledgeBaseError(f"{where}: sex {sex!r}")
    return Condition(
        id=cid,
        name=str(_need(raw, "name", where)),
        clinical_name=str(raw.get("clinical_name") or raw["name"]),
        icd10=str(_need(raw, "icd10", where)),
        system=str(raw.get("system", "")),
        level=level,
        prevalence=prevalence,
        age_min=int(age["min"]),
        age_max=int(age["max"]),
        age_typical=(int(typical[0]), int(typical[1])),
        sex=sex,
        onset=str(raw.get("onset", "days")),
        duration_days=(float(duration[0]), float(duration[1])),
        symptoms=found,
        absent=tuple(known(str(s)) for s in raw.get("absent") or ()),
        risk_factors=tuple(str(r) for r in raw.get("risk_factors") or ()),
        red_flags=flags,
        self_care=tuple(str(s).strip() for s in raw.get("self_care") or ()),
        seek_help=str(raw.get("seek_help", "")).strip(),
    )
