# Copyright (c) bmc_mmpose authors. All rights reserved.
"""LightUNet: a stride-4 map from the registry, usable by the head's heatmap read-out without deconvolutions."""
import pytest
import torch
from mmengine.registry import init_default_scope

import bmc_mmpose  # noqa: F401
from mmpose.registry import MODELS

init_default_scope('mmpose')


def test_stride_four_output_and_gradients():
    net = MODELS.build(dict(type='LightUNet', stem_channels=8, stage_channels=(8, 16, 16, 24), out_channels=12))
    x = torch.randn(2, 3, 96, 64, requires_grad=True)
    (out, ) = net(x)
    assert out.shape == (2, 12, 24, 16)
    out.square().mean().backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    # the output at one location depends on the whole image (the stride-32 stage reaches it)
    x2 = x.detach().clone()
    x2[..., -8:, -8:] += 1.0
    net.eval()
    with torch.no_grad():
        change = (net(x.detach())[0][..., 0, 0] - net(x2)[0][..., 0, 0]).abs()
    assert (change > 0).any()


def test_rejects_sizes_that_are_not_multiples_of_32():
    net = MODELS.build(dict(type='LightUNet'))
    with pytest.raises(ValueError, match='multiples of 32'):
        net(torch.zeros(1, 3, 100, 128))
    with pytest.raises(ValueError, match='4 stages'):
        MODELS.build(dict(type='LightUNet', stage_channels=(8, 16)))


def test_head_heatmap_read_out_on_the_stride_four_map():
    backbone = MODELS.build(dict(type='LightUNet', stem_channels=8, stage_channels=(8, 16, 16, 24), out_channels=16))
    head = MODELS.build(dict(type='Hand25DHead', in_channels=16,
                             readout=dict(type='HeatmapReadout2p5D', deconv_out_channels=()),
                             input_size=(64, 64), zroot_refiner=None))
    uv, z_r = head(backbone(torch.randn(3, 3, 64, 64)))
    assert uv.shape == (3, 21, 2) and z_r.shape == (3, 21)
    # soft-argmax over 16 x 16 cells at x * 64 / 16: inside [0, 60]
    assert (uv >= 0).all() and (uv <= 60).all()
