# Copyright (c) bmc_mmpose authors. All rights reserved.
"""MaskedL1Loss: L1 over the supervised elements, weights broadcast over the trailing dimensions."""
import pytest
import torch
from mmpose.registry import MODELS

import bmc_mmpose.models  # noqa: F401  (registers the modules)
from bmc_mmpose.models.losses import MaskedL1Loss


def test_normalisation_per_weight_shape():
    g = torch.Generator().manual_seed(0)
    pred, target = torch.randn(4, 21, 2, generator=g), torch.randn(4, 21, 2, generator=g)
    w = torch.rand(4, 21, generator=g)
    loss = MODELS.build(dict(type='MaskedL1Loss', loss_weight=3.0))
    expected = 3.0 * ((pred - target).abs() * w[..., None]).sum() / (2 * w.sum())
    torch.testing.assert_close(loss(pred, target, w), expected)
    # per-sample weights over (B, J) and (B,) predictions
    flags = torch.tensor([1., 0., 1., 1.])
    expected = 3.0 * ((pred[..., 0] - target[..., 0]).abs() * flags[:, None]).sum() / (21 * 3)
    torch.testing.assert_close(loss(pred[..., 0], target[..., 0], flags), expected)
    expected = 3.0 * ((pred[:, 0, 0] - target[:, 0, 0]).abs() * flags).sum() / 3
    torch.testing.assert_close(loss(pred[:, 0, 0], target[:, 0, 0], flags), expected)
    # no weight: the plain mean
    torch.testing.assert_close(loss(pred, target), 3.0 * (pred - target).abs().mean())


def test_nothing_supervised_gives_zero_with_zero_gradient():
    pred = torch.randn(3, 21, requires_grad=True)
    loss = MaskedL1Loss()(pred, torch.zeros(3, 21), torch.zeros(3))
    loss.backward()
    assert loss.item() == 0 and torch.all(pred.grad == 0)
    # fewer supervised elements than 1 in total: the denominator is clamped at 1, not inflated
    loss = MaskedL1Loss()(torch.ones(2), torch.zeros(2), torch.tensor([0.25, 0.]))
    assert loss.item() == pytest.approx(0.25)


def test_shape_errors_name_the_shapes():
    with pytest.raises(ValueError, match='differ'):
        MaskedL1Loss()(torch.zeros(2, 21), torch.zeros(2, 20))
    with pytest.raises(ValueError, match='leading dimensions'):
        MaskedL1Loss()(torch.zeros(2, 21), torch.zeros(2, 21), torch.ones(21))
