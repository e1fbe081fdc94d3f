"""The CNN: shapes, a loss that falls on a tiny batch, config round trip."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from skills.image_check.model import NetConfig, SkinNet, channels_last, count_parameters


def test_shapes_for_the_default_and_a_narrow_config() -> None:
    for config in (NetConfig(), NetConfig(widths=(8, 16, 16), strides=(2, 2, 1))):
        model = SkinNet(config).eval()
        x = torch.rand(5, 3, 28, 28)
        fmap = model.feature_map(x)
        assert fmap.shape == (5, config.widths[-1], 7, 7)
        pooled, logits = model.classify(fmap)
        assert pooled.shape == (5, config.widths[-1]) and logits.shape == (5, 7)
        assert torch.allclose(model(x), logits, atol=1e-5)
        assert count_parameters(model) > 1000


def test_default_network_fits_the_size_budget() -> None:
    params = count_parameters(SkinNet(NetConfig()))
    assert params * 2 < 10 * 1024 * 1024  # float16 weights under 10 MB


def test_loss_falls_on_a_tiny_batch() -> None:
    torch.manual_seed(0)
    model = channels_last(SkinNet(NetConfig(widths=(16, 32, 32), strides=(2, 2, 1))))
    x = torch.rand(16, 3, 28, 28)
    y = torch.arange(16) % 7
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(25):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] * 0.5, losses


def test_config_round_trip() -> None:
    config = NetConfig(widths=(8, 16, 32), blocks=(1, 2, 1), strides=(1, 2, 2), dropout=0.1)
    assert NetConfig.from_dict(config.to_dict()) == config
