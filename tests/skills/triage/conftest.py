"""Triage fixtures: a small knowledge base written for the tests, and a tiny model trained on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from skills.triage import kb as kb_module
from skills.triage.engine import TriageEngine
from skills.triage.train import TrainConfig, train

FIXTURES = Path(__file__).resolve().parent / "fixtures"
KB = FIXTURES / "kb.yaml"
SYMPTOMS = FIXTURES / "symptoms.yaml"


@pytest.fixture(scope="session")
def small_kb() -> kb_module.KnowledgeBase:
    return kb_module.load(KB, SYMPTOMS)


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained for a few seconds on the fixture knowledge base."""
    out = tmp_path_factory.mktemp("triage") / "tiny.pt"
    cfg = TrainConfig(
        cases=1500,
        val_cases=300,
        epochs=3,
        threads=1,
        out=str(out),
        kb=str(KB),
        symptoms=str(SYMPTOMS),
    )
    train(cfg)
    return out


@pytest.fixture(scope="session")
def tiny_engine(tiny_checkpoint: Path) -> TriageEngine:
    engine = TriageEngine(tiny_checkpoint, KB, SYMPTOMS)
    engine.warm_up()
    return engine
