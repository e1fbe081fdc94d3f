"""Grad-CAM heat maps: which parts of the photo drove the answer, as a PNG over the photo.

Selvaraju et al., "Grad-CAM" (ICCV 2017): the last-stage activations ``A`` (C, h, w) are weighted
by the spatial mean of the gradient of the class score with respect to them, summed over
channels, and passed through a ReLU.

Decisions:
    * The network's head is global average pooling followed by one linear layer, so that gradient
      is the class's row of the linear weights divided by ``h * w``, the same at every position:
      Grad-CAM reduces exactly to the class-activation map of Zhou et al. (CVPR 2016) and needs no
      backward pass. :func:`class_activation` computes it from the activations the prediction
      already produced; :func:`grad_cam` is the textbook autograd version (the tests check they
      agree).
    * The answer is an average over the eight flips and quarter turns, so the map is too: each
      view's map is turned back before averaging.
    * The map covers the part of the photo the network read (the centred 4:3 box), is scaled up
      bilinearly, coloured from blue (nothing) to red (most), and blended over a copy of the photo
      whose long side is at most 256 pixels. The PNG (fast compression, about 100 KB) carries no
      metadata.
"""

from __future__ import annotations

import io

import numpy as np
import torch
from PIL import Image

from skills.image_check.model import SkinNet
from skills.image_check.photo import crop_box

MAX_SIDE = 256
ALPHA = 0.55


def undo_dihedral(x: torch.Tensor, k: int) -> torch.Tensor:
    """Inverse of :func:`skills.image_check.augment.dihedral` on (..., H, W) tensors."""
    out = x.flip(-1) if k >= 4 else x
    return torch.rot90(out, -(k % 4), dims=(-2, -1))


def class_activation(fmaps: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Grad-CAM of one class over the test-time views, in the original orientation.

    Args:
        fmaps: last-stage activations of the eight views of one image, (V, C, h, w), view k being
            ``dihedral(image, k)``.
        weight: the class's row of the linear head, (C,).

    Returns:
        (h, w) map scaled to 0..1 (all zeros if nothing activates).
    """
    cams = torch.relu(torch.einsum("vchw,c->vhw", fmaps.detach().float(), weight.detach().float()))
    upright = torch.stack([undo_dihedral(cams[k], k) for k in range(cams.shape[0])]).mean(0)
    peak = float(upright.max())
    return upright / peak if peak > 0 else upright


def grad_cam(model: SkinNet, x: torch.Tensor, target: int) -> torch.Tensor:
    """Textbook Grad-CAM by autograd for one image (1, 3, H, W) in 0..1 -> (h, w) in 0..1."""
    with torch.enable_grad():
        fmap = model.feature_map(x).detach().requires_grad_(True)
        _, logits = model.classify(fmap)
        (grad,) = torch.autograd.grad(logits[0, target], fmap)
    weights = grad.mean(dim=(2, 3), keepdim=True)  # (1, C, 1, 1)
    cam = torch.relu((weights * fmap).sum(1))[0].detach()
    peak = float(cam.max())
    return cam / peak if peak > 0 else cam


def colourise(values: np.ndarray) -> np.ndarray:
    """0..1 floats (H, W) -> (H, W, 3) uint8 on a blue-cyan-yellow-red ("jet"-like) scale."""
    v = np.clip(values, 0, 1)
    r = np.clip(1.5 - np.abs(4 * v - 3), 0, 1)
    g = np.clip(1.5 - np.abs(4 * v - 2), 0, 1)
    b = np.clip(1.5 - np.abs(4 * v - 1), 0, 1)
    return (np.stack([r, g, b], axis=-1) * 255).astype(np.uint8)


def overlay(photo: Image.Image, cam: torch.Tensor) -> Image.Image:
    """The photo (long side at most 256 px) with the map blended over the region the net read."""
    scale = min(1.0, MAX_SIDE / max(photo.size))
    size = (max(1, round(photo.width * scale)), max(1, round(photo.height * scale)))
    base = photo.resize(size, Image.Resampling.BILINEAR) if scale < 1 else photo.copy()
    left, top, right, bottom = crop_box(*size)
    values = np.clip(cam.numpy().astype(np.float32), 0, 1)
    # colour and opacity are computed on the small map, then scaled up by Pillow (C code):
    # a few hundred microseconds instead of milliseconds of numpy over every pixel
    region = (right - left, bottom - top)
    colour = Image.fromarray(colourise(values)).resize(region, Image.Resampling.BILINEAR)
    opacity = Image.fromarray((ALPHA * values**0.8 * 255).astype(np.uint8), mode="L")
    mask = opacity.resize(region, Image.Resampling.BILINEAR)
    heat = Image.composite(colour, base.crop((left, top, right, bottom)), mask)
    base.paste(heat, (left, top))
    return base


def to_png(img: Image.Image) -> bytes:
    """PNG bytes, no metadata, moderate compression (fast enough for a 50 ms budget)."""
    buffer = io.BytesIO()
    img.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()
