# Copyright (c) bmc_mmpose authors. All rights reserved.
"""The synthetic default data: determinism, exact labels, original formats, plausible hands."""
import json
import pickle

import cv2
import numpy as np
import pytest
import torch

from bmc_mmpose.synthetic import (DOMAIN_A_POSES, DOMAIN_B_POSES, generate_synthetic, project, reference_bone_length,
                                  sample_hands)


@pytest.fixture(scope='module')
def small_synthetic(tmp_path_factory):
    root = tmp_path_factory.mktemp('synthetic')
    generate_synthetic(str(root), num_a=12, num_b=12, size=64, seed=3, workers=1)
    return root


def _read_rhd(root):
    with open(root / 'domain_a_rhd' / 'training' / 'anno_training.pickle', 'rb') as f:
        return pickle.load(f)


def test_deterministic_under_seed(small_synthetic, tmp_path):
    generate_synthetic(str(tmp_path), num_a=12, num_b=12, size=64, seed=3, workers=2)  # other worker count
    for name in ('domain_a_rhd/training/anno_training.pickle', 'domain_b_freihand/training_xyz.json',
                 'domain_b_freihand/training_K.json'):
        assert (tmp_path / name).read_bytes() == (small_synthetic / name).read_bytes(), name
    for name in ('domain_a_rhd/training/color/00005.png', 'domain_b_freihand/training/rgb/00000007.jpg'):
        assert np.array_equal(cv2.imread(str(tmp_path / name)), cv2.imread(str(small_synthetic / name))), name
    other = tmp_path / 'other_seed'
    generate_synthetic(str(other), num_a=12, num_b=12, size=64, seed=4, workers=1)
    assert (other / 'domain_b_freihand/training_xyz.json').read_bytes() != \
        (small_synthetic / 'domain_b_freihand/training_xyz.json').read_bytes()


def test_manifest_skips_identical_request(small_synthetic):
    before = (small_synthetic / 'synthetic_manifest.json').stat().st_mtime_ns
    generate_synthetic(str(small_synthetic), num_a=12, num_b=12, size=64, seed=3, workers=1)
    assert (small_synthetic / 'synthetic_manifest.json').stat().st_mtime_ns == before


def test_rhd_labels_reproject_exactly_including_left_hands(small_synthetic):
    annotations = _read_rhd(small_synthetic)
    assert len(annotations) == 12
    sides = []
    for ann in annotations.values():
        visible = ann['uv_vis'][:, 2] > 0
        assert visible.sum() == 21
        sides.append('left' if visible[:21].all() else 'right')
        xyz = ann['xyz'][visible].astype(np.float64)
        uv = project(xyz[None], ann['K'][None].astype(np.float64))[0]
        np.testing.assert_allclose(uv, ann['uv_vis'][visible, :2], atol=1e-3)
        assert (uv >= 0).all() and (uv <= 63).all()
    assert 'left' in sides and 'right' in sides


def test_freihand_labels_reproject_exactly(small_synthetic):
    root = small_synthetic / 'domain_b_freihand'
    xyz = np.asarray(json.loads((root / 'training_xyz.json').read_text()))
    cam_K = np.asarray(json.loads((root / 'training_K.json').read_text()))
    scale = np.asarray(json.loads((root / 'training_scale.json').read_text()))
    np.testing.assert_allclose(scale, reference_bone_length(xyz), rtol=1e-9)
    uv = project(xyz, cam_K)
    assert (uv > 0).all() and (uv < 63).all()
    assert len(list((root / 'training' / 'rgb').glob('*.jpg'))) == 12


def test_written_files_load_through_dataset_classes(small_synthetic):
    from bmc_mmpose.datasets import FreiHand3DDataset, Rhd3DDataset
    rhd = Rhd3DDataset(data_root=str(small_synthetic / 'domain_a_rhd'), split='training', image_size=64,
                         pipeline=[])
    fh = FreiHand3DDataset(data_root=str(small_synthetic / 'domain_b_freihand'), split='all', versions=(0, ),
                         image_size=64, supervision='2d', pipeline=[])
    assert len(rhd) == 12 and len(fh) == 12
    for dataset in (rhd, fh):
        for index in range(len(dataset)):
            info = dataset.get_data_info(index)
            uv = project(np.asarray(info['keypoints_3d'], np.float64), np.asarray(info['cam_K'], np.float64)[None])
            np.testing.assert_allclose(uv, info['keypoints'], atol=1e-3)
    # left hands came back as right hands: the palm normal of a right hand points to its palm side consistently
    assert any(rhd.get_data_info(i)['mirrored'] for i in range(len(rhd)))


def test_hand_proportions_are_anatomical():
    rng = np.random.default_rng(0)
    joints, _ = sample_hands(rng, 500, DOMAIN_B_POSES, 128)
    ref = reference_bone_length(joints)
    assert 28 <= ref.min() and ref.max() <= 46
    index_proximal = np.linalg.norm(joints[:, 6] - joints[:, 5], axis=-1) / ref
    palm = np.linalg.norm(joints[:, 9] - joints[:, 0], axis=-1) / ref  # wrist -> middle MCP
    assert 0.75 < np.median(index_proximal) < 1.15
    assert 1.7 < np.median(palm) < 2.5


def test_domains_differ_in_articulation_and_viewpoint():
    from bmc_mmpose.geometry import hand_joint_angles
    rng = np.random.default_rng(1)
    flex = {}
    for name, dist in (('a', DOMAIN_A_POSES), ('b', DOMAIN_B_POSES)):
        joints, _ = sample_hands(rng, 400, dist, 128)
        flex[name] = hand_joint_angles(torch.from_numpy(joints))[..., 0].numpy()
    # B contains strong finger flexion (fists) that A lacks
    assert np.quantile(flex['b'][:, 5:10], 0.9) > np.quantile(flex['a'][:, 5:10], 0.99)


def test_limits_from_generated_hands_accept_fresh_ones():
    """Limits computed from a large sample (50000 generated hands) give zero BMC loss to >= 99 % of fresh ones.

    What it takes: the K = 10 hulls are grown until they enclose every hand they come from
    (``enclose_hulls=True``, the default; inscribed 10-gons cut the point clouds' corners), and the sample must be
    large, because a fresh hand may fall outside the convex hull of the sample itself.
    """
    from bmc_mmpose.limits import compute_bmc_limits
    from bmc_mmpose.models.losses import BMCLoss
    rng = np.random.default_rng(7)
    joints, _ = sample_hands(rng, 52000, DOMAIN_B_POSES, 128)
    limits = compute_bmc_limits(joints[:50000])
    assert min(limits.meta['hull_coverage']) == 1.0  # enclosing hulls hold every hand they were computed from
    loss = BMCLoss(limits=limits, input_unit='mm', scale_source='predicted')
    terms = loss.terms(torch.from_numpy(joints[50000:]))
    for key in ('violation_bone_length', 'violation_root_curvature', 'violation_root_angle'):
        assert terms[key].any(-1).double().mean().item() <= 0.01, key
    accepted = (terms['loss'] == 0).double().mean().item()
    assert accepted >= 0.99, f'only {accepted:.4f} of fresh hands cost 0'
