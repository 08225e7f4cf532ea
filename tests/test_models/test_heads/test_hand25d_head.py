# Copyright (c) bmc_mmpose authors. All rights reserved.
import numpy as np
import pytest
import torch

import bmc_mmpose.models  # noqa: F401  (registers the modules)
from bmc_mmpose.models.heads import DEFAULT_REF_BONE_LENGTH_MM, Hand25DHead
from bmc_mmpose.testing.hand25d_batches import ground_truth_25d, make_hand_batch
from mmpose.registry import MODELS

C = 16  # feature channels of the fake backbone output


def _feats(batch, seed=0, size=4):
    return (torch.randn(batch, C, size, size, generator=torch.Generator().manual_seed(seed)), )


READOUTS = dict(regression='RegressionReadout2p5D', heatmap='HeatmapReadout2p5D')


def _readout(mode, deconv_out_channels=(8, 8)):
    if mode == 'regression':
        return dict(type=READOUTS[mode])
    return dict(type=READOUTS[mode], deconv_out_channels=deconv_out_channels)


def _head(**kwargs):
    cfg = dict(type='Hand25DHead', in_channels=C)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def _perfect(head, truths):
    """Make the head's forward return the ground-truth 2.5D pose."""
    uv, z_r = ground_truth_25d(truths)
    head.forward = lambda feats: (uv.clone().requires_grad_(), z_r.clone().requires_grad_())
    return uv, z_r


def test_init_errors():
    with pytest.raises(KeyError, match='VolumetricReadout'):
        _head(readout=dict(type='VolumetricReadout'))
    for kwargs, match in ((dict(loss_2d_unit='mm'), 'loss_2d_unit'),
                          (dict(default_ref_bone_length=0.), 'default_ref_bone_length'),
                          (dict(input_size=(128, )), 'input_size'),
                          (dict(decoder=dict(type='Hand25DCodec', input_size=(64, 64))), 'input_size')):
        with pytest.raises(ValueError, match=match):
            _head(**kwargs)


@pytest.mark.parametrize('mode', ['regression', 'heatmap'])
def test_forward_shapes_and_root_centering(mode):
    head = _head(readout=_readout(mode, (8, 8)))
    uv, z_r = head(_feats(3))
    assert uv.shape == (3, 21, 2) and z_r.shape == (3, 21)
    assert torch.all(z_r[:, 0] == 0)
    # at initialisation the predictions sit near the crop centre
    assert torch.all((uv > 0) & (uv < 128))


def test_wrong_in_channels_is_a_clear_error():
    with pytest.raises(ValueError, match='in_channels'):
        _head()((torch.randn(2, 8, 4, 4), ))


def test_heatmap_soft_argmax_and_depth_expectation():
    """Identity 1x1 conv: a sharp peak at cell (x, y) decodes to pixel (x W / w, y H / h); z_r = depth value."""
    J = 21
    head = Hand25DHead(in_channels=2 * J, readout=_readout('heatmap', ()), input_size=(128, 96),
                       zroot_refiner=None)
    with torch.no_grad():
        head.readout.final_layer.weight.copy_(torch.eye(2 * J)[:, :, None, None])
        head.readout.final_layer.bias.zero_()
    h, w = 12, 16
    feats = torch.zeros(1, 2 * J, h, w)
    cells = [(j % w, (3 * j) % h) for j in range(J)]
    for j, (x, y) in enumerate(cells):
        feats[0, j, y, x] = 60.  # softmax is a delta up to exp(-60)
        feats[0, J + j] = 0.1 * j  # constant depth map
    uv, z_r = head((feats, ))
    expected = torch.tensor([[x * 128 / w, y * 96 / h] for x, y in cells])
    torch.testing.assert_close(uv[0], expected, atol=1e-3, rtol=0)
    torch.testing.assert_close(z_r[0], 0.1 * torch.arange(J, dtype=torch.float32), atol=1e-5, rtol=0)


