"""``vita eval triage``: the hand-written vignettes, scored for the model, the baseline and the
model with the safety floor, side by side.

Metrics (all on the vignettes, none of which the generator produced):

- triage accuracy (level exactly right), under-triage (level too low), over-triage (too high),
  emergency recall (emergencies called emergencies);
- top-1 and top-3 condition accuracy: a hit when a predicted condition's ICD-10 code has the
  same three-character category as the vignette's code (J02.0 and J02.9 both count for J02),
  overall and by ICD-10 chapter letter.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from skills.triage.kb import LEVELS, KnowledgeBase, level_rank

VIGNETTES = Path(__file__).resolve().parent / "vignettes.yaml"


@dataclass(frozen=True)
class Vignette:
    id: str
    text: str
    level: str
    icd10: str
    style: str
    age: int | None = None
    sex: str | None = None


@dataclass(frozen=True)
class Outcome:
    level: str
    conditions: tuple[str, ...]  # condition ids, best first


Predictor = Callable[[Vignette], Outcome]


def load_vignettes(path: Path = VIGNETTES) -> list[Vignette]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for raw in data["vignettes"]:
        if raw["level"] not in LEVELS:
            raise ValueError(f"vignette {raw['id']}: level {raw['level']!r}")
        out.append(
            Vignette(
                id=str(raw["id"]),
                text=str(raw["text"]).strip(),
                level=str(raw["level"]),
                icd10=str(raw["icd10"]),
                style=str(raw.get("style", "lay")),
                age=raw.get("age"),
                sex=raw.get("sex"),
            )
        )
    return out


def category(code: str) -> str:
    return code.split(".")[0].upper()


def score(
    vignettes: Sequence[Vignette], outcomes: Sequence[Outcome], kb: KnowledgeBase
) -> dict[str, Any]:
    """The metrics above for one predictor's outcomes (aligned with ``vignettes``)."""
    n = len(vignettes)
    exact = under = over = 0
    emergencies = emergency_hits = 0
    top1 = top3 = 0
    by_chapter: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    confusion = {g: dict.fromkeys(LEVELS, 0) for g in LEVELS}
    for vig, out in zip(vignettes, outcomes, strict=True):
        gold, pred = level_rank(vig.level), level_rank(out.level)
        confusion[vig.level][out.level] += 1
        exact += pred == gold
        under += pred < gold
        over += pred > gold
        if vig.level == "emergency":
            emergencies += 1
            emergency_hits += out.level == "emergency"
        cats = [category(kb.condition(c).icd10) for c in out.conditions[:3]]
        hit1 = bool(cats) and cats[0] == category(vig.icd10)
        hit3 = category(vig.icd10) in cats
        top1 += hit1
        top3 += hit3
        chapter = by_chapter[vig.icd10[:1].upper()]
        chapter[0] += 1
        chapter[1] += hit1
        chapter[2] += hit3
    return {
        "n": n,
        "triage_accuracy": exact / n,
        "under_triage": under / n,
        "over_triage": over / n,
        "emergency_recall": emergency_hits / emergencies if emergencies else float("nan"),
        "top1": top1 / n,
        "top3": top3 / n,
        "by_chapter": {
            k: {"n": v[0], "top1": v[1] / v[0], "top3": v[2] / v[0]}
            for k, v in sorted(by_chapter.items())
        },
        "confusion": confusion,
    }


def run(
    vignettes: Sequence[Vignette], predictors: dict[str, Predictor], kb: KnowledgeBase
) -> dict[str, dict[str, Any]]:
    return {
        name: score(vignettes, [fn(v) for v in vignettes], kb) for name, fn in predictors.items()
    }


def table(results: dict[str, dict[str, Any]]) -> str:
    """A Markdown table of the headline metrics, one row per predictor."""
    head = "| predictor | triage accuracy | under-triage | over-triage | emergency recall | top-1 | top-3 |\n|---|---|---|---|---|---|---|\n"
    rows = [
        f"| {name} | {r['triage_accuracy']:.1%} | {r['under_triage']:.1%} | {r['over_triage']:.1%} | "
        f"{r['emergency_recall']:.1%} | {r['top1']:.1%} | {r['top3']:.1%} |"
        for name, r in results.items()
    ]
    return head + "\n".join(rows) + "\n"


def chapter_table(results: dict[str, dict[str, Any]]) -> str:
    names = list(results)
    chapters = sorted({c for r in results.values() for c in r["by_chapter"]})
    head = "| ICD-10 chapter | n | " + " | ".join(f"{n} top-1 / top-3" for n in names) + " |\n"
    head += "|---|---|" + "---|" * len(names) + "\n"
    rows = []
    for ch in chapters:
        first = results[names[0]]["by_chapter"][ch]
        cells = [
            f"{results[n]['by_chapter'][ch]['top1']:.0%} / {results[n]['by_chapter'][ch]['top3']:.0%}"
            for n in names
        ]
        rows.append(f"| {ch} | {first['n']} | " + " | ".join(cells) + " |")
    return head + "\n".join(rows) + "\n"
