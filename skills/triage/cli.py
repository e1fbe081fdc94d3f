"""``vita triage``, ``vita train triage`` and ``vita eval triage``.

- ``vita triage "text" [--age N --sex F|M] [--json]``: one assessment, as text or as the JSON of
  ``POST /api/v1/triage``; ``vita triage --batch FILE.jsonl --json`` reads ``{"id", "text"[,
  "age", "sex"]}`` lines and writes one result line per input line (a bad line gets an
  ``{"id", "error"}`` line, the rest go on).
- ``vita train triage --cases 100000 --epochs 6 ...``: every field of
  :class:`~skills.triage.train.TrainConfig` is a flag.
- ``vita eval triage``: the hand-written vignettes for the model, the baseline and the model
  with the safety floor; ``--write`` also updates the model card and BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.cli import Commands

if TYPE_CHECKING:
    from skills.triage.engine import TriageEngine

_SEX = {"f": "female", "female": "female", "m": "male", "male": "male"}


def register(commands: Commands) -> None:
    triage = commands.add(
        "triage", help="check symptoms: urgency level and possible causes (not a diagnosis)"
    )
    triage.add_argument("text", nargs="?", help="the complaint, in your own words")
    triage.add_argument("--age", type=int, help="age in years")
    triage.add_argument("--sex", type=str.lower, choices=sorted(_SEX), help="F or M")
    triage.add_argument("--batch", type=Path, help="JSONL file of {id, text[, age, sex]} lines")
    triage.add_argument("--json", action="store_true", help="print JSON")
    triage.set_defaults(handler=_triage)

    from skills.triage.train import TrainConfig

    train = commands.add_train(
        "triage", help="train the triage seq2seq model (CPU, about 30 minutes)"
    )
    for f in fields(TrainConfig):
        default = getattr(TrainConfig(), f.name)
        train.add_argument(
            f"--{f.name.replace('_', '-')}",
            type=type(default),
            default=default,
            help=f"(default {default})",
        )
    train.set_defaults(handler=_train)

    ev = commands.add_eval(
        "triage", help="score the model, the baseline and the safety floor on the vignettes"
    )
    ev.add_argument("--vignettes", type=Path, help="vignettes YAML (default: the packaged set)")
    ev.add_argument(
        "--baseline-cases", type=int, default=100_000, help="training cases for the baseline"
    )
    ev.add_argument("--json", action="store_true", help="print the metrics as JSON")
    ev.add_argument("--write", action="store_true", help="update the model card and BENCHMARKS.md")
    ev.set_defaults(handler=_eval)


def _engine() -> TriageEngine:
    from skills.triage.engine import TriageEngine

    engine = TriageEngine()
    engine.warm_up()
    return engine


def _one(engine: TriageEngine, text: str, age: int | None, sex: str | None) -> dict[str, Any]:
    a = engine.assess(text, age, sex)
    return engine.result(a, engine.question(a, age, sex, []))


def _triage(args: argparse.Namespace) -> int:
    if not args.text and not args.batch:
        print("vita triage: give a complaint in quotes, or --batch FILE.jsonl", file=sys.stderr)
        return 2
    engine = _engine()
    sex = _SEX.get(args.sex or "")
    if args.batch:
        return _batch(engine, args.batch)
    text = args.text.strip()
    if not text:
        print("vita triage: the complaint is empty", file=sys.stderr)
        return 2
    result = _one(engine, text, args.age, sex)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print(result)
    return 0


def _batch(engine: TriageEngine, path: Path) -> int:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        print(f"vita triage: cannot read {path}: {exc}", file=sys.stderr)
        return 2
    failed = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            text = str(item["text"]).strip()
            if not text:
                raise ValueError("empty text")
            out = {
                "id": item.get("id", number),
                **_one(engine, text, item.get("age"), _SEX.get(str(item.get("sex", "")).lower())),
            }
        except (ValueError, KeyError, TypeError) as exc:
            failed += 1
            out = {"id": number, "error": f"line {number}: {exc}"}
        print(json.dumps(out))
    return 1 if failed else 0


def _print(result: dict[str, Any]) -> None:
    from rich.console import Console

    console = Console()
    console.print(f"[bold]Level:[/bold] {result['level']}")
    console.print("[bold]Possible causes (not a diagnosis):[/bold]")
    for c in result["conditions"]:
        console.print(f"  {c['name']} ({c['icd10']}): {c['probability']:.0%}")
    for flag in result["red_flags"]:
        console.print(f"[red]Warning sign:[/red] {flag['name']}: {flag['reason']}")
    top = sorted(result["attention"], key=lambda a: -a["weight"])[:5]
    console.print("Words that weighed most: " + ", ".join(a["token"] for a in top))


def _train(args: argparse.Namespace) -> int:
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from skills.triage.train import TrainConfig, train

    cfg = TrainConfig(**{f.name: getattr(args, f.name) for f in fields(TrainConfig)})
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    from skills.triage import kb as kb_module
    from skills.triage.calibrate import calibrate, write

    with Progress(*columns) as progress:
        meta = train(cfg, progress)
    floor = calibrate(Path(cfg.out), kb=kb_module.load(Path(cfg.kb), Path(cfg.symptoms)))
    write(Path(cfg.out), floor)
    meta["floor_rules"] = floor["floor_rules"]
    print(
        json.dumps(
            {
                k: meta[k]
                for k in (
                    "validation",
                    "best_epoch",
                    "train_minutes",
                    "temperature",
                    "unsure_below",
                    "floor_rules",
                    "parameters",
                )
            },
            indent=2,
        )
    )
    print(f"checkpoint written to {cfg.out}; run `vita eval triage --write` for the model card")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from skills.triage.report import evaluate_all

    results = evaluate_all(args.vignettes, baseline_cases=args.baseline_cases, write=args.write)
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    else:
        from skills.triage.evaluate import table

        print(
            table(
                {k: v for k, v in results.items() if isinstance(v, dict) and "triage_accuracy" in v}
            )
        )
    return 0