@pytest.mark.parametrize('mode', ['regression', 'heatmap'])
def test_loss_keys_finite_and_backward(mode):
    head = _head(readout=_readout(mode, (8, )))
    _, samples, _ = make_hand_batch(4, has_3d=[True, False, True, False])
    feats = tuple(f.requires_grad_() for f in _feats(4))
    losses = head.loss(feats, samples)
    assert set(losses) == {'loss_2d', 'loss_zr', 'loss_zroot', 'mpjpe_2d', 'mpjpe_3d'}
    assert all(torch.isfinite(v) for v in losses.values())
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert all(torch.isfinite(p.grad).all() for p in head.parameters() if p.grad is not None)
    assert torch.isfinite(feats[0].grad).all() and feats[0].grad.abs().sum() > 0


def test_perfect_prediction_gives_zero_loss():
    """GT 2.5D in, no refiner: every loss vanishes, so targets, closed form and lifting agree with the labels."""
    head = _head(zroot_refiner=None, loss_zroot_cf=dict(type='MaskedL1Loss', loss_weight=1.))
    _, samples, truths = make_hand_batch(5, rotation_deg=25., seed=1)
    _perfect(head, truths)
    losses = head.loss(_feats(5), samples)
    for key in ('loss_2d', 'loss_zr', 'mpjpe_2d'):
        assert losses[key].item() < 1e-4, key
    assert losses['loss_zroot'].item() < 1e-3 and losses['loss_zroot_cf'].item() < 1e-3
    assert losses['mpjpe_3d'].item() < 0.05  # mm


def test_no_3d_sample_masks_depth_terms():
    """A batch without 3D labels: finite 3D losses equal to 0 with zero gradient everywhere."""
    head = _head()
    _, samples, _ = make_hand_batch(3, has_3d=[False, False, False])
    losses = head.loss(_feats(3), samples)
    assert losses['loss_zr'].item() == 0 and losses['loss_zroot'].item() == 0
    depth_loss = losses['loss_zr'] + losses['loss_zroot']
    depth_loss.backward()
    for name, p in head.named_parameters():
        assert p.grad is None or torch.all(p.grad == 0), name
    # the 2D term still trains the network
    head.zero_grad()
    losses = head.loss(_feats(3), samples)
    losses['loss_2d'].backward()
    assert head.readout.fc.weight.grad.abs().sum() > 0


def test_unknown_scale_is_not_supervised_in_3d():
    head = _head()
    _, samples, _ = make_hand_batch(2, known_scale=False)
    losses = head.loss(_feats(2), samples)
    assert losses['loss_zr'].item() == 0 and losses['loss_zroot'].item() == 0


def test_normalisation_by_supervised_elements():
    """Adding 2D-only samples does not dilute the 3D losses (eval mode: BatchNorm uses running statistics)."""
    head = _head().eval()
    _, samples, _ = make_hand_batch(3, has_3d=[True, False, False], seed=2)
    feats = _feats(3, seed=3)
    mixed = head.loss(feats, samples)
    alone = head.loss(tuple(f[:1] for f in feats), samples[:1])
    for key in ('loss_zr', 'loss_zroot', 'mpjpe_3d'):
        torch.testing.assert_close(mixed[key], alone[key])


@pytest.mark.parametrize('unit,scale', [('normalized', 1 / 128), ('pixel', 1.)])
def test_loss_2d_unit(unit, scale):
    head = _head(loss_2d_unit=unit, zroot_refiner=None)
    _, samples, truths = make_hand_batch(2)
    uv, z_r = ground_truth_25d(truths)
    head.forward = lambda feats: (uv + 2.0, z_r)  # 2 px error on every coordinate
    assert head.loss(_feats(2), samples)['loss_2d'].item() == pytest.approx(2.0 * scale, rel=1e-5)


def test_keypoint_weights_mask_2d():
    head = _head(zroot_refiner=None)
    _, samples, truths = make_hand_batch(2)
    uv, z_r = ground_truth_25d(truths)
    bad = uv.clone()
    bad[:, 5] += 50.  # error only on joint 5, which is unlabelled
    for s in samples:
        s.gt_instance_labels.keypoint_weights[:, 5] = 0
    head.forward = lambda feats: (bad, z_r)
    losses = head.loss(_feats(2), samples)
    assert losses['loss_2d'].item() < 1e-5 and losses['mpjpe_2d'].item() < 1e-3


