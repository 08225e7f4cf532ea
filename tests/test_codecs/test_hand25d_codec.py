# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Hand25DCodec: 2.5D targets from labelled hands and the lifting back to 3D."""
import numpy as np
import pytest
import torch
from mmpose.registry import KEYPOINT_CODECS

import bmc_mmpose  # noqa: F401  (registers the codec)
from bmc_mmpose.codecs import Hand25DCodec
from bmc_mmpose.geometry.zroot import relative_depths
from bmc_mmpose.testing.hand25d_batches import ground_truth_25d, make_hand_batch


def _labels(batch=4, seed=0, **kwargs):
    _, samples, truths = make_hand_batch(batch, seed=seed, **kwargs)
    labels = {key: torch.cat([getattr(s.gt_instance_labels, key) for s in samples])
              for key in ('keypoints_2d', 'keypoint_weights', 'keypoints_3d', 'ref_bone_length', 'cam_K')}
    return labels, truths


def test_registered_and_validates_arguments():
    codec = KEYPOINT_CODECS.build(dict(type='Hand25DCodec', input_size=(64, 48)))
    assert isinstance(codec, Hand25DCodec) and codec.input_size == (64, 48)
    with pytest.raises(ValueError, match='input_size'):
        Hand25DCodec(input_size=(64, ))
    with pytest.raises(ValueError, match='zroot_range'):
        Hand25DCodec(zroot_range=(10., 1.))


def test_encode_gives_the_scale_normalised_depth_targets():
    labels, truths = _labels(known_scale=True)
    codec = Hand25DCodec()
    enc = codec.encode(labels['keypoints_2d'], labels['keypoint_weights'], keypoints_3d=labels['keypoints_3d'],
                       ref_bone_length=labels['ref_bone_length'])
    assert set(enc) == {'keypoint_labels', 'keypoint_weights', 'zr_labels', 'zroot_labels'}
    zr, zroot = relative_depths(labels['keypoints_3d'], labels['ref_bone_length'])
    assert torch.equal(enc['zr_labels'], zr) and torch.equal(enc['zroot_labels'], zroot)
    assert torch.equal(enc['keypoint_labels'], labels['keypoints_2d'])
    _, zr_truth = ground_truth_25d(truths)
    torch.testing.assert_close(enc['zr_labels'], zr_truth, atol=1e-5, rtol=0)
    assert torch.all(enc['zr_labels'][:, 0] == 0)
    # without weights every joint counts
    assert torch.all(codec.encode(labels['keypoints_2d'], keypoints_3d=labels['keypoints_3d'],
                                  ref_bone_length=labels['ref_bone_length'])['keypoint_weights'] == 1)
    with pytest.raises(ValueError, match='keypoints_3d'):
        codec.encode(labels['keypoints_2d'])


def test_encode_numpy_in_numpy_out_and_unknown_scale_gives_zeros():
    labels, _ = _labels(batch=1, known_scale=False)
    enc = Hand25DCodec().encode(labels['keypoints_2d'].numpy(), labels['keypoint_weights'].numpy(),
                                keypoints_3d=labels['keypoints_3d'].numpy(),
                                ref_bone_length=labels['ref_bone_length'].numpy())
    assert all(isinstance(v, np.ndarray) for v in enc.values())
    assert enc['zr_labels'].shape == (1, 21) and enc['zroot_labels'].shape == (1, )
    assert np.all(enc['zr_labels'] == 0) and np.all(enc['zroot_labels'] == 0)


def test_decode_lifts_the_ground_truth_back_to_3d():
    labels, truths = _labels(seed=2, rotation_deg=20.)
    uv, z_r = ground_truth_25d(truths)
    codec = Hand25DCodec()
    joints, z_root = codec.decode(uv, z_r, labels['cam_K'])
    expected = labels['keypoints_3d'] / labels['ref_bone_length'][:, None, None]
    torch.testing.assert_close(joints, expected, atol=2e-4, rtol=1e-4)
    torch.testing.assert_close(z_root, expected[:, 0, 2], atol=2e-4, rtol=1e-4)
    # a given root depth is used as it is: the whole hand moves along the rays
    shifted, used = codec.decode(uv, z_r, labels['cam_K'], z_root=z_root + 1.)
    assert torch.equal(used, z_root + 1.)
    torch.testing.assert_close(shifted[..., 2], joints[..., 2] + 1., atol=1e-4, rtol=0)


def test_decode_is_differentiable_and_bounds_absurd_inputs():
    labels, truths = _labels(batch=2, seed=3)
    uv, z_r = ground_truth_25d(truths)
    uv = uv.clone().requires_grad_()
    codec = Hand25DCodec(zroot_range=(1., 500.))
    joints, _ = codec.decode(uv, z_r, labels['cam_K'])
    joints.sum().backward()
    assert torch.isfinite(uv.grad).all() and uv.grad.abs().sum() > 0
    bounded_uv, bounded_zr = codec.bound(torch.full((1, 21, 2), 1e30), torch.full((1, 21), -1e30))
    assert torch.all(bounded_uv == 5 * 128) and torch.all(bounded_zr == -50)
    joints, z_root = codec.decode(torch.full((2, 21, 2), 1e30), torch.full((2, 21), 1e30), labels['cam_K'])
    assert torch.isfinite(joints).all() and torch.all((z_root >= 1) & (z_root <= 500))
