# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Test-time BMC refinement (``Hand25DHead.refine_with_bmc``, ``test_cfg.bmc_refine``)."""
import pytest
import torch

import bmc_mmpose.models  # noqa: F401  (registers the modules)
from bmc_mmpose.testing.hand25d_batches import ground_truth_25d, make_hand_batch
from mmpose.registry import MODELS

C = 16
BMC = dict(type='BMCLoss', limits='literature', lambda_bl=0.1, lambda_rb=0.1, lambda_a=0.01)


def _head(**kwargs):
    return MODELS.build(dict(type='Hand25DHead', in_channels=C, **kwargs))


def _implausible_batch(num=6, seed=3):
    """True 2D of random hands, their true z_r plus 0.3 reference bones of noise (bones out of their limits)."""
    _, samples, truths = make_hand_batch(num, seed=seed)
    uv, z_r = ground_truth_25d(truths)
    z_r = z_r + 0.3 * torch.randn(z_r.shape, generator=torch.Generator().manual_seed(seed))
    K = torch.stack([s.gt_instance_labels.cam_K[0] for s in samples])
    return uv, z_r - z_r[:, :1], K


def _placed_bmc(head, bmc, uv, z_r, K):
    """Per-hand L_BMC of the joints placed as the refinement places them (refined root, 2D held)."""
    with torch.no_grad():
        return bmc.terms(head.lift(uv, z_r, K)['joints_3d_norm'])['loss']


def test_refinement_lowers_each_hands_bmc_loss_and_holds_the_2d():
    head = _head(loss_bmc=BMC).eval()
    uv, z_r, K = _implausible_batch()
    before = _placed_bmc(head, head.loss_bmc, uv, z_r, K)
    assert (before > 1e-3).all()
    uv_out, refined = head.refine_with_bmc(uv, z_r, K, steps=80, lr=0.01)
    torch.testing.assert_close(uv_out, uv, rtol=0, atol=0)
    after = _placed_bmc(head, head.loss_bmc, uv, refined, K)
    assert (after < 0.5 * before).all(), (before, after)
    assert torch.all(refined[:, 0] == 0) and not refined.requires_grad
    # through predict_tensors: the 2D output is the forward pass's, the depths are the refined ones
    head.forward = lambda feats: (uv, z_r)
    out = head.predict_tensors((torch.zeros(6, C, 4, 4), ), K, bmc_refine=dict(steps=80, lr=0.01))
    torch.testing.assert_close(out['keypoints_crop'], uv, rtol=0, atol=0)
    torch.testing.assert_close(out['z_r'], refined, rtol=0, atol=0)


def test_each_hand_is_refined_independently_of_the_batch_and_of_the_loss_scale():
    head = _head(loss_bmc=BMC).eval()
    uv, z_r, K = _implausible_batch(4)
    for uv_std in (None, 2.0):
        together = head.refine_with_bmc(uv, z_r, K, steps=25, uv_std=uv_std)
        alone = [head.refine_with_bmc(uv[i:i + 1], z_r[i:i + 1], K[i:i + 1], steps=25, uv_std=uv_std)
                 for i in range(4)]
        for part in range(2):
            torch.testing.assert_close(together[part], torch.cat([a[part] for a in alone]), rtol=0, atol=1e-4)
    # with the 2D held, the loss's overall scale does not matter (Adam)
    ten_times = dict(BMC, lambda_bl=1.0, lambda_rb=1.0, lambda_a=0.1)
    _, z_paper = head.refine_with_bmc(uv, z_r, K, steps=25)
    _, z_scaled = head.refine_with_bmc(uv, z_r, K, steps=25, loss=ten_times)
    torch.testing.assert_close(z_paper, z_scaled, rtol=0, atol=1e-4)


def test_refining_the_2d_lowers_the_objective_and_costs_distance_in_units_of_uv_std():
    """With uv_std the 2D moves; the summed objective L_BMC + mean_j |d_j|^2 / 2 (d = shift / uv_std) falls, and
    a larger expected 2D error lets the joints move further."""
    head = _head(loss_bmc=BMC).eval()
    uv, z_r, K = _implausible_batch()
    start = _placed_bmc(head, head.loss_bmc, uv, z_r, K)
    moved = {}
    for uv_std in (0.5, 4.0):
        uv_out, z_out = head.refine_with_bmc(uv, z_r, K, steps=80, uv_std=uv_std)
        prior = 0.5 * ((uv_out - uv) / uv_std).square().sum(-1).mean(-1)
        assert (_placed_bmc(head, head.loss_bmc, uv_out, z_out, K) + prior < start).all()
        moved[uv_std] = (uv_out - uv).norm(dim=-1).mean()
        assert torch.all(z_out[:, 0] == 0) and not uv_out.requires_grad
    assert 0 < moved[0.5] < moved[4.0]


@pytest.mark.parametrize('context', ['no_grad', 'inference_mode'])
def test_refinement_runs_in_inference_contexts_and_leaves_the_model_alone(context):
    head = _head(zroot_refiner=dict(type='ZRootRefiner')).eval()
    uv, z_r, K = _implausible_batch(3)
    params = {k: v.clone() for k, v in head.state_dict().items()}
    with getattr(torch, context)():
        _, refined = head.refine_with_bmc(uv, z_r, K, steps=20, loss=BMC, uv_std=1.0)
    assert torch.isfinite(refined).all() and (refined - z_r).abs().max() > 0
    for k, v in head.state_dict().items():
        torch.testing.assert_close(v, params[k], rtol=0, atol=0)
    assert all(p.grad is None for p in head.parameters())
    assert set(head.state_dict()) == set(params)  # the refinement's loss is not a submodule


def test_refinement_errors_name_the_setting():
    head = _head()
    uv, z_r, K = _implausible_batch(2)
    with pytest.raises(ValueError, match='bmc_refine.*no loss_bmc'):
        head.refine_with_bmc(uv, z_r, K)
    with pytest.raises(ValueError, match='steps must be a positive integer'):
        head.refine_with_bmc(uv, z_r, K, steps=0, loss=BMC)
    with pytest.raises(ValueError, match='uv_std must be None or > 0'):
        head.refine_with_bmc(uv, z_r, K, loss=BMC, uv_std=0.0)
    with pytest.raises(ValueError, match=r"unknown keys \['step'\]"):
        head.check_test_cfg(dict(bmc_refine=dict(step=10)))
    with pytest.raises(ValueError, match='no terms'):
        head.refine_with_bmc(uv, z_r, K, loss=dict(type='MaskedL1Loss'))