def test_degenerate_predictions_have_finite_gradients():
    """All joints on one pixel with zero depth (the closed form is degenerate): finite losses and gradients."""
    head = _head()
    _, samples, _ = make_hand_batch(2)
    uv = torch.full((2, 21, 2), 64., requires_grad=True)
    z_r = torch.zeros(2, 21, requires_grad=True)
    head.forward = lambda feats: (uv, z_r)
    losses = head.loss(_feats(2), samples)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    total.backward()
    assert torch.isfinite(uv.grad).all() and torch.isfinite(z_r.grad).all()


def test_predict_contract_and_metric_scale():
    head = _head().eval()
    _, samples, truths = make_hand_batch(2, seed=4)
    samples[1].set_metainfo(dict(ref_bone_length=0.))  # unknown scale -> default length
    preds = head.predict(_feats(2), samples)
    assert len(preds) == 2
    shapes = dict(keypoints=(1, 21, 2), keypoint_scores=(1, 21), keypoints_crop=(1, 21, 2), z_r=(1, 21),
                  z_root=(1, ), z_root_closed_form=(1, ), keypoints_3d_norm=(1, 21, 3), keypoints_3d=(1, 21, 3))
    for pred in preds:
        assert set(pred.keys()) == set(shapes)  # joint angles only when asked
        for key, shape in shapes.items():
            value = pred.get(key)
            assert isinstance(value, np.ndarray) and value.shape == shape and value.dtype == np.float32, key
            assert np.isfinite(value).all(), key
    np.testing.assert_allclose(preds[0].keypoints_3d, preds[0].keypoints_3d_norm * truths[0]['ref'], rtol=1e-5)
    np.testing.assert_allclose(preds[1].keypoints_3d, preds[1].keypoints_3d_norm * DEFAULT_REF_BONE_LENGTH_MM,
                               rtol=1e-5)


def test_predict_joint_angles_on_request_match_the_geometry():
    """``output_joint_angles`` adds the (flexion, abduction) pairs of the predicted 3D joints; the batched tensor
    path gives the same values as the per-sample InstanceData path."""
    from bmc_mmpose.geometry.angles import hand_joint_angles
    head = _head().eval()
    _, samples, truths = make_hand_batch(3, seed=6)
    _perfect(head, truths)
    preds = head.predict(_feats(3), samples, test_cfg=dict(output_joint_angles=True))
    for pred, truth in zip(preds, truths):
        assert pred.joint_angles.shape == (1, 15, 2) and pred.joint_angles.dtype == np.float32
        expected = hand_joint_angles(torch.as_tensor(truth['joints_crop'][None], dtype=torch.float64)).numpy()
        np.testing.assert_allclose(pred.joint_angles, expected, atol=2e-3)  # radians; float32 3D from 2.5D
    K, ref = head.batch_camera_inputs(samples)
    tensors = head.predict_tensors(_feats(3), torch.from_numpy(K), torch.from_numpy(ref), with_joint_angles=True)
    np.testing.assert_array_equal(tensors['joint_angles'].detach().numpy(),
                                  np.concatenate([p.joint_angles for p in preds]))
    np.testing.assert_allclose(tensors['ref_bone_length_used'].numpy(), [t['ref'] for t in truths], rtol=1e-6)


def test_predict_perfect_input_recovers_crop_3d():
    head = _head(zroot_refiner=None).eval()
    _, samples, truths = make_hand_batch(3, rotation_deg=-15., seed=5)
    _perfect(head, truths)
    preds = head.predict(_feats(3), samples)
    for pred, truth in zip(preds, truths):
        np.testing.assert_allclose(pred.keypoints_3d[0], truth['joints_crop'], atol=0.05)  # mm, float32
        np.testing.assert_allclose(pred.keypoints_crop[0], truth['uv_crop'], atol=1e-3)


