"""The safety floor's rules: chosen on generated validation cases, stored in the checkpoint."""

from __future__ import annotations

import shutil
from pathlib import Path

from skills.triage import kb as kb_module
from skills.triage.assess import Assessor, FloorRules, floor_level
from skills.triage.calibrate import Features, calibrate, choose, score, write
from skills.triage.infer import TriageModel


def _case(
    gold: str, top: str, emergency_mass: float, flags: tuple[str, ...] = ()
) -> dict[float, Features]:
    mass = {"emergency": emergency_mass, "urgent": 0.0, "routine": 0.0}
    mass["self_care"] = 1.0 - emergency_mass
    return {0.0: Features(gold, top, mass, dict.fromkeys((1, 2, 3, 5), flags), top, 0.99)}


def test_floor_only_raises_the_level() -> None:
    rules = FloorRules(risk_emergency=0.3, risk_urgent=0.45, leading=5)
    calm = {"emergency": 0.0, "urgent": 0.0, "routine": 0.2, "self_care": 0.8}
    assert floor_level("routine", calm, [], "routine", 0.9, 0.5, rules)[0] == "routine"
    risky = {"emergency": 0.35, "urgent": 0.0, "routine": 0.0, "self_care": 0.65}
    assert floor_level("self_care", risky, [], "self_care", 0.9, 0.5, rules)[:2] == (
        "emergency",
        "emergency",
    )
    assert floor_level("self_care", calm, ["urgent"], "self_care", 0.9, 0.5, rules)[0] == "urgent"
    # an unsure model leaning more urgent rounds up one step; a sure one does not
    assert floor_level("routine", calm, [], "emergency", 0.3, 0.5, rules) == (
        "urgent",
        "self_care",
        True,
    )
    assert floor_level("routine", calm, [], "emergency", 0.9, 0.5, rules)[2] is False


def test_choose_meets_the_targets_when_it_can() -> None:
    # two emergencies the leading condition misses, caught only if 0.2 of emergency mass counts;
    # and self-care cases with 0.16 of emergency mass that a threshold of 0.15 would over-triage
    cases = [_case("emergency", "self_care", 0.2) for _ in range(2)]
    cases += [_case("self_care", "self_care", 0.16) for _ in range(8)]
    cases += [_case("emergency", "emergency", 0.9) for _ in range(10)]
    (rules, _), figures = choose(cases)
    assert rules.risk_emergency == 0.2
    assert figures["emergency_recall"] == 1.0 and figures["accuracy"] == 1.0
    assert score(cases, FloorRules(risk_emergency=0.5), 0.0)["emergency_recall"] < 1.0


def test_choose_prefers_recall_when_no_setting_is_feasible() -> None:
    # an emergency that only the lowest threshold catches, at the price of false alarms
    cases = [_case("emergency", "self_care", 0.15)]
    cases += [_case("self_care", "self_care", 0.15) for _ in range(3)]
    (rules, _), figures = choose(cases)
    assert figures["emergency_recall"] == 1.0
    assert rules.risk_emergency == 0.15


def test_calibrated_rules_are_stored_and_used(
    tiny_checkpoint: Path, small_kb: kb_module.KnowledgeBase, tmp_path: Path
) -> None:
    checkpoint = tmp_path / "calibrated.pt"
    shutil.copy(tiny_checkpoint, checkpoint)
    result = calibrate(checkpoint, cases=150, seed=5, progress=False, kb=small_kb)
    for key in ("accuracy", "under_triage", "emergency_recall"):
        assert 0.0 <= result["validation"][key] <= 1.0
    write(checkpoint, result)
    model = TriageModel.load(checkpoint)
    assert model.meta["floor_rules"] == result["floor_rules"]
    assert Assessor(model, small_kb).rules == FloorRules(**result["floor_rules"])
