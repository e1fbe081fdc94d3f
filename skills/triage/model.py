"""A recurrent encoder-decoder with additive attention (Bahdanau et al., 2015), written for triage.

The encoder reads the complaint's WordPiece tokens with a bidirectional GRU. The decoder writes
the output sequence ``<bos> LEVEL CONDITION CONDITION CONDITION <eos>`` one token at a time; at
every step it scores each encoder state against its own state (additive attention), takes the
weighted sum as context, and predicts the next token from its state, the context and the
previous token. The attention weights are kept: they say which words drove each output.

Shapes in comments: B batch, S source length, T target length, H hidden sizes, V vocabularies.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import Tensor, nn

PAD, UNK = 0, 1  # input vocabulary
OUT_PAD, BOS, EOS = 0, 1, 2  # output vocabulary; levels and conditions follow


@dataclass(frozen=True)
class Seq2SeqConfig:
    """Sizes of the network (stored in the checkpoint)."""

    src_vocab: int
    tgt_vocab: int
    embed_dim: int = 384  # = MiniLM's input embeddings, which initialise ours
    enc_input: int = 128  # embeddings are projected down before the GRU: 3x less work per token
    enc_hidden: int = 128  # per direction
    dec_hidden: int = 192
    attn_dim: int = 96
    tgt_embed_dim: int = 64
    dropout: float = 0.2

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Encoder(nn.Module):
    def __init__(self, cfg: Seq2SeqConfig) -> None:
        super().__init__()
        self.embed = nn.Embedding(cfg.src_vocab, cfg.embed_dim, padding_idx=PAD)
        self.drop = nn.Dropout(cfg.dropout)
        self.project = nn.Linear(cfg.embed_dim, cfg.enc_input)
        self.rnn = nn.GRU(cfg.enc_input, cfg.enc_hidden, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(2 * cfg.enc_hidden, cfg.dec_hidden)

    def forward(self, src: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
        """src (B, S) -> states (B, S, 2He), initial decoder state (B, Hd)."""
        x = torch.tanh(self.project(self.drop(self.embed(src))))  # (B, S, Ein)
        packed = nn.utils.rnn.pack_padded_sequence(
            x, lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        out, last = self.rnn(packed)
        states, _ = nn.utils.rnn.pad_packed_sequence(
            out, batch_first=True, total_length=src.size(1)
        )
        both = torch.cat([last[0], last[1]], dim=-1)  # (B, 2He): forward end + backward start
        return states, torch.tanh(self.bridge(both))


class AdditiveAttention(nn.Module):
    """score(s, h) = v^T tanh(W s + U h); softmax over the source positions that are not padding."""

    def __init__(self, cfg: Seq2SeqConfig) -> None:
        super().__init__()
        self.w_query = nn.Linear(cfg.dec_hidden, cfg.attn_dim, bias=False)
        self.w_keys = nn.Linear(2 * cfg.enc_hidden, cfg.attn_dim, bias=True)
        self.v = nn.Linear(cfg.attn_dim, 1, bias=False)

    def forward(
        self, query: Tensor, keys: Tensor, proj_keys: Tensor, mask: Tensor
    ) -> tuple[Tensor, Tensor]:
        """query (B, Hd), keys (B, S, 2He), mask (B, S) -> context (B, 2He), weights (B, S)."""
        scores = self.v(torch.tanh(self.w_query(query).unsqueeze(1) + proj_keys)).squeeze(-1)
        scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        context = torch.bmm(weights.unsqueeze(1), keys).squeeze(1)
        return context, weights


class Decoder(nn.Module):
    def __init__(self, cfg: Seq2SeqConfig) -> None:
        super().__init__()
        self.embed = nn.Embedding(cfg.tgt_vocab, cfg.tgt_embed_dim, padding_idx=OUT_PAD)
        self.attention = AdditiveAttention(cfg)
        self.cell = nn.GRUCell(cfg.tgt_embed_dim + 2 * cfg.enc_hidden, cfg.dec_hidden)
        self.drop = nn.Dropout(cfg.dropout)
        self.out = nn.Linear(cfg.dec_hidden + 2 * cfg.enc_hidden + cfg.tgt_embed_dim, cfg.tgt_vocab)

    def step(
        self, prev: Tensor, state: Tensor, keys: Tensor, proj_keys: Tensor, mask: Tensor
    ) -> tuple[Tensor, Tensor, Tensor]:
        """prev (B,), state (B, Hd) -> logits (B, Vt), new state (B, Hd), attention (B, S)."""
        emb = self.drop(self.embed(prev))  # (B, E)
        context, weights = self.attention(state, keys, proj_keys, mask)
        state = self.cell(torch.cat([emb, context], dim=-1), state)
        logits = self.out(self.drop(torch.cat([state, context, emb], dim=-1)))
        return logits, state, weights


class Seq2Seq(nn.Module):
    """The whole model; ``forward`` is teacher-forced training, ``infer.py`` does beam search."""

    def __init__(self, cfg: Seq2SeqConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)

    def encode(self, src: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """-> keys (B, S, 2He), projected keys (B, S, A), mask (B, S), initial state (B, Hd)."""
        keys, state = self.encoder(src, lengths)
        return keys, self.decoder.attention.w_keys(keys), src != PAD, state

    def forward(self, src: Tensor, lengths: Tensor, tgt_in: Tensor) -> tuple[Tensor, Tensor]:
        """Teacher forcing: tgt_in (B, T) starts with <bos> -> logits (B, T, Vt), attention (B, T, S)."""
        keys, proj, mask, state = self.encode(src, lengths)
        logits, attn = [], []
        for t in range(tgt_in.size(1)):
            step_logits, state, weights = self.decoder.step(tgt_in[:, t], state, keys, proj, mask)
            logits.append(step_logits)
            attn.append(weights)
        return torch.stack(logits, dim=1), torch.stack(attn, dim=1)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
