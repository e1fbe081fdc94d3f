"""Import a free-exercise-db JSON file (github.com/yuhonas/free-exercise-db) into our catalogue schema.

``vita workout import exercises.json -o big-catalogue.yaml`` writes a catalogue the planner can
use (``workout_catalogue = "big-catalogue.yaml"`` in vita.toml), and prints a report of what was
mapped, inferred or defaulted.

Mapping:
    * muscles: abdominals -> abs, quadriceps -> quads, "middle back" and traps -> upper_back,
      "lower back" -> lower_back; "shoulders" -> side, rear or front delts by the exercise name;
    * equipment: "body only" -> bodyweight, kettlebells -> kettlebell, bands -> resistance_band,
      "exercise ball" -> stability_ball, "e-z curl bar" -> barbell; a bench, rack, pull-up bar,
      box, suspension trainer or cardio machine is added when the name says so; "foam roll",
      "other" and missing equipment become bodyweight and are reported;
    * level: expert -> advanced; category: stretching -> mobility, cardio -> cardio, everything
      else -> strength;
    * pattern: from the name first (squat, lunge, deadlift, press, row, pull-up, plank...), then
      from category, mechanic, force and primary muscles (reported as inferred);
    * impact, unsafe_for, unilateral and MET are inferred conservatively from pattern, category,
      equipment and name (e.g. jumps are high impact; overhead pressing is unsafe for shoulder
      problems; loaded barbell squats and hinges for lower-back problems);
    * cues: the first two instructions (the source is public domain).

Entries that cannot be mapped (no id or name, no primary muscle for a strength move) are skipped
and listed in the report.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skills.workout.catalogue import (
    Catalogue,
    CatalogueError,
    Exercise,
    check_catalogue,
    dump_catalogue,
    parse_catalogue,
)

MAX_BYTES = 50 * 1024 * 1024
MUSCLES = {
    "abdominals": "abs",
    "abductors": "abductors",
    "adductors": "adductors",
    "biceps": "biceps",
    "calves": "calves",
    "chest": "chest",
    "forearms": "forearms",
    "glutes": "glutes",
    "hamstrings": "hamstrings",
    "lats": "lats",
    "lower back": "lower_back",
    "middle back": "upper_back",
    "neck": "neck",
    "quadriceps": "quads",
    "traps": "upper_back",
    "triceps": "triceps",
}
EQUIPMENT = {
    "body only": "bodyweight",
    "dumbbell": "dumbbell",
    "barbell": "barbell",
    "cable": "cable",
    "machine": "machine",
    "kettlebells": "kettlebell",
    "bands": "resistance_band",
    "medicine ball": "medicine_ball",
    "exercise ball": "stability_ball",
    "e-z curl bar": "barbell",
}
LEVELS = {"beginner": "beginner", "intermediate": "intermediate", "expert": "advanced"}
EXTRA_EQUIPMENT = (
    (r"\bbench\b|\bincline\b|\bdecline\b", "bench"),
    (r"pull-?ups?\b|chin-?ups?\b|\bhanging\b|muscle.?up", "pullup_bar"),
    (r"\bbox\b", "box"),
    (r"\btrx\b|suspension|\brings?\b", "suspension_trainer"),
    (r"treadmill|bike|bicycl|rowing machine|elliptical|stair ?(master|climber)|stepmill|recumbent|ergometer", "cardio_machine"),
)  # fmt: skip
NAME_PATTERNS = (
    (r"split squat|bulgarian|lunge|step.?ups?\b", "lunge"),
    (r"squat|leg press|hack", "squat"),
    (r"deadlift|\brdl\b|good ?morning|hip thrust|glute bridge|hyperextension|back extension|swing|pull.?through|clean|snatch", "hinge"),
    (r"overhead press|military press|shoulder press|push press|jerk|arnold|handstand|pike", "vertical_push"),
    (r"bench press|push.?ups?\b|chest press|floor press|\bdips?\b", "horizontal_push"),
    (r"pull.?ups?\b|chin.?ups?\b|pull.?down|lat pull", "vertical_pull"),
    (r"\brows?\b|rowing", "horizontal_pull"),
    (r"carry|farmer|yoke|suitcase", "carry"),
    (r"plank|rollout|roll.?out|ab wheel|dead bug|hollow", "anti_extension"),
    (r"pallof|anti.?rotation|bird dog|side bridge", "anti_rotation"),
    (r"twist|wood.?chop|russian|rotation|windmill", "rotation"),
    (r"curl|extension|raise|fly|flye|shrug|crunch|sit.?up|kickback|pullover", "isolation"),
)  # fmt: skip
HIGH_IMPACT = re.compile(r"jump|hop|bound|sprint|skip|burpee|\brun|jog|depth|plyo|tuck")
UNILATERAL = re.compile(
    r"single|one.?arm|one.?leg|alternat|split|lunge|step.?up|bulgarian|unilateral|one.?handed|side"
)


@dataclass
class ImportReport:
    """What happened to each entry: counts of mapped, defaulted and skipped fields."""

    total: int = 0
    imported: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    defaulted: Counter[str] = field(default_factory=Counter)
    inferred: Counter[str] = field(default_factory=Counter)

    def lines(self) -> list[str]:
        out = [
            f"read {self.total} exercises, imported {self.imported}, skipped {len(self.skipped)}"
        ]
        out += [f"  skipped {name!r}: {why}" for name, why in self.skipped[:20]]
        if len(self.skipped) > 20:
            out.append(f"  ... and {len(self.skipped) - 20} more skipped")
        out += [f"  defaulted {k}: {v}" for k, v in sorted(self.defaulted.items())]
        out += [f"  inferred {k}: {v}" for k, v in sorted(self.inferred.items())]
        return out


def _snake(text: str) -> str:
    return re.sub(r"_+", "_", re.sub(r"[^a-z0-9]+", "_", text.lower())).strip("_") or "exercise"


def _shoulder(name: str) -> str:
    if re.search(r"lateral|side|upright", name):
        return "side_delts"
    if re.search(r"rear|reverse fly|face pull|bent.?over.*(raise|fly)", name):
        return "rear_delts"
    return "front_delts"


def _muscles(items: Any, name: str, report: ImportReport) -> list[str]:
    out: list[str] = []
    for m in items if isinstance(items, list) else []:
        mapped = _shoulder(name) if m == "shoulders" else MUSCLES.get(str(m))
        if mapped is None:
            report.defaulted[f"muscle {m!r} dropped"] += 1
        elif mapped not in out:
            out.append(mapped)
    return out


def _equipment(
    item: Mapping[str, Any], name: str, pattern: str, report: ImportReport
) -> list[str] | None:
    """Our equipment list, or ``None`` when the entry needs something we cannot name."""
    raw = item.get("equipment")
    base = EQUIPMENT.get(str(raw)) if raw is not None else None
    extras = [
        extra
        for pattern_re, extra in EXTRA_EQUIPMENT
        if re.search(pattern_re, name)
        and (extra != "cardio_machine" or item.get("category") == "cardio")
    ]
    if base is None:
        if raw is None or (raw == "other" and (extras or item.get("category") == "stretching")):
            # missing equipment is almost always none; "other" only when the name tells us
            report.defaulted[f"equipment {raw!r} -> bodyweight"] += 1
            base = "bodyweight"
        else:
            return None  # a foam roller, sled, atlas stone...: nothing in our vocabulary
    kit = [base]
    kit += [e for e in extras if e not in kit]
    racked = pattern in ("squat", "vertical_push", "horizontal_push", "lunge")
    if "barbell" in kit and racked and not re.search(r"floor|landmine|front raise|behind", name):
        kit.append("rack")
    if len(kit) > 1 and "bodyweight" in kit:
        kit.remove("bodyweight")
    return kit


def _pattern(item: Mapping[str, Any], name: str, primary: list[str], report: ImportReport) -> str:
    category = item.get("category")
    if category == "cardio":
        return "cardio"
    if category == "stretching":
        return "mobility"
    if category == "plyometrics":
        return "plyometric"
    for pattern_re, pattern in NAME_PATTERNS:
        if re.search(pattern_re, name):
            return pattern
    report.inferred["pattern from mechanic/force/muscles"] += 1
    if item.get("mechanic") == "isolation":
        return "isolation"
    force, first = item.get("force"), primary[0] if primary else ""
    by_muscle = {
        "quads": "squat", "hamstrings": "hinge", "glutes": "hinge", "lower_back": "hinge",
        "chest": "horizontal_push", "front_delts": "vertical_push", "side_delts": "isolation",
        "lats": "vertical_pull", "upper_back": "horizontal_pull", "abs": "anti_extension",
        "obliques": "rotation",
    }  # fmt: skip
    if force == "static" and first == "abs":
        return "anti_extension"
    return by_muscle.get(first, "isolation")


def _unsafe(pattern: str, kit: list[str], name: str, category: Any, impact: str) -> list[str]:
    out: set[str] = set()
    if impact == "high":
        out |= {"knee", "ankle", "pregnancy"}
    if pattern in ("lunge", "plyometric"):
        out.add("knee")
    if "barbell" in kit and pattern in ("squat", "hinge", "lunge"):
        out |= {"knee", "lower_back"} if pattern != "hinge" else {"lower_back"}
    if pattern == "vertical_push" or re.search(r"\bdips?\b|upright row|behind the neck", name):
        out.add("shoulder")
    if re.search(r"push.?up|plank|handstand|\bdips?\b|burpee", name):
        out.add("wrist")
    if re.search(r"handstand|headstand|inverted", name):
        out |= {"neck", "high_blood_pressure"}
    if category in ("olympic weightlifting", "powerlifting", "strongman"):
        out |= {"lower_back", "pregnancy", "high_blood_pressure"}
    if re.search(r"crunch|sit.?up|v.?up|jackknife", name):
        out |= {"pregnancy", "neck"}
    return sorted(out)


def _met(pattern: str, category: Any) -> float:
    if category == "cardio":
        return 7.0
    if pattern == "plyometric":
        return 8.0
    if pattern == "mobility":
        return 2.3
    if category in ("olympic weightlifting", "strongman", "powerlifting"):
        return 6.0
    return 3.5 if pattern == "isolation" else 5.0


def convert(item: Mapping[str, Any], report: ImportReport) -> Exercise | None:
    """One free-exercise-db entry in our vocabulary, or ``None`` (reason in the report)."""
    raw_name = item.get("name")
    raw_id = item.get("id") or raw_name
    if not isinstance(raw_name, str) or not raw_name.strip() or not isinstance(raw_id, str):
        report.skipped.append((str(raw_id), "no id or name"))
        return None
    name = raw_name.strip()[:120]
    low = name.lower()
    primary = _muscles(item.get("primaryMuscles"), low, report)
    pattern = _pattern(item, low, primary, report)
    kind = {"cardio": "cardio", "mobility": "mobility"}.get(pattern, "strength")
    if kind == "strength" and not primary:
        report.skipped.append((name, "no primary muscle"))
        return None
    secondary = [m for m in _muscles(item.get("secondaryMuscles"), low, report) if m not in primary]
    kit = _equipment(item, low, pattern, report)
    if kit is None:
        report.skipped.append(
            (name, f"equipment {item.get('equipment')!r} is not in our vocabulary")
        )
        return None
    category = item.get("category")
    impact = "high" if pattern == "plyometric" or HIGH_IMPACT.search(low) else "low"
    level = LEVELS.get(str(item.get("level")))
    if level is None:
        report.defaulted["level -> intermediate"] += 1
        level = "intermediate"
    steps = [str(s).strip() for s in item.get("instructions") or [] if str(s).strip()]
    report.inferred["impact, unsafe_for, unilateral, met"] += 1
    return Exercise(
        id=_snake(raw_id),
        name=name,
        pattern=pattern,
        primary=tuple(primary),
        equipment=tuple(kit),
        level=level,
        kind=kind,
        secondary=tuple(secondary),
        impact=impact,
        unsafe_for=tuple(_unsafe(pattern, kit, low, category, impact)),
        unilateral=bool(UNILATERAL.search(low)),
        met=_met(pattern, category),
        cues=tuple(s[:200] for s in steps[:2]),
    )


def import_entries(data: Any) -> tuple[Catalogue, ImportReport]:
    """Convert a parsed free-exercise-db document (a list of entries) into a catalogue."""
    report = ImportReport()
    if not isinstance(data, list):
        raise CatalogueError(
            "import", ["expected a JSON list of exercises (free-exercise-db format)"]
        )
    seen_ids: set[str] = set()
    seen_names: set[str] = set()
    exercises: list[Exercise] = []
    for item in data:
        report.total += 1
        if not isinstance(item, Mapping):
            report.skipped.append((f"#{report.total}", "not an object"))
            continue
        ex = convert(item, report)
        if ex is None:
            continue
        if ex.id in seen_ids or ex.name.lower() in seen_names:
            report.skipped.append((ex.name, "duplicate id or name"))
            continue
        seen_ids.add(ex.id)
        seen_names.add(ex.name.lower())
        exercises.append(ex)
    document = {"version": 1, "exercises": [e.to_dict() for e in exercises]}
    problems = check_catalogue(document)
    if problems:  # a bug in the mapping, never the input's fault
        raise CatalogueError("import", problems)
    report.imported = len(exercises)
    return parse_catalogue(document, "import"), report


def import_file(path: Path) -> tuple[Catalogue, ImportReport]:
    """Read and convert a free-exercise-db ``exercises.json``; raises :class:`CatalogueError`."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise CatalogueError(str(path), [f"larger than {MAX_BYTES // 2**20} MB"])
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogueError(str(path), [f"cannot read it as JSON: {exc}"]) from exc
    return import_entries(data)


def write_catalogue(catalogue: Catalogue, path: Path) -> None:
    header = "# Imported from free-exercise-db (public domain) by `vita workout import`.\n"
    path.write_text(header + dump_catalogue(catalogue), encoding="utf-8")
