# Copyright (c) bmc_mmpose authors. All rights reserved.
"""HeatmapDistributionLoss: KL of the heatmap softmax to a Gaussian at the label."""
import math

import pytest
import torch
from mmpose.registry import MODELS

import bmc_mmpose.models  # noqa: F401  (registers the modules)


def _loss(**kwargs):
    return MODELS.build(dict(type='HeatmapDistributionLoss', **kwargs))


def test_target_is_a_normalised_gaussian_at_the_label_cell():
    loss = _loss(sigma=1.0)
    # input 64 px, heatmap 16 cells: 4 px per cell; the label at pixel (20, 8) is cell (5, 2)
    target = loss.target(torch.tensor([[[20., 8.]]]), (16, 16), (64, 64))
    assert target.shape == (1, 1, 16, 16)
    torch.testing.assert_close(target.sum(), torch.tensor(1.))
    assert divmod(int(target.flatten().argmax()), 16) == (2, 5)  # (row = y, column = x)
    # one cell away along x: exp(-1/2) of the peak (sigma = 1 cell)
    ratio = target[0, 0, 2, 6] / target[0, 0, 2, 5]
    assert ratio.item() == pytest.approx(math.exp(-0.5), rel=1e-5)


def test_zero_at_the_target_positive_elsewhere_and_gradient_towards_it():
    loss = _loss(sigma=1.0)
    uv = torch.tensor([[[20., 8.], [40., 44.]]])
    logits_at_target = torch.log(loss.target(uv, (16, 16), (64, 64)))
    assert loss(logits_at_target, uv, (64, 64)).item() == pytest.approx(0., abs=1e-5)
    flat = torch.zeros(1, 2, 16, 16, requires_grad=True)
    value = loss(flat, uv, (64, 64))
    assert value.item() > 1.  # uniform over 256 cells vs a Gaussian of ~2 pi cells: KL ~ log(256) - 2.84
    value.backward()
    # gradient descent raises the logit at the label cell most
    assert divmod(int((-flat.grad[0, 0]).flatten().argmax()), 16) == (2, 5)


def test_weights_and_labels_outside_the_crop_are_masked():
    loss = _loss(sigma=1.0, loss_weight=2.0)
    uv = torch.tensor([[[20., 8.], [-30., 10.]]])  # the second label is left of the crop
    flat = torch.zeros(1, 2, 16, 16)
    only_first = loss(flat[:, :1], uv[:, :1], (64, 64))
    torch.testing.assert_close(loss(flat, uv, (64, 64)), only_first)
    torch.testing.assert_close(loss(flat, uv, (64, 64), torch.tensor([[0., 1.]])), torch.tensor(0.))
    none = torch.zeros(1, 2, 16, 16, requires_grad=True)
    value = loss(none, uv, (64, 64), torch.zeros(1, 2))
    value.backward()
    assert value.item() == 0 and torch.all(none.grad == 0)


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match='sigma'):
        _loss(sigma=0.)
    with pytest.raises(ValueError, match=r'\(B, J, h, w\)'):
        _loss()(torch.zeros(2, 21, 16), torch.zeros(2, 21, 2), (64, 64))
