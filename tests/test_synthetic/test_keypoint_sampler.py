# Copyright (c) bmc_mmpose authors. All rights reserved.
import numpy as np
import pytest

from bmc_mmpose.synthetic import sample_domain_poses
from bmc_mmpose.synthetic.keypoint_sampler import add_keypoint_noise, sample_keypoint_hands


def test_keypoint_hands_are_the_generators_hands_projected():
    hands = sample_keypoint_hands(seed=4, num=50, domain='b')
    ref = sample_domain_poses('b', 50, seed=4)
    np.testing.assert_allclose(hands['keypoints_3d'], ref['joints'], rtol=1e-6, atol=1e-3)
    xyz = ref['joints']
    proj = xyz @ np.swapaxes(ref['cam_K'], -1, -2)
    np.testing.assert_allclose(hands['keypoints_2d'], proj[..., :2] / proj[..., 2:], atol=1e-3)
    np.testing.assert_allclose(hands['ref_bone_length'], np.linalg.norm(xyz[:, 10] - xyz[:, 9], axis=-1), rtol=1e-5)
    again = sample_keypoint_hands(seed=4, num=50, domain='b')
    np.testing.assert_array_equal(again['keypoints_2d'], hands['keypoints_2d'])
    with pytest.raises(ValueError, match="'a' or 'b'"):
        sample_keypoint_hands(seed=4, num=5, domain='c')


def test_noise_mean_size_is_the_requested_pixels():
    uv = np.zeros((20000, 21, 2), np.float32)
    noisy = add_keypoint_noise(np.random.default_rng(0), uv, 5.0)
    assert np.linalg.norm(noisy, axis=-1).mean() == pytest.approx(5.0, rel=0.01)
    np.testing.assert_array_equal(add_keypoint_noise(np.random.default_rng(0), uv, 0.0), uv)
