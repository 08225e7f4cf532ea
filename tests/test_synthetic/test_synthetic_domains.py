# Copyright (c) bmc_mmpose authors. All rights reserved.
"""The synthetic domains: one forward kinematics (the paper's Eq. 6 frames), and A covering B's viewpoints while B
has articulations A lacks."""
import json

import numpy as np
import pytest
import torch

from bmc_mmpose.geometry import hand_joint_angles
from bmc_mmpose.synthetic import (DOMAIN_A_POSES, DOMAIN_B_POSES, POSE_FAMILIES, PoseDistribution, generate_synthetic,
                                  sample_domain_poses, sample_hand_poses)

#: Every family, full curl and opposition, hyperextension, any viewpoint: the widest distribution the model has.
WIDEST = PoseDistribution(curl_max=1.0, spread_std=0.2, hyperextension=1.0, thumb_opposition_max=1.0,
                          tilt_max=float(np.pi), family_probs=(1.0, ) * len(POSE_FAMILIES))


@pytest.mark.parametrize('dist', [DOMAIN_A_POSES, DOMAIN_B_POSES, WIDEST], ids=['A', 'B', 'widest'])
def test_generated_hands_have_the_sampled_joint_angles(dist):
    """The camera-frame hands (rotated, translated, in mm) measure back to their sampled angles."""
    poses = sample_hand_poses(np.random.default_rng(11), 2000, dist, 128)
    measured = hand_joint_angles(torch.from_numpy(poses['joints'])).numpy()
    np.testing.assert_allclose(measured, poses['joint_angles'], rtol=0, atol=1e-9)
    # the angles are not trivially zero: fingers really flex and spread
    assert np.abs(np.rad2deg(poses['joint_angles'][..., 0])).max() > 40
    assert np.abs(np.rad2deg(poses['joint_angles'][..., 1])).max() > 10


def test_written_files_keep_the_sampled_angles(tmp_path):
    """Through both original file formats and the dataset classes (float32 metres, A's left hands mirrored on
    disk and back in the loader) the hands keep their angles to float32 precision."""
    from bmc_mmpose.datasets import FreiHand3DDataset, Rhd3DDataset
    generate_synthetic(str(tmp_path), num_a=16, num_b=16, size=64, seed=5, workers=1)
    rhd = Rhd3DDataset(data_root=str(tmp_path / 'domain_a_rhd'), split='training', image_size=64, pipeline=[])
    fh = FreiHand3DDataset(data_root=str(tmp_path / 'domain_b_freihand'), split='all', versions=(0, ),
                           image_size=64, supervision='2d', pipeline=[])
    assert any(rhd.get_data_info(i)['mirrored'] for i in range(len(rhd)))
    for domain, dataset in (('a', rhd), ('b', fh)):
        sampled = sample_domain_poses(domain, 16, seed=5, size=64)
        loaded = np.stack([np.asarray(dataset.get_data_info(i)['keypoints_3d'], np.float64).reshape(21, 3)
                           for i in range(16)])
        measured = hand_joint_angles(torch.from_numpy(loaded)).numpy()
        np.testing.assert_allclose(measured, sampled['joint_angles'], rtol=0, atol=2e-4, err_msg=domain)
    xyz = np.asarray(json.loads((tmp_path / 'domain_b_freihand' / 'training_xyz.json').read_text())) * 1000.
    np.testing.assert_allclose(xyz, sample_domain_poses('b', 16, seed=5, size=64)['joints'], atol=1e-6)


def _palm_tilt_deg(joints):
    normal = np.cross(joints[:, 5] - joints[:, 0], joints[:, 17] - joints[:, 0])
    cos = np.sum(normal * -joints[:, 0], -1) / (np.linalg.norm(normal, axis=-1) * np.linalg.norm(joints[:, 0], axis=-1))
    return np.rad2deg(np.arccos(np.clip(cos, -1, 1)))


def test_domain_a_covers_domain_b_viewpoints_and_cameras():
    a, b = sample_domain_poses('a', 4000, seed=2), sample_domain_poses('b', 4000, seed=2)
    tilt_a, tilt_b = _palm_tilt_deg(a['joints']), _palm_tilt_deg(b['joints'])
    assert tilt_b.max() > 140  # B shows the back of the hand
    assert np.quantile(tilt_a, 0.995) >= tilt_b.max()
    hist_a, edges = np.histogram(tilt_a, bins=18, range=(0, 180))
    hist_b, _ = np.histogram(tilt_b, bins=edges)
    assert (hist_a[hist_b > 0] >= 20).all(), (hist_a, hist_b)  # every 10-deg bin of B is populated in A
    focal_a, focal_b = a['cam_K'][:, 1, 1], b['cam_K'][:, 1, 1]
    assert focal_a.min() <= focal_b.min() and focal_a.max() >= focal_b.max()


def test_domain_b_has_articulations_domain_a_lacks():
    """Fists and grasps (strongly flexed fingers) and thumb opposition are B's; B's joint angles fall outside the
    hulls computed from A's hands."""
    from bmc_mmpose.geometry import points_in_hulls
    from bmc_mmpose.limits import compute_bmc_limits
    a, b = sample_domain_poses('a', 4000, seed=3), sample_domain_poses('b', 4000, seed=3)
    pip_a = np.rad2deg(a['joint_angles'][:, 6:10, 0]).mean(-1)
    pip_b = np.rad2deg(b['joint_angles'][:, 6:10, 0]).mean(-1)
    assert (pip_a > 80).mean() == 0.0 and (pip_b > 80).mean() > 0.2
    thumb_a, thumb_b = np.rad2deg(a['joint_angles'][:, 0, 0]), np.rad2deg(b['joint_angles'][:, 0, 0])
    assert np.quantile(thumb_b, 0.5) > np.quantile(thumb_a, 0.95)
    limits_a = compute_bmc_limits(a['joints'])
    outside = ~points_in_hulls(torch.from_numpy(b['joint_angles']), torch.from_numpy(limits_a.hulls))
    assert outside.double().mean().item() > 0.2
    inside_own = points_in_hulls(torch.from_numpy(a['joint_angles']), torch.from_numpy(limits_a.hulls))
    assert inside_own.all()


def test_sample_domain_poses_rejects_unknown_domain():
    with pytest.raises(ValueError, match="domain must be 'a' or 'b'"):
        sample_domain_poses('c', 3)
