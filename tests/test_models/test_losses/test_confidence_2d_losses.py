# Copyright (c) bmc_mmpose authors. All rights reserved.
"""ConfidenceKeypoint2DLoss (S2HAND Eq. 3) and BoneDirection2DLoss (S2HAND Eq. 4)."""
import math

import pytest
import torch
from mmpose.registry import MODELS

from bmc_mmpose.geometry.skeleton import BONE_CHILDREN, BONE_PARENTS
from bmc_mmpose.models.losses.bone_direction_2d_loss import BoneDirection2DLoss
from bmc_mmpose.models.losses.confidence_keypoint_2d_loss import ConfidenceKeypoint2DLoss


def _val(x) -> float:
    """Python float of a (possibly grad-requiring) scalar tensor."""
    return float(x.detach()) if torch.is_tensor(x) else float(x)


def _batch(seed=0, batch=3, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    target = torch.rand(batch, 21, 2, generator=g, dtype=dtype) * 100
    pred = (target + torch.randn(batch, 21, 2, generator=g, dtype=dtype) * 3).requires_grad_()
    weights = torch.rand(batch, 21, generator=g, dtype=dtype)
    return pred, target, weights


# ------------------------------------------------------------------------------------------------------------
# ConfidenceKeypoint2DLoss
# ------------------------------------------------------------------------------------------------------------
def _smooth_l1(x, beta):
    x = abs(x)
    return 0.5 * x * x / beta if x < beta else x - 0.5 * beta


@pytest.mark.parametrize('beta', [0.5, 2.0])
@pytest.mark.parametrize('normalize', ['weight_sum', 'num_joints'])
def test_confidence_loss_matches_the_formula(beta, normalize):
    pred, target, weights = _batch()
    loss = MODELS.build(dict(type='ConfidenceKeypoint2DLoss', beta=beta, normalize=normalize, loss_weight=2.0))
    total, wsum = 0.0, 0.0
    for b in range(pred.shape[0]):
        for j in range(21):
            w = _val(weights[b, j])
            total += w * sum(_smooth_l1(_val(pred.detach()[b, j, c] - target[b, j, c]), beta) for c in range(2))
            wsum += w
    denominator = 2 * wsum if normalize == 'weight_sum' else 2 * pred.shape[0] * 21
    assert _val(loss(pred, target, weights)) == pytest.approx(2.0 * total / denominator, rel=1e-10)


def test_confidence_loss_zero_confidence_joint_contributes_nothing():
    pred, target, weights = _batch(1)
    weights[1, 7] = 0.
    loss_fn = ConfidenceKeypoint2DLoss(beta=1.0)
    value = loss_fn(pred, target, weights)
    value.backward()
    assert torch.all(pred.grad[1, 7] == 0)  # exactly zero
    assert torch.all(pred.grad.abs().sum(-1)[weights > 0] > 0)
    # whatever the detection of that joint holds (even NaN), the loss does not change
    moved = target.clone()
    moved[1, 7] = torch.tensor([1e6, float('nan')], dtype=moved.dtype)
    pred2 = pred.detach().clone()
    pred2[1, 7] += 1e3
    assert _val(loss_fn(pred2, moved, weights)) == pytest.approx(_val(value), rel=1e-12)


def test_confidence_loss_weights_scale_the_contribution():
    """Halving one joint's confidence halves its share of the weighted sum (S2HAND's con_i factor)."""
    pred, target, _ = _batch(2, batch=1)
    loss_fn = ConfidenceKeypoint2DLoss(normalize='num_joints')
    only = torch.zeros(1, 21, dtype=pred.dtype)
    only[0, 4] = 1.
    full = loss_fn(pred, target, only)
    half = loss_fn(pred, target, only * 0.5)
    assert _val(half) == pytest.approx(0.5 * _val(full), rel=1e-12) and _val(full) > 0
    # the weighted mean does not depend on the overall confidence level
    mean_loss = ConfidenceKeypoint2DLoss(normalize='weight_sum')
    assert _val(mean_loss(pred, target, only * 0.5)) == pytest.approx(_val(mean_loss(pred, target, only)))


def test_confidence_loss_all_zero_weights_is_finite_zero():
    pred, target, weights = _batch(3)
    value = ConfidenceKeypoint2DLoss()(pred, target, torch.zeros_like(weights))
    value.backward()
    assert _val(value) == 0 and torch.isfinite(value) and torch.all(pred.grad == 0)


def test_confidence_loss_defaults_and_errors():
    pred, target, _ = _batch(4)
    plain = torch.nn.functional.smooth_l1_loss(pred, target, beta=1.0)
    assert _val(ConfidenceKeypoint2DLoss()(pred, target)) == pytest.approx(_val(plain), rel=1e-12)
    l1 = ConfidenceKeypoint2DLoss(beta=0.)(pred, target)
    assert _val(l1) == pytest.approx(_val((pred - target).abs().mean()), rel=1e-12)
    assert ConfidenceKeypoint2DLoss()(pred.float(), target.float()).dtype == torch.float32
    with pytest.raises(ValueError, match='keypoint_weights'):
        ConfidenceKeypoint2DLoss()(pred, target, torch.ones(3, 20))
    with pytest.raises(ValueError, match='normalize'):
        ConfidenceKeypoint2DLoss(normalize='mean')
    with pytest.raises(ValueError, match='beta'):
        ConfidenceKeypoint2DLoss(beta=-1)


# ------------------------------------------------------------------------------------------------------------
# BoneDirection2DLoss
# ------------------------------------------------------------------------------------------------------------
def test_bone_direction_matches_eq4():
    pred, target, weights = _batch(5)
    loss = MODELS.build(dict(type='BoneDirection2DLoss', loss_weight=0.5))
    total, wsum = 0.0, 0.0
    for b in range(pred.shape[0]):
        for p, c in zip(BONE_PARENTS, BONE_CHILDREN):
            vp = pred.detach()[b, c] - pred.detach()[b, p]
            vt = target[b, c] - target[b, p]
            d = _val((vt / vt.norm() - vp / vp.norm()).square().sum())
            w = _val(weights[b, p] * weights[b, c])
            total += w * d
            wsum += w
    assert _val(loss(pred, target, weights)) == pytest.approx(0.5 * total / wsum, rel=1e-9)
    m = BoneDirection2DLoss(normalize='num_bones')(pred, target, weights)
    assert _val(m) == pytest.approx(total / (pred.shape[0] * 20), rel=1e-9)


@pytest.mark.parametrize('distance', ['l2_squared', 'l2', 'l1'])
@pytest.mark.parametrize('scale', [1e-3, 1.0, 37.0, 1e4])
def test_bone_direction_zero_for_parallel_bones_of_any_scale(distance, scale):
    _, target, weights = _batch(6)
    pred = (target * scale + torch.tensor([5., -3.], dtype=target.dtype)).requires_grad_()
    value = BoneDirection2DLoss(distance=distance)(pred, target, weights)
    value.backward()
    assert abs(_val(value)) < 1e-12
    assert torch.all(torch.isfinite(pred.grad))
    if distance != 'l1':  # L1 is not differentiable at its minimum: rounding residues give +-1 subgradients
        assert _val(pred.grad.abs().max()) < 1e-6
    # antiparallel bones cost |u - (-u)|^2 = 4 (squared L2), 2 (L2), |2u|_1 (L1)
    flipped = BoneDirection2DLoss(distance=distance)(-pred.detach(), target, weights)
    if distance == 'l2_squared':
        assert _val(flipped) == pytest.approx(4.0, rel=1e-9)
    elif distance == 'l2':
        assert _val(flipped) == pytest.approx(2.0, rel=1e-9)
    else:
        assert 2.0 - 1e-9 <= _val(flipped) <= 2.0 * math.sqrt(2) + 1e-9


def test_bone_direction_finite_for_zero_length_bones():
    _, target, weights = _batch(7)
    loss_fn = BoneDirection2DLoss()
    # a fully collapsed prediction (all joints at one point): every predicted bone has length 0
    collapsed = torch.full_like(target, 50.).requires_grad_()
    value = loss_fn(collapsed, target, weights)
    value.backward()
    assert torch.isfinite(value) and torch.all(torch.isfinite(collapsed.grad))
    assert _val(value) == pytest.approx(1.0, rel=1e-9)  # |u - 0|^2 = 1 for every bone
    # zero-length target bones have no direction: their weight is 0 and nothing is NaN
    degenerate = target.clone()
    degenerate[:, 10] = degenerate[:, 9]
    pred = target.clone().requires_grad_()
    value = loss_fn(pred, degenerate, weights)
    value.backward()
    assert torch.isfinite(value) and torch.all(torch.isfinite(pred.grad))
    # both collapsed (zero-length predicted and target bones everywhere)
    both = torch.zeros_like(target).requires_grad_()
    value = loss_fn(both, torch.zeros_like(target), weights)
    value.backward()
    assert _val(value) == 0 and torch.all(torch.isfinite(both.grad))
    # L2 distance: finite gradient at 0 difference and at collapse
    for p in (target.clone().requires_grad_(), torch.zeros_like(target).requires_grad_()):
        BoneDirection2DLoss(distance='l2')(p, target, weights).backward()
        assert torch.all(torch.isfinite(p.grad))


def test_bone_direction_weighted_by_joint_confidence_product():
    pred, target, weights = _batch(8)
    weights[0, 6] = 0.  # joint 6 ends bone 5 (5 -> 6) and starts bone 6 (6 -> 7)
    loss_fn = BoneDirection2DLoss()
    value = loss_fn(pred, target, weights)
    value.backward()
    assert torch.all(pred.grad[0, 6] == 0)
    bone_w = loss_fn.bone_weights(target, weights)
    assert bone_w[0, 5] == 0 and bone_w[0, 6] == 0
    torch.testing.assert_close(bone_w[1, 5], weights[1, 5] * weights[1, 6])
    # changing the zero-confidence joint's detection (even to NaN) changes nothing
    moved = target.clone()
    moved[0, 6] = float('nan')
    assert _val(loss_fn(pred, moved, weights)) == pytest.approx(_val(value), rel=1e-12)
    # all-zero weights: finite 0 with zero gradient
    p = pred.detach().clone().requires_grad_()
    zero = loss_fn(p, target, torch.zeros_like(weights))
    zero.backward()
    assert _val(zero) == 0 and torch.all(p.grad == 0)


def test_bone_direction_errors_and_dtype():
    pred, target, weights = _batch(9)
    assert BoneDirection2DLoss()(pred.float(), target.float(), weights.float()).dtype == torch.float32
    with pytest.raises(ValueError, match='21'):
        BoneDirection2DLoss()(pred[:, :20], target[:, :20])
    with pytest.raises(ValueError, match='distance'):
        BoneDirection2DLoss(distance='cosine')
