"""Evaluation on the vignettes for the three predictors, and the model card.

Predictors:

- ``seq2seq``: the model alone (its most likely level, its three most likely conditions);
- ``seq2seq + safety floor``: what the skill shows (age/sex fit, red flags, rounding up when
  unsure, posterior risk; see ``assess.py``);
- ``baseline``: TF-IDF + logistic regression trained on the same generated cases.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from skills.triage.baseline import Baseline
from skills.triage.data import generate
from skills.triage.engine import TriageEngine
from skills.triage.evaluate import (
    VIGNETTES,
    Outcome,
    Vignette,
    chapter_table,
    load_vignettes,
    run,
    table,
)
from skills.triage.infer import CHECKPOINT

MODEL_CARD = CHECKPOINT.parent / "MODEL_CARD.md"


def evaluate_all(
    vignettes_path: Path | None = None, baseline_cases: int = 100_000, write: bool = False
) -> dict[str, Any]:
    engine = TriageEngine()
    engine.warm_up()
    vignettes = load_vignettes(vignettes_path or VIGNETTES)
    model = engine.assessor.model
    seed = int(model.meta.get("train_config", {}).get("seed", 13))
    started = time.monotonic()
    cases, _ = generate(engine.kb, baseline_cases, 0, seed=seed)
    baseline = Baseline.fit(cases, seed=seed)
    baseline_minutes = (time.monotonic() - started) / 60

    def seq2seq(v: Vignette) -> Outcome:
        pred = model.predict(v.text, k=3)
        return Outcome(pred.level, tuple(c for c, _ in pred.conditions))

    def floored(v: Vignette) -> Outcome:
        a = engine.assess(v.text, v.age, v.sex)
        return Outcome(a.level, tuple(c.id for c, _ in a.differential))

    def base(v: Vignette) -> Outcome:
        level, conditions = baseline.predict(v.text)
        return Outcome(level, tuple(conditions))

    results: dict[str, Any] = run(
        vignettes,
        {"seq2seq": seq2seq, "seq2seq + safety floor": floored, "baseline (TF-IDF + LR)": base},
        engine.kb,
    )
    results["baseline_train_minutes"] = round(baseline_minutes, 1)
    if write:
        write_model_card(results, model.meta, len(vignettes))
    return results


def summary(results: dict[str, Any]) -> tuple[str, str]:
    scored = {k: v for k, v in results.items() if isinstance(v, dict) and "triage_accuracy" in v}
    return table(scored), chapter_table(scored)


def write_model_card(results: dict[str, Any], meta: dict[str, Any], n: int) -> None:
    headline, chapters = summary(results)
    val = meta.get("validation", {})
    cfg = meta.get("train_config", {})
    card = f"""# Model card: Vita triage seq2seq (`triage.pt`)

Updated {dt.date.today().isoformat()} by `vita eval triage --write`.

## What it is
A recurrent encoder-decoder with additive (Bahdanau) attention, written for Vita
(`skills/triage/model.py`). A bidirectional GRU reads the complaint as WordPiece pieces of the
packaged all-MiniLM-L6-v2 tokenizer (our input embeddings start from MiniLM's); the decoder
writes the triage level, then up to three conditions of the knowledge base, then the end token.
{meta.get("parameters", 0):,} parameters, stored in float16.

## Intended use
Deciding how urgently someone should seek care and listing possible causes, inside Vita's
triage skill, with the safety floor of `assess.py` on top. **Not a diagnosis**, not a medical
device, not for use without the floor or without a clinician when in doubt.

## Training data
{cfg.get("cases", "?"):,} synthetic cases generated from Vita's own knowledge base
(`kb.yaml`: {meta.get("kb_conditions", "?")} conditions, {meta.get("kb_symptoms", "?")} symptoms),
written by the team; no patient data. Seed {cfg.get("seed", "?")}, {meta.get("best_epoch", "?")}
epochs kept (best on validation), {meta.get("train_minutes", "?")} minutes of training
({meta.get("trained_on", "CPU")}).

## Validation (generated cases with held-out sentence patterns and synonyms)
Level accuracy {val.get("level_accuracy", 0):.1%}, top-1 condition {val.get("top1", 0):.1%},
top-3 {val.get("top3", 0):.1%}. Level temperature {meta.get("temperature", 1):.2f}; the level
is rounded up when its calibrated confidence is below {meta.get("unsure_below", 0):.2f}.

## Test: {n} hand-written vignettes (`skills/triage/vignettes.yaml`)
{headline}
Top-1/top-3 count a hit when a predicted condition shares the vignette's three-character
ICD-10 category. By ICD-10 chapter:

{chapters}
## Limits
English only. The knowledge base covers {meta.get("kb_conditions", "?")} conditions: anything
else can only be matched to the nearest of them. Synthetic training text is cleaner and more
regular than what people type. Probabilities are the model's, calibrated on generated cases,
not clinical frequencies.
"""
    MODEL_CARD.write_text(card, encoding="utf-8")
