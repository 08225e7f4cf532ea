# Copyright (c) bmc_mmpose authors. All rights reserved.
"""KeypointLifterInputs + PackKeypointLifterInputs: a keypoint lifter's pipeline reads no image."""
import glob
import os

import numpy as np
import pytest

from bmc_mmpose.geometry.camera_numpy import project_points
from bmc_mmpose.testing import dataset_fixtures as fx
from bmc_mmpose.testing.hands import make_intrinsics, random_right_hand_mm

PIPELINE = [dict(type='KeypointLifterInputs', noise_px=0.0), dict(type='PackKeypointLifterInputs')]


@pytest.fixture
def fh_without_images(tmp_path):
    root = tmp_path / 'fh'
    xyz_mm, cam_K = fx.write_synthetic_freihand(root, num_unique=3, num_versions=1, seed=4)
    images = glob.glob(str(root / 'training' / 'rgb' / '*.jpg'))
    assert images
    for path in images:  # a pipeline that opened an image would now fail
        os.remove(path)
    return str(root), xyz_mm, cam_K


def test_dataset_through_the_keypoint_pipeline_without_images(fh_without_images):
    from mmengine.registry import init_default_scope

    from bmc_mmpose.datasets import FreiHand3DDataset
    init_default_scope('mmpose')
    root, xyz_mm, cam_K = fh_without_images
    ds = FreiHand3DDataset(root, 'all', pipeline=PIPELINE)
    for i in range(len(ds)):
        packed = ds[i]
        sample = packed['data_samples']
        idx = sample.metainfo['img_id'] % 3
        assert packed['inputs'].shape == (21, 5)
        inputs = packed['inputs'].numpy().astype(np.float64)
        # channels: crop u, v; ray x, y of K^-1 [u, v, 1] (= the 3D joint's x / z, y / z); confidence
        xyz = xyz_mm[idx]
        np.testing.assert_allclose(inputs[:, 2], xyz[:, 0] / xyz[:, 2], atol=1e-5)
        np.testing.assert_allclose(inputs[:, 3], xyz[:, 1] / xyz[:, 2], atol=1e-5)
        np.testing.assert_allclose(inputs[:, 4], 1.0)
        K_crop = sample.metainfo['cam_K'].astype(np.float64)
        proj = xyz @ K_crop.T
        np.testing.assert_allclose(inputs[:, :2], proj[:, :2] / proj[:, 2:], atol=1e-3)
        # the virtual crop holds the hand: every joint inside the 128 px crop with the 1.4 padding margin
        assert inputs[:, :2].min() > 128 * (1 - 1 / 1.4) / 2 - 1e-3
        assert inputs[:, :2].max() < 128 - 128 * (1 - 1 / 1.4) / 2 + 1e-3
        labels = sample.gt_instance_labels
        np.testing.assert_allclose(labels.keypoints_2d.numpy()[0], inputs[:, :2], atol=1e-4)
        np.testing.assert_allclose(sample.gt_instances.keypoints_3d[0], xyz, atol=1e-3)


def _results(noise_seed_idx=0):
    rng = np.random.RandomState(1)
    cam_K = make_intrinsics((300., 300.), (224, 224))
    xyz = random_right_hand_mm(rng, cam_K, (224, 224), (500., 700.))
    kpts = project_points(xyz, cam_K)[None].astype(np.float32)
    return dict(keypoints=kpts, keypoints_visible=np.ones((1, 21), np.float32), cam_K=cam_K, sample_idx=noise_seed_idx,
                keypoints_3d=xyz[None], has_3d=np.ones(1), has_3d_eval=np.ones(1), ref_bone_length=np.ones(1),
                bbox=np.array([[0, 0, 224, 224]], np.float32), img_path='x.jpg')


def test_noise_has_the_requested_mean_size_and_is_seeded():
    from bmc_mmpose.datasets.transforms import KeypointLifterInputs
    sizes = []
    for i in range(300):
        res = KeypointLifterInputs(noise_px=5.0, seed=3)(_results(i))
        sizes.append(np.linalg.norm(res['keypoints_input'] - res['keypoints'], axis=-1))
    assert np.mean(sizes) == pytest.approx(5.0, rel=0.05)
    a = KeypointLifterInputs(noise_px=5.0, seed=3)(_results(7))['lifter_inputs']
    b = KeypointLifterInputs(noise_px=5.0, seed=3)(_results(7))['lifter_inputs']
    np.testing.assert_array_equal(a, b)


def test_simulator_source_and_supervision_with_input():
    from bmc_mmpose.datasets.transforms import KeypointLifterInputs
    t = KeypointLifterInputs(source='simulator', simulator=dict(drop_prob=0.5, noise_std=0.01), seed=0,
                             supervise_with_input=True)
    res = t(_results())
    conf = res['lifter_inputs'][:, 4]
    assert (conf == 0).any() and (conf > 0).any()
    assert np.all(np.isfinite(res['lifter_inputs']))
    np.testing.assert_array_equal(res['keypoints_visible'][0], res['keypoints_input_confidence'][0])


def test_errors_name_the_problem():
    from bmc_mmpose.datasets.transforms import KeypointLifterInputs, PackKeypointLifterInputs
    with pytest.raises(ValueError, match='source'):
        KeypointLifterInputs(source='camera')
    res = _results()
    del res['cam_K']
    with pytest.raises(KeyError, match='cam_K'):
        KeypointLifterInputs()(res)
    res = KeypointLifterInputs()(_results())
    res['img'] = np.zeros((4, 4, 3), np.uint8)
    with pytest.raises(ValueError, match='must not load images'):
        PackKeypointLifterInputs()(res)
