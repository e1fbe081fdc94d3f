"""The seq2seq model: shapes, learning on a tiny batch, checkpoint round trip, beam search."""

from __future__ import annotations

from pathlib import Path

import torch

from skills.triage.infer import FIRST_CONDITION, TriageModel
from skills.triage.kb import LEVELS
from skills.triage.model import BOS, PAD, Seq2Seq, Seq2SeqConfig


def test_shapes_and_attention_sum_to_one() -> None:
    cfg = Seq2SeqConfig(
        src_vocab=50,
        tgt_vocab=12,
        embed_dim=16,
        enc_hidden=8,
        dec_hidden=12,
        attn_dim=6,
        tgt_embed_dim=4,
    )
    model = Seq2Seq(cfg).eval()
    src = torch.tensor([[5, 6, 7, 8], [9, 10, PAD, PAD]])
    lengths = torch.tensor([4, 2])
    tgt_in = torch.tensor([[BOS, 3, 7], [BOS, 4, 8]])
    logits, attn = model(src, lengths, tgt_in)
    assert logits.shape == (2, 3, 12)
    assert attn.shape == (2, 3, 4)
    assert torch.allclose(attn.sum(-1), torch.ones(2, 3))
    assert torch.all(attn[1, :, 2:] == 0)  # no attention on padding


def test_loss_falls_on_a_tiny_batch() -> None:
    torch.manual_seed(0)
    cfg = Seq2SeqConfig(
        src_vocab=30,
        tgt_vocab=10,
        embed_dim=16,
        enc_hidden=16,
        dec_hidden=16,
        attn_dim=8,
        tgt_embed_dim=8,
        dropout=0.0,
    )
    model = Seq2Seq(cfg)
    src = torch.randint(2, 30, (8, 6))
    lengths = torch.full((8,), 6)
    target = torch.randint(3, 10, (8, 3))
    tgt_in = torch.cat([torch.full((8, 1), BOS), target[:, :-1]], dim=1)
    optim = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(60):
        logits, _ = model(src, lengths, tgt_in)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, 10), target.reshape(-1))
        optim.zero_grad()
        loss.backward()
        optim.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] * 0.2


def test_checkpoint_round_trip_and_grammar(tiny_checkpoint: Path) -> None:
    a = TriageModel.load(tiny_checkpoint)
    b = TriageModel.load(tiny_checkpoint)
    text = "crushing pain in my chest going down my left arm, I'm sweaty"
    pa, pb = a.predict(text), b.predict(text)
    assert pa.level_probs == pb.level_probs and pa.conditions == pb.conditions
    assert abs(sum(pa.level_probs.values()) - 1) < 1e-4
    assert pa.level in LEVELS
    assert 0 < sum(p for _, p in pa.conditions) <= 1.0001
    for seq, prob in pa.nbest:
        assert seq[0] in LEVELS and 2 <= len(seq) <= 4 and 0 < prob <= 1
        conditions = seq[1:]
        assert len(set(conditions)) == len(conditions)
        assert all(c in a.condition_ids for c in conditions)
    assert len(a.tgt.tokens) == FIRST_CONDITION + len(a.condition_ids)
    words = [w for w, _ in pa.attention]
    assert "crushing" in words and "sweaty" in words  # pieces merged back into words


def test_tiny_model_learned_the_fixture(tiny_checkpoint: Path) -> None:
    model = TriageModel.load(tiny_checkpoint)
    assert (
        model.predict("I rolled my ankle, it's swollen and sore").conditions[0][0] == "ankle_sprain"
    )
    assert model.predict("crushing chest pain spreading to my arm, cold sweat").level == "emergency"
    assert model.meta["validation"]["top3"] > 0.8
