# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Hand25DHead with the S2HAND 2D losses: confidence-weighted SmoothL1 and the 2D bone-direction term."""
import pytest
import torch
from mmpose.registry import MODELS

import bmc_mmpose.models  # noqa: F401  (registers the modules)
from bmc_mmpose.models.losses.bone_direction_2d_loss import BoneDirection2DLoss
from bmc_mmpose.models.losses.confidence_keypoint_2d_loss import ConfidenceKeypoint2DLoss
from bmc_mmpose.testing.hand25d_batches import ground_truth_25d, make_hand_batch

C = 16
UNITS = {'pixel': 1.0, 'normalized': 128.0}  # divisor of crop pixels for loss_2d_unit (input 128 x 128)


def _feats(batch, seed=0):
    return (torch.randn(batch, C, 4, 4, generator=torch.Generator().manual_seed(seed)), )


def _head(**kwargs):
    return MODELS.build(dict(type='Hand25DHead', in_channels=C, zroot_refiner=None, **kwargs))


def _confident_batch(batch=3, seed=0):
    """Packed samples whose keypoint_weights are detector confidences (one joint with confidence 0)."""
    _, samples, truths = make_hand_batch(batch, seed=seed)
    g = torch.Generator().manual_seed(seed + 1)
    for s in samples:
        s.gt_instance_labels.keypoint_weights = torch.rand(1, 21, generator=g) * 0.9 + 0.1
    samples[1].gt_instance_labels.keypoint_weights[0, 7] = 0.
    weights = torch.cat([s.gt_instance_labels.keypoint_weights for s in samples])
    uv, z_r = ground_truth_25d(truths)
    noisy = uv + torch.randn(uv.shape, generator=g) * 3.
    return samples, weights, uv, noisy, z_r


@pytest.mark.parametrize('unit', sorted(UNITS))
def test_confidences_reach_the_head_losses(unit):
    samples, weights, uv_gt, noisy, z_r = _confident_batch()
    beta = 2.0 / UNITS[unit]  # 2 px in either unit
    head = _head(loss_2d_unit=unit, loss_2d=dict(type='ConfidenceKeypoint2DLoss', beta=beta, loss_weight=2.0),
                 bone_direction_loss=dict(type='BoneDirection2DLoss', loss_weight=0.5))
    pred = noisy.clone().requires_grad_()
    head.forward = lambda feats: (pred, z_r)
    losses = head.loss(_feats(3), samples)
    div = UNITS[unit]
    expected_2d = 2.0 * ConfidenceKeypoint2DLoss(beta=beta)(noisy / div, uv_gt / div, weights)
    expected_bone = 0.5 * BoneDirection2DLoss()(noisy, uv_gt, weights)
    torch.testing.assert_close(losses['loss_2d'].detach(), expected_2d, rtol=1e-5, atol=1e-8)
    torch.testing.assert_close(losses['loss_bone_dir'].detach(), expected_bone, rtol=1e-5, atol=1e-8)
    # the joint with confidence 0 gets exactly no gradient from the 2D terms; all others do
    (losses['loss_2d'] + losses['loss_bone_dir']).backward()
    assert torch.all(pred.grad[1, 7] == 0)
    assert torch.all(pred.grad.abs().sum(-1)[weights > 0] > 0)
    # lowering some confidences changes the loss (they are weights, not a mask)
    for s in samples:
        s.gt_instance_labels.keypoint_weights[0, :10] *= 0.1
    lowered = head.loss(_feats(3), samples)
    assert abs(float(lowered['loss_2d'].detach()) - float(losses['loss_2d'].detach())) > 1e-6


@pytest.mark.parametrize('unit', sorted(UNITS))
def test_default_head_keeps_the_l1_loss_and_no_bone_term(unit):
    samples, weights, uv_gt, noisy, z_r = _confident_batch(seed=4)
    head = _head(loss_2d_unit=unit)
    head.forward = lambda feats: (noisy, z_r)
    losses = head.loss(_feats(3), samples)
    assert 'loss_bone_dir' not in losses
    l1 = ((noisy - uv_gt).abs() / UNITS[unit] * weights[..., None]).sum() / (2 * weights.sum()).clamp(min=1)
    torch.testing.assert_close(losses['loss_2d'], l1, rtol=1e-5, atol=1e-8)


def test_bone_direction_in_head_ignores_2d_scale_and_translation():
    samples, weights, uv_gt, _, z_r = _confident_batch(seed=5)
    head = _head(bone_direction_loss=dict(type='BoneDirection2DLoss'))
    center = uv_gt.mean(1, keepdim=True)
    head.forward = lambda feats: ((uv_gt - center) * 0.6 + center + 4.0, z_r)
    assert float(head.loss(_feats(3), samples)['loss_bone_dir']) < 1e-9


def test_all_2d_terms_with_bmc_are_finite_and_train():
    samples, _, _, _, _ = _confident_batch(seed=6)
    head = _head(loss_2d=dict(type='ConfidenceKeypoint2DLoss'),
                 bone_direction_loss=dict(type='BoneDirection2DLoss', loss_weight=0.1),
                 loss_bmc=dict(type='BMCLoss', limits='literature'))
    losses = head.loss(_feats(3), samples)
    total = sum(v for k, v in losses.items() if k.startswith('loss_'))
    total.backward()
    assert {'loss_2d', 'loss_bone_dir', 'loss_bmc'} <= set(losses)
    assert all(torch.isfinite(v) for v in losses.values())
    assert all(torch.all(torch.isfinite(p.grad)) for p in head.parameters() if p.grad is not None)


def test_bad_loss_configs_are_rejected():
    with pytest.raises(KeyError):
        _head(loss_2d=dict(type='NoSuchLoss'))