def test_predict_rejects_flip_test_and_missing_K():
    head = _head().eval()
    _, samples, _ = make_hand_batch(1)
    with pytest.raises(ValueError, match='flip_test'):
        head.predict(_feats(1), samples, test_cfg=dict(flip_test=True))
    del samples[0].cam_K
    with pytest.raises(KeyError, match='cam_K'):
        head.predict(_feats(1), samples)


def test_huge_outputs_stay_finite():
    """An untrained network in eval mode can output ~1e35 px; the 3D path must not overflow to inf / NaN."""
    head = _head().eval()
    _, samples, _ = make_hand_batch(2)
    uv = torch.full((2, 21, 2), 1e35)
    uv[:, ::2] = -1e35
    z_r = torch.full((2, 21), 1e30)
    head.forward = lambda feats: (uv, z_r)
    for pred in head.predict(_feats(2), samples, test_cfg=dict(output_joint_angles=True)):
        for key in ('z_root', 'z_root_closed_form', 'keypoints_3d_norm', 'keypoints_3d', 'joint_angles'):
            assert np.isfinite(pred.get(key)).all(), key


def test_bmc_loss_reaches_2d_only_samples():
    """L_BMC acts on the predicted 3D of every sample: with no 3D label in the batch it still moves z_r."""
    head = _head(loss_bmc=dict(type='BMCLoss', limits='literature'))
    _, samples, _ = make_hand_batch(2, has_3d=[False, False])
    g = torch.Generator().manual_seed(9)
    uv = (64 + 20 * torch.randn(2, 21, 2, generator=g)).requires_grad_()
    z_r = (2 * torch.randn(2, 21, generator=g)).requires_grad_()  # implausible depths
    head.forward = lambda feats: (uv, z_r - z_r[:, :1])
    losses = head.loss(_feats(2), samples)
    assert 'loss_bmc' in losses and losses['loss_bmc'].item() > 0
    assert losses['loss_zr'].item() == 0
    losses['loss_bmc'].backward()
    assert torch.isfinite(z_r.grad).all() and z_r.grad.abs().sum() > 0


@pytest.mark.parametrize('root_depth', ['refined', 'refined_detached', 'closed_form'])
def test_bmc_root_depth_choice(root_depth):
    """'refined': BMC sees the refined 3D and trains the refiner too; 'closed_form': BMC sees the hand placed by the
    closed form (reference bone exactly 1) and leaves the refiner alone, but still reaches z_r; 'refined_detached':
    the refined placement without gradient into the refiner."""
    from bmc_mmpose.geometry.skeleton import REF_BONE_JOINTS
    head = _head(loss_bmc=dict(type='BMCLoss', limits='literature'), bmc_root_depth=root_depth)
    head.train()
    _, samples, truths = make_hand_batch(3, has_3d=[False, False, False])
    uv_gt, zr_gt = ground_truth_25d(truths)
    g = torch.Generator().manual_seed(4)
    uv = (uv_gt + 0.5 * torch.randn(uv_gt.shape, generator=g)).requires_grad_()
    z_r = zr_gt + 0.1 * torch.randn(zr_gt.shape, generator=g)  # noisy depths, the closed form has a real root
    z_r[:, 8] += 3.0  # index tip 3 reference bones deeper: an implausibly long bone, away from the reference bone
    z_r.requires_grad_()
    head.forward = lambda feats: (uv, z_r - z_r[:, :1])
    losses = head.loss(_feats(3), samples)
    assert losses['loss_bmc'].item() > 0
    losses['loss_bmc'].backward()
    assert z_r.grad.abs().sum() > 0
    refiner_grad = sum(p.grad.abs().sum() for p in head.zroot_refiner.parameters() if p.grad is not None)
    if root_depth == 'refined_detached':
        assert refiner_grad == 0
        cam_K = torch.stack([s.gt_instance_labels.cam_K[0] for s in samples])
        lifted = head.lift(uv.detach(), (z_r - z_r[:, :1]).detach(), cam_K)
        assert losses['loss_bmc'].item() == pytest.approx(head.loss_bmc(lifted['joints_3d_norm']).item(), rel=1e-5)
    elif root_depth == 'closed_form':
        assert refiner_grad == 0
        cam_K = torch.stack([s.gt_instance_labels.cam_K[0] for s in samples])
        joints = head.lift(uv.detach(), (z_r - z_r[:, :1]).detach(), cam_K)['joints_3d_norm_closed_form']
        a, b = REF_BONE_JOINTS
        torch.testing.assert_close((joints[:, b] - joints[:, a]).norm(dim=-1), torch.ones(3), atol=1e-3, rtol=0)
    else:
        assert refiner_grad > 0


