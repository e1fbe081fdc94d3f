"""``vita train triage``: generate cases, train the seq2seq model on CPU, calibrate, save.

Defaults (each can be overridden with ``--key=value``):

- 100,000 training and 8,000 validation cases from ``kb.yaml`` (validation uses held-out
  sentence patterns and synonyms), seed 13;
- Adam, learning rate 2e-3 with a linear decay, batch 128, label smoothing 0.05, gradient norm
  clipped at 1.0, 10% word dropout (pieces replaced by ``[UNK]``) so the model copes with unknown
  words and typos;
- at most ``max_minutes`` (30) in all: the learning rate decays linearly with whichever is
  further along, the planned steps or the time budget, so a slow machine still anneals before
  the deadline; when time is up training stops, in the middle of an epoch if need be (that
  partial epoch is validated too), and the best state on validation is kept. On a machine fast
  enough for the planned epochs the run does not depend on the clock and is reproducible;
- then a temperature for the level logits is fitted on validation (minimising negative
  log-likelihood), and ``unsure_below``: the level confidence below which the skill rounds the
  level up, chosen on validation as the highest threshold whose extra over-triage stays under 15%;
- ``vita train triage`` then fits the safety floor's rules on fresh validation cases
  (:mod:`skills.triage.calibrate`, about a minute) and stores them in the checkpoint.

The checkpoint (``checkpoint/triage.pt``) carries the config, both vocabularies, the weights (in
float16, to stay small) and this metadata; ``vita eval triage`` writes the model card.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import torch
from torch import nn

from skills.triage import kb as kb_module
from skills.triage.data import Case, generate
from skills.triage.infer import CHECKPOINT, FIRST_CONDITION, FIRST_LEVEL
from skills.triage.model import (
    BOS,
    EOS,
    OUT_PAD,
    PAD,
    UNK,
    Seq2Seq,
    Seq2SeqConfig,
    count_parameters,
)
from skills.triage.vocab import (
    Vocab,
    build_source_vocab,
    build_target_vocab,
    minilm_embeddings,
    tokenize,
)


@dataclass
class TrainConfig:
    cases: int = 100_000
    val_cases: int = 8_000
    epochs: int = 6
    batch: int = 128
    lr: float = 2e-3
    label_smoothing: float = 0.05
    word_dropout: float = 0.1
    seed: int = 13
    max_minutes: float = 30.0
    threads: int = 2
    device: str = "cpu"  # "cuda" trains on a GPU when there is one (the CPU is the reference)
    out: str = str(CHECKPOINT)
    kb: str = str(kb_module.KB_PATH)
    symptoms: str = str(kb_module.SYMPTOMS_PATH)


def _seed(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)


def encode_cases(cases: list[Case], src: Vocab, tgt: Vocab) -> list[tuple[list[int], list[int]]]:
    pieces = tokenize([c.text for c in cases])
    out = []
    for case, toks in zip(cases, pieces, strict=True):
        target = [tgt.id(t) for t in case.target] + [EOS]
        out.append((src.encode(toks) or [UNK], target))
    return out


def batches(
    data: list[tuple[list[int], list[int]]], size: int, rng: random.Random | None
) -> list[list[int]]:
    """Index batches of similar length (fast packed RNNs); shuffled when ``rng`` is given."""
    order = sorted(range(len(data)), key=lambda i: len(data[i][0]))
    groups = [order[i : i + size] for i in range(0, len(order), size)]
    if rng is not None:
        rng.shuffle(groups)
    return groups


def collate(
    data: list[tuple[list[int], list[int]]], idx: list[int], word_dropout: float = 0.0
) -> tuple[torch.Tensor, ...]:
    srcs = [data[i][0] for i in idx]
    tgts = [data[i][1] for i in idx]
    lengths = torch.tensor([len(s) for s in srcs])
    src = torch.full((len(idx), int(lengths.max())), PAD, dtype=torch.long)
    for row, s in enumerate(srcs):
        src[row, : len(s)] = torch.tensor(s)
    if word_dropout:
        drop = (torch.rand(src.shape) < word_dropout) & (src != PAD)
        src = src.masked_fill(drop, UNK)
    width = max(len(t) for t in tgts)
    tgt = torch.full((len(idx), width + 1), OUT_PAD, dtype=torch.long)
    tgt[:, 0] = BOS
    for row, t in enumerate(tgts):
        tgt[row, 1 : len(t) + 1] = torch.tensor(t)
    return src, lengths, tgt[:, :-1], tgt[:, 1:]


@torch.inference_mode()
def validate(
    model: Seq2Seq, data: list[tuple[list[int], list[int]]], batch: int = 256, device: str = "cpu"
) -> dict[str, Any]:
    """Level accuracy, top-1/top-3 condition accuracy (teacher-forced level), level logits."""
    model.eval()
    level_ok = top1 = top3 = 0
    level_logits, level_gold = [], []
    for idx in batches(data, batch, None):
        src, lengths, tgt_in, tgt_out = collate(data, idx)
        logits = model(src.to(device), lengths, tgt_in[:, :2].to(device))[0].float().cpu()
        lvl = logits[:, 0, FIRST_LEVEL:FIRST_CONDITION]
        gold_level = tgt_out[:, 0] - FIRST_LEVEL
        level_ok += int((lvl.argmax(-1) == gold_level).sum())
        level_logits.append(lvl)
        level_gold.append(gold_level)
        cond = logits[:, 1, FIRST_CONDITION:]
        gold = (tgt_out[:, 1] - FIRST_CONDITION).unsqueeze(1)
        best = cond.topk(3, dim=-1).indices
        top1 += int((best[:, :1] == gold).sum())
        top3 += int((best == gold).any(-1).sum())
    model.train()
    n = len(data)
    return {
        "level_accuracy": level_ok / n,
        "top1": top1 / n,
        "top3": top3 / n,
        "level_logits": torch.cat(level_logits),
        "level_gold": torch.cat(level_gold),
    }


def fit_temperature(logits: torch.Tensor, gold: torch.Tensor) -> float:
    """The temperature minimising the validation NLL of the level (a 1-D search in log space)."""
    best_t, best_nll = 1.0, math.inf
    for step in range(-20, 41):
        t = 10 ** (step / 40)
        nll = float(nn.functional.cross_entropy(logits / t, gold))
        if nll < best_nll:
            best_t, best_nll = t, nll
    return best_t


def choose_unsure_threshold(
    logits: torch.Tensor, gold: torch.Tensor, temperature: float, budget: float = 0.15
) -> float:
    """Highest confidence threshold below which rounding up adds at most ``budget`` over-triage."""
    probs = torch.softmax(logits / temperature, dim=-1)
    conf, pred = probs.max(-1)
    best = 0.0
    for t in [x / 100 for x in range(30, 96, 5)]:
        bumped = torch.where(conf < t, (pred + 1).clamp(max=probs.size(1) - 1), pred)
        extra_over = float(((bumped > gold) & ~(pred > gold)).float().mean())
        if extra_over <= budget:
            best = t
    return best


def train(cfg: TrainConfig, progress: Any = None) -> dict[str, Any]:
    """Train and save; returns the validation metrics. ``progress``: a rich Progress or None."""
    started = time.monotonic()
    torch.set_num_threads(cfg.threads)
    _seed(cfg.seed)
    kb = kb_module.load(Path(cfg.kb), Path(cfg.symptoms))
    train_cases, val_cases = generate(kb, cfg.cases, cfg.val_cases, seed=cfg.seed)
    lexicon = tokenize([p for s in kb.symptoms.values() for p in s.phrases])
    src = build_source_vocab(tokenize([c.text for c in train_cases]), lexicon)
    tgt = build_target_vocab(kb.ids)
    train_data = encode_cases(train_cases, src, tgt)
    val_data = encode_cases(val_cases, src, tgt)
    model_cfg = Seq2SeqConfig(src_vocab=len(src), tgt_vocab=len(tgt))
    model = Seq2Seq(model_cfg)
    with torch.no_grad():
        model.encoder.embed.weight.copy_(minilm_embeddings(src, model_cfg.embed_dim))
    model.to(cfg.device)
    optim = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    rng = random.Random(cfg.seed)
    steps_per_epoch = math.ceil(len(train_data) / cfg.batch)
    total = steps_per_epoch * cfg.epochs
    deadline = started + cfg.max_minutes * 60 - 150  # leave time to validate, save, calibrate
    train_start = time.monotonic()

    def decay(step: int) -> float:
        time_done = (time.monotonic() - train_start) / max(1.0, deadline - train_start)
        return max(0.05, 1 - max(step / total, time_done))

    sched = torch.optim.lr_scheduler.LambdaLR(optim, decay)
    loss_fn = nn.CrossEntropyLoss(ignore_index=OUT_PAD, label_smoothing=cfg.label_smoothing)
    task = progress.add_task("training triage model", total=total) if progress else None
    best: dict[str, Any] = {"score": -1.0}
    history = []
    out_of_time = False
    for epoch in range(cfg.epochs):
        for step, idx in enumerate(batches(train_data, cfg.batch, rng)):
            if step % 20 == 0 and time.monotonic() > deadline:
                out_of_time = True  # keep what we have: validate and save below
                break
            s, lengths, tgt_in, tgt_out = collate(train_data, idx, cfg.word_dropout)
            logits, _ = model(s.to(cfg.device), lengths, tgt_in.to(cfg.device))
            gold = tgt_out.to(cfg.device).reshape(-1)
            loss = loss_fn(logits.reshape(-1, logits.size(-1)), gold)
            optim.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optim.step()
            sched.step()
            if progress:
                progress.update(
                    task, advance=1, description=f"epoch {epoch + 1} loss {loss.item():.3f}"
                )
        metrics = validate(model, val_data, device=cfg.device)
        score = metrics["level_accuracy"] + metrics["top3"]
        history.append(
            {k: round(v, 4) for k, v in metrics.items() if isinstance(v, float)}
            | {"epoch": epoch + 1}
        )
        if score > best["score"]:
            best = {
                "score": score,
                "state": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
                "metrics": metrics,
                "epoch": epoch + 1,
            }
        if out_of_time:
            break
    model = model.cpu()
    model.load_state_dict(best["state"])
    metrics = best["metrics"]
    temperature = fit_temperature(metrics["level_logits"], metrics["level_gold"])
    unsure = choose_unsure_threshold(metrics["level_logits"], metrics["level_gold"], temperature)
    meta = {
        "temperature": temperature,
        "unsure_below": unsure,
        "train_config": {
            f.name: getattr(cfg, f.name)
            for f in fields(cfg)
            if f.name not in ("out", "kb", "symptoms")
        },
        "best_epoch": best["epoch"],
        "history": history,
        "validation": {k: round(metrics[k], 4) for k in ("level_accuracy", "top1", "top3")},
        "parameters": count_parameters(model),
        "train_minutes": round((time.monotonic() - started) / 60, 1),
        "trained_on": "GPU" if cfg.device.startswith("cuda") else f"CPU, {cfg.threads} threads",
        "kb_conditions": len(kb.conditions),
        "kb_symptoms": len(kb.symptoms),
    }
    save(model, src, tgt, meta, Path(cfg.out))
    return meta


def save(model: Seq2Seq, src: Vocab, tgt: Vocab, meta: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    blob = {
        "config": model.cfg.to_dict(),
        "src_tokens": list(src.tokens),
        "tgt_tokens": list(tgt.tokens),
        "state_dict": {k: v.half() for k, v in model.state_dict().items()},
        "meta": meta,
    }
    torch.save(blob, path)
