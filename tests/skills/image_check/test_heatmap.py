"""Grad-CAM: the activation shortcut equals autograd Grad-CAM; the overlay is a clean PNG."""

from __future__ import annotations

import io

import numpy as np
import torch
from PIL import Image

from skills.image_check.augment import dihedral
from skills.image_check.heatmap import class_activation, colourise, grad_cam, overlay, to_png
from skills.image_check.model import NetConfig, SkinNet


def test_class_activation_equals_autograd_grad_cam() -> None:
    torch.manual_seed(0)
    model = SkinNet(NetConfig(widths=(8, 16, 16), strides=(2, 2, 1))).eval()
    torch.nn.init.normal_(model.head.weight)
    for block in model.modules():  # undo the zero init so the activations vary
        if isinstance(block, torch.nn.BatchNorm2d):
            torch.nn.init.uniform_(block.weight, 0.5, 1.5)
    x = torch.rand(1, 3, 28, 28)
    for target in range(7):
        expected = grad_cam(model, x, target)
        with torch.no_grad():
            fmap = model.feature_map(x)
        got = class_activation(fmap, model.head.weight[target])
        assert torch.allclose(got, expected, atol=1e-5), target
    # averaged over symmetric views, each view's map is turned back before averaging
    views = torch.cat([dihedral(x, k) for k in range(8)])
    with torch.no_grad():
        fmaps = model.feature_map(views)
    mean_map = class_activation(fmaps, model.head.weight[0])
    assert mean_map.shape == (7, 7) and float(mean_map.max()) == 1.0


def test_overlay_is_a_png_of_the_photo_size_with_heat_where_the_map_is() -> None:
    photo = Image.new("RGB", (400, 300), (128, 128, 128))
    cam = torch.zeros(7, 7)
    cam[0, 0] = 1.0  # heat in the top-left corner only
    img = overlay(photo, cam)
    assert img.size == (256, 192)
    arr = np.asarray(img).astype(int)
    assert abs(arr[5, 5] - 128).sum() > 60 and abs(arr[-5, -5] - 128).sum() < 3
    png = to_png(img)
    decoded = Image.open(io.BytesIO(png))
    assert decoded.format == "PNG" and decoded.size == (256, 192)
    assert colourise(np.array([[0.0, 1.0]])).shape == (1, 2, 3)