def test_bmc_root_depth_rejects_unknown_value():
    with pytest.raises(ValueError, match='bmc_root_depth'):
        _head(bmc_root_depth='absolute')


def test_heatmap_loss_on_the_latent_heatmaps():
    """loss_heatmap supervises the heatmap read-out's logits with the 2D labels, masked like loss_2d."""
    head = _head(readout=_readout('heatmap', (8, )), loss_heatmap=dict(type='HeatmapDistributionLoss'))
    _, samples, _ = make_hand_batch(4, has_3d=[True, False, True, False])
    feats = tuple(f.requires_grad_() for f in _feats(4))
    losses = head.loss(feats, samples)
    assert set(losses) == {'loss_2d', 'loss_heatmap', 'loss_zr', 'loss_zroot', 'mpjpe_2d', 'mpjpe_3d'}
    assert torch.isfinite(losses['loss_heatmap']) and losses['loss_heatmap'] > 0
    losses['loss_heatmap'].backward()
    assert head.readout.final_layer.weight.grad.abs().sum() > 0
    # the same forward as without the loss: predictions do not depend on it
    uv, z_r = head.forward(feats)
    uv_h, z_r_h, logits = head.forward_with_heatmaps(feats)
    torch.testing.assert_close(uv, uv_h)
    torch.testing.assert_close(z_r, z_r_h)
    assert logits.shape == (4, 21, 8, 8)
    for sample in samples:
        sample.gt_instance_labels.keypoint_weights.zero_()
    assert head.loss(feats, samples)['loss_heatmap'].item() == 0


def test_heatmap_loss_needs_a_heatmap_readout():
    with pytest.raises(ValueError, match='HeatmapReadout2p5D'):
        _head(readout=_readout('regression'), loss_heatmap=dict(type='HeatmapDistributionLoss'))


def test_root_solver_bones_pools_all_bones():
    """root_solver='bones': the refiner starts from the root pooled over all 20 bones; with the hand's own bone
    lengths it is the true root depth even when the reference bone's z_r is off (the two-joint form is not)."""
    from bmc_mmpose.geometry.bones import bone_lengths as lengths_of
    from bmc_mmpose.geometry.zroot import relative_depths
    with pytest.raises(ValueError, match='root_solver'):
        _head(root_solver='pooled')
    _, samples, truths = make_hand_batch(1, has_3d=[True])
    uv, z_r = ground_truth_25d(truths)
    labels = samples[0].gt_instance_labels
    joints, ref, K = labels.keypoints_3d.double(), labels.ref_bone_length.double(), labels.cam_K.double()
    own = lengths_of(joints / ref[:, None, None])[0]
    head = _head(root_solver='bones', bone_lengths=own.tolist(), zroot_refiner=None).double()
    _, zroot_true = relative_depths(joints, ref)
    z_r_off = z_r.double().clone()
    z_r_off[:, 10] += 0.1  # 0.1 reference-bone lengths on the reference bone's child
    two_joint = head.decoder.closed_form_root(uv.double(), z_r_off, K)
    pooled = head.closed_form_root(uv.double(), z_r.double(), K)
    torch.testing.assert_close(pooled, zroot_true, rtol=1e-4, atol=0)
    pooled_off = head.closed_form_root(uv.double(), z_r_off, K)
    assert (pooled_off - zroot_true).abs() < (two_joint - zroot_true).abs()
    assert _head().root_solver == 'closed_form'  # the paper's default
