"""Training end to end on the synthetic set: reproducible, time-guarded, writes a loadable card."""

from __future__ import annotations

from pathlib import Path

import torch

from skills.image_check.infer import load_checkpoint
from skills.image_check.options import TrainConfig
from skills.image_check.train import class_weights, train


def _cfg(npz: Path, out: Path, **changes: object) -> TrainConfig:
    cfg = TrainConfig(
        data=str(npz), source="npz", out=str(out), epochs=2, batch=32, widths="8,8,16",
        tta=1, threads=1, ood_negatives=16, lr=1e-2, max_minutes=5,
    )  # fmt: skip
    for key, value in changes.items():
        setattr(cfg, key, value)
    return cfg


def test_same_seed_same_weights_and_the_record(synthetic_npz: Path, tmp_path: Path) -> None:
    logs: list[str] = []
    first = train(_cfg(synthetic_npz, tmp_path / "a" / "m.pt"), log=logs.append)
    train(_cfg(synthetic_npz, tmp_path / "b" / "m.pt"), log=lambda *a: None)
    a, _ = load_checkpoint(tmp_path / "a" / "m.pt")
    b, _ = load_checkpoint(tmp_path / "b" / "m.pt")
    for (name, va), vb in zip(a.model.state_dict().items(), b.model.state_dict().values(),
                              strict=True):  # fmt: skip
        assert torch.equal(va, vb), name
    assert first["epochs_run"] == 2 and len(first["history"]) == 2 and first["threads"] == 1
    assert first["temperature"] > 0 and first["referral"]["sensitivity"] >= 0.9
    assert any("temperature" in line for line in logs)
    card = (tmp_path / "a" / "MODEL_CARD.md").read_text()
    assert "CC BY-NC 4.0" in card and "Not evaluated yet" in card


def test_time_guard_shortens_and_stops(synthetic_npz: Path, tmp_path: Path) -> None:
    record = train(_cfg(synthetic_npz, tmp_path / "m.pt", epochs=50, max_minutes=0.05),
                   log=lambda *a: None)  # fmt: skip
    assert record["epochs_run"] < 50
    assert load_checkpoint(tmp_path / "m.pt")[0].classes[0] == "akiec"


def test_class_weights_soften_the_imbalance() -> None:
    counts = [228, 359, 769, 80, 779, 4693, 99]
    plain, mild, full = (class_weights(counts, p) for p in (0.0, 0.3, 1.0))
    assert torch.allclose(plain, torch.ones(7))
    assert mild[3] > mild[5] and mild[3] / mild[5] < full[3] / full[5]
    total = torch.tensor(counts, dtype=torch.float32)
    assert torch.isclose((mild * total).sum(), total.sum())
