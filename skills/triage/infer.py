"""Loading the triage checkpoint and predicting: level, ranked differential, attention.

``TriageModel.predict(text)`` encodes the complaint once and then:

- computes exact probabilities: P(level) from the first decoder step (temperature-scaled, the
  temperature fitted on validation cases), and P(first condition = c) = sum over levels of
  P(level) * P(c | level) from one batched second step;
- runs beam search over whole output sequences (level, up to three conditions, end), with the
  grammar enforced (a level first, then distinct conditions), for the n-best list;
- returns the attention the decoder paid to each input word while choosing the level and the
  leading condition, with WordPiece pieces merged back into words.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from skills.triage.kb import LEVELS
from skills.triage.model import BOS, EOS, Seq2Seq, Seq2SeqConfig
from skills.triage.vocab import Vocab, tokenize

CHECKPOINT = Path(__file__).resolve().parent / "checkpoint" / "triage.pt"
N_LEVELS = len(LEVELS)
FIRST_LEVEL = 3  # output ids: <pad> <bos> <eos> then the levels
FIRST_CONDITION = FIRST_LEVEL + N_LEVELS
# Recent predictions kept per (text, beam, k): every follow-up answer re-assesses the same
# complaint, and the model's answer for a text never changes.
PREDICTION_CACHE_SIZE = 256


@dataclass(frozen=True)
class Prediction:
    level: str
    level_probs: dict[str, float]
    conditions: list[tuple[str, float]]  # (id, probability), best first
    nbest: list[tuple[list[str], float]]  # beam search sequences and their probabilities
    attention: list[tuple[str, float]]  # (word, weight) in input order
    tokens: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def confidence(self) -> float:
        return self.level_probs[self.level]


class TriageModel:
    """A loaded checkpoint. Thread-safe for prediction (inference only, no state)."""

    def __init__(self, model: Seq2Seq, src: Vocab, tgt: Vocab, meta: dict[str, Any]) -> None:
        self.model = model.eval()
        self.src = src
        self.tgt = tgt
        self.meta = meta
        self.temperature = float(meta.get("temperature", 1.0))
        self.unsure_below = float(meta.get("unsure_below", 0.0))
        self._cache: OrderedDict[tuple[str, int, int], Prediction] = OrderedDict()
        self._cache_lock = threading.Lock()

    @property
    def condition_ids(self) -> tuple[str, ...]:
        return self.tgt.tokens[FIRST_CONDITION:]

    @classmethod
    def load(cls, path: Path = CHECKPOINT) -> TriageModel:
        blob = torch.load(path, map_location="cpu", weights_only=False)
        cfg = Seq2SeqConfig(**blob["config"])
        model = Seq2Seq(cfg)
        model.load_state_dict({k: v.float() for k, v in blob["state_dict"].items()})
        return cls(
            model, Vocab(tuple(blob["src_tokens"])), Vocab(tuple(blob["tgt_tokens"])), blob["meta"]
        )

    # ------------------------------------------------------------------ prediction

    @torch.inference_mode()
    def predict(self, text: str, beam: int = 4, k: int = 3) -> Prediction:
        """The prediction for ``text`` (recent ones come from a small cache; treat as read-only)."""
        key = (text, beam, k)
        with self._cache_lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        prediction = self._predict(text, beam, k)
        with self._cache_lock:
            self._cache[key] = prediction
            if len(self._cache) > PREDICTION_CACHE_SIZE:
                self._cache.popitem(last=False)
        return prediction

    def _predict(self, text: str, beam: int, k: int) -> Prediction:
        # One thread per prediction: the network is small, and two threads per request spin
        # against each other on a busy 2-core server (p95 8.8 ms with one, over a second with two).
        torch.set_num_threads(1)
        pieces = tokenize([text])[0] or ["[UNK]"]
        src = torch.tensor([self.src.encode(pieces)])
        keys, proj, mask, state = self.model.encode(src, torch.tensor([len(pieces)]))
        step = self.model.decoder.step
        logits, state1, attn_level = step(torch.tensor([BOS]), state, keys, proj, mask)
        level_logits = logits[0, FIRST_LEVEL:FIRST_CONDITION] / self.temperature
        p_level = torch.softmax(level_logits, dim=-1)  # (L,)
        # second step for every level at once: P(condition | level, text)
        levels = torch.arange(FIRST_LEVEL, FIRST_CONDITION)
        logits2, _, attn_cond = step(
            levels,
            state1.expand(N_LEVELS, -1),
            keys.expand(N_LEVELS, -1, -1),
            proj.expand(N_LEVELS, -1, -1),
            mask.expand(N_LEVELS, -1),
        )
        p_cond = torch.softmax(logits2[:, FIRST_CONDITION:], dim=-1)  # (L, C)
        marginal = (p_level.unsqueeze(1) * p_cond).sum(0)
        best_level = int(p_level.argmax())
        top = torch.topk(marginal, k=min(k, marginal.numel()))
        weights = (attn_level[0] + attn_cond[best_level]) / 2
        nbest = self._beam(keys, proj, mask, state, beam)
        return Prediction(
            level=LEVELS[best_level],
            level_probs={lvl: float(p) for lvl, p in zip(LEVELS, p_level, strict=True)},
            conditions=[
                (self.condition_ids[int(i)], float(p))
                for p, i in zip(top.values, top.indices, strict=True)
            ],
            nbest=nbest,
            attention=merge_pieces(pieces, weights.tolist()),
            tokens=len(pieces),
        )

    def _beam(
        self,
        keys: torch.Tensor,
        proj: torch.Tensor,
        mask: torch.Tensor,
        state: torch.Tensor,
        width: int,
        max_conditions: int = 3,
    ) -> list[tuple[list[str], float]]:
        """Beam search over ``LEVEL COND{1,3} <eos>``; returns finished sequences, best first."""
        beams: list[tuple[list[int], float, torch.Tensor]] = [([BOS], 0.0, state)]
        finished: list[tuple[list[int], float]] = []
        for position in range(max_conditions + 2):
            prev = torch.tensor([b[0][-1] for b in beams])
            n = len(beams)
            logits, states, _ = self.model.decoder.step(
                prev,
                torch.cat([b[2] for b in beams]),
                keys.expand(n, -1, -1),
                proj.expand(n, -1, -1),
                mask.expand(n, -1),
            )
            if position == 0:
                logits = logits.clone()
                logits[:, FIRST_LEVEL:FIRST_CONDITION] /= self.temperature
            logp = torch.log_softmax(self._constrain(logits, beams, position), dim=-1)
            candidates: list[tuple[list[int], float, torch.Tensor]] = []
            for i, (seq, score, _) in enumerate(beams):
                values, ids = torch.topk(logp[i], k=width)
                for v, token in zip(values.tolist(), ids.tolist(), strict=True):
                    if v == float("-inf"):
                        continue
                    candidates.append(([*seq, token], score + v, states[i : i + 1]))
            candidates.sort(key=lambda c: -c[1])
            beams = []
            for seq, score, st in candidates:
                if seq[-1] == EOS:
                    finished.append((seq, score))
                elif len(beams) < width:
                    beams.append((seq, score, st))
            if not beams or len(finished) >= width:
                break
        finished.sort(key=lambda f: -f[1])
        return [
            ([self.tgt.tokens[t] for t in seq[1:-1]], float(torch.tensor(score).exp()))
            for seq, score in finished[:width]
        ]

    def _constrain(
        self,
        logits: torch.Tensor,
        beams: list[tuple[list[int], float, torch.Tensor]],
        position: int,
    ) -> torch.Tensor:
        """Mask tokens the output grammar does not allow at this position."""
        out = torch.full_like(logits, float("-inf"))
        for i, (seq, _, _) in enumerate(beams):
            if position == 0:
                out[i, FIRST_LEVEL:FIRST_CONDITION] = logits[i, FIRST_LEVEL:FIRST_CONDITION]
                continue
            out[i, FIRST_CONDITION:] = logits[i, FIRST_CONDITION:]
            for used in seq[2:]:
                out[i, used] = float("-inf")
            if position >= 2:  # at least one condition before the end
                out[i, EOS] = logits[i, EOS]
        return out


def merge_pieces(pieces: list[str], weights: list[float]) -> list[tuple[str, float]]:
    """Join ``##`` continuation pieces into words, summing their attention."""
    words: list[tuple[str, float]] = []
    for piece, weight in zip(pieces, weights, strict=False):
        if piece.startswith("##") and words:
            word, total = words[-1]
            words[-1] = (word + piece[2:], total + weight)
        else:
            words.append((piece, weight))
    return words
