"""Batched data augmentation in plain torch (no torchvision), and test-time augmentation.

All functions take float pixels in 0..1, (B, 3, H, W), and a ``torch.Generator`` so training is
reproducible from the seed.

Decisions:
    * Dermatoscopic photos have no "up": every flip and quarter turn (the eight symmetries of the
      square) is as likely as the original, so they are drawn uniformly in training and averaged
      over at test time (:func:`dihedral_views`).
    * On top, one random affine warp per image does the work of rotation by any angle, random
      resized crops (zoom 0.8-1.25, aspect 3:4-4:3) and small shifts in a single ``grid_sample``,
      with reflected borders so no black corners appear (DermaMNIST photos have none).
    * Colour jitter (brightness, contrast, saturation, hue) is mild: colour carries diagnostic
      information (the blue-white veil of a melanoma, the red of a vascular lesion), while the
      lighting and camera of a phone photo still vary.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

_GRAY = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)


@dataclass(frozen=True)
class AugmentConfig:
    """Strength of each augmentation (0 switches it off)."""

    rotate_deg: float = 180.0
    zoom: float = 0.25  # scale drawn log-uniformly in [1 / (1 + zoom), 1 + zoom]
    aspect: float = 0.15
    shift: float = 0.08  # fraction of the image size
    brightness: float = 0.15
    contrast: float = 0.15
    saturation: float = 0.15
    hue: float = 0.03  # fraction of a full turn of the colour wheel


def dihedral(x: torch.Tensor, k: int) -> torch.Tensor:
    """The ``k``-th (0..7) symmetry of the square: ``k % 4`` quarter turns, then a flip if k >= 4."""
    out = torch.rot90(x, k % 4, dims=(2, 3))
    return out.flip(3) if k >= 4 else out


def dihedral_views(x: torch.Tensor) -> torch.Tensor:
    """(B, 3, H, W) -> (8, B, 3, H, W): all eight symmetries, for test-time averaging."""
    return torch.stack([dihedral(x, k) for k in range(8)])


def random_dihedral(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Each image gets one of the eight symmetries, drawn uniformly."""
    ks = torch.randint(0, 8, (x.shape[0],), generator=gen)
    out = x.clone()
    for k in range(1, 8):
        mask = ks == k
        if mask.any():
            out[mask] = dihedral(x[mask], k)
    return out


def random_affine(x: torch.Tensor, cfg: AugmentConfig, gen: torch.Generator) -> torch.Tensor:
    """Rotation, zoom, aspect change and shift, one draw per image, reflected borders."""
    b = x.shape[0]

    def uniform(low: float, high: float) -> torch.Tensor:
        return low + (high - low) * torch.rand(b, generator=gen)

    angle = uniform(-cfg.rotate_deg, cfg.rotate_deg) * math.pi / 180
    log_zoom = uniform(-math.log1p(cfg.zoom), math.log1p(cfg.zoom))
    log_aspect = uniform(-math.log1p(cfg.aspect), math.log1p(cfg.aspect))
    # the grid samples the source at these coordinates: a scale above 1 zooms out
    sx = torch.exp(-log_zoom + log_aspect / 2)
    sy = torch.exp(-log_zoom - log_aspect / 2)
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.stack(
        [
            torch.stack([cos * sx, -sin * sy, uniform(-cfg.shift, cfg.shift) * 2], dim=1),
            torch.stack([sin * sx, cos * sy, uniform(-cfg.shift, cfg.shift) * 2], dim=1),
        ],
        dim=1,
    )  # (B, 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


def colour_jitter(x: torch.Tensor, cfg: AugmentConfig, gen: torch.Generator) -> torch.Tensor:
    """Brightness, contrast, saturation and hue, one draw each per image."""
    b = x.shape[0]

    def factor(strength: float) -> torch.Tensor:
        return (1 + strength * (2 * torch.rand(b, 1, 1, 1, generator=gen) - 1)).to(x.dtype)

    gray = (x * _GRAY.to(x.dtype)).sum(1, keepdim=True)
    x = x * factor(cfg.brightness)
    mean = gray.mean(dim=(2, 3), keepdim=True)
    x = (x - mean) * factor(cfg.contrast) + mean
    gray = (x * _GRAY.to(x.dtype)).sum(1, keepdim=True)
    x = (x - gray) * factor(cfg.saturation) + gray
    if cfg.hue > 0:
        x = _rotate_hue(x, (2 * torch.rand(b, generator=gen) - 1) * cfg.hue * 2 * math.pi)
    return x.clamp(0, 1)


def _rotate_hue(x: torch.Tensor, angle: torch.Tensor) -> torch.Tensor:
    """Rotate colours about the gray axis by ``angle`` radians (per image), in YIQ space."""
    to_yiq = torch.tensor(
        [[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]], dtype=x.dtype
    )
    from_yiq = torch.linalg.inv(to_yiq)
    cos, sin = torch.cos(angle).to(x.dtype), torch.sin(angle).to(x.dtype)
    rot = torch.zeros(x.shape[0], 3, 3, dtype=x.dtype)
    rot[:, 0, 0] = 1
    rot[:, 1, 1], rot[:, 1, 2], rot[:, 2, 1], rot[:, 2, 2] = cos, -sin, sin, cos
    matrix = from_yiq @ rot @ to_yiq  # (B, 3, 3)
    return torch.einsum("bij,bjhw->bihw", matrix, x)


def augment(x: torch.Tensor, cfg: AugmentConfig, gen: torch.Generator) -> torch.Tensor:
    """The full training augmentation of a batch."""
    x = random_dihedral(x, gen)
    x = random_affine(x, cfg, gen)
    return colour_jitter(x, cfg, gen)
