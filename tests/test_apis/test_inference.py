# Copyright (c) bmc_mmpose authors. All rights reserved.
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from bmc_mmpose.apis import default_intrinsics, inference_hand3d, init_hand3d_model
from bmc_mmpose.testing.small_hand3d_config import small_config

REAL_SAMPLES = Path(__file__).resolve().parents[2] / '..' / 'shared' / 'data' / 'real_samples'


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    return init_hand3d_model(small_config())


@pytest.fixture(scope='module')
def image():
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, size=(120, 160, 3), dtype=np.uint8)
    return cv2.GaussianBlur(img, (7, 7), 3)


def test_outputs_and_shapes(model, image):
    res = inference_hand3d(model, image, ref_bone_length=30.0)
    assert res['keypoints_2d'].shape == (21, 2) and res['keypoints_3d'].shape == (21, 3)
    assert res['joint_angles_deg'].shape == (15, 2) and len(res['angle_bones']) == 15
    np.testing.assert_allclose(res['K'], default_intrinsics(120, 160))
    assert res['K'][0, 0] == 160.0 and res['K'][0, 2] == 80.0 and res['K'][1, 2] == 60.0
    np.testing.assert_allclose(res['keypoints_3d'], res['keypoints_3d_norm'] * 30.0, rtol=1e-5, atol=1e-3)
    # 2D and 3D agree through K: the 3D joints project onto the 2D keypoints
    hom = res['keypoints_3d'] @ res['K'].T
    np.testing.assert_allclose(hom[:, :2] / hom[:, 2:], res['keypoints_2d'], atol=1e-2)
    p = res['plausibility']
    assert len(p['violation_bone_length']) == 20 and len(p['violation_joint_angle']) == 15
    assert all(np.isfinite(v) for v in (p['loss_bl'], p['loss_rb'], p['loss_a']))
    assert res['ref_bone_length'] == 30.0
    assert inference_hand3d(model, image, plausibility_limits=None).get('plausibility') is None
    assert inference_hand3d(model, image)['ref_bone_length'] == 40.0  # the head's default


def test_left_hand_is_mirrored_in_and_out(model, image):
    """Left hand on an image == right hand on the flipped image, mirrored back."""
    height, width = image.shape[:2]
    cam_k = np.array([[150.0, 0.0, 70.0], [0.0, 150.0, 55.0], [0.0, 0.0, 1.0]])
    bbox = np.array([20.0, 10.0, 110.0, 100.0])
    left = inference_hand3d(model, image, bbox=bbox, K=cam_k, hand_side='left', ref_bone_length=35.0)
    flip_k = np.array([[-1.0, 0.0, width - 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]) @ cam_k @ np.diag([-1.0, 1, 1])
    flip_box = np.array([width - 1.0 - bbox[2], bbox[1], width - 1.0 - bbox[0], bbox[3]])
    right = inference_hand3d(model, np.ascontiguousarray(image[:, ::-1]), bbox=flip_box, K=flip_k,
                             ref_bone_length=35.0)
    expected_2d = right['keypoints_2d'].copy()
    expected_2d[:, 0] = width - 1.0 - expected_2d[:, 0]
    np.testing.assert_allclose(left['keypoints_2d'], expected_2d, atol=1e-3)
    np.testing.assert_allclose(left['keypoints_3d'], right['keypoints_3d'] * np.array([-1.0, 1, 1]), rtol=1e-4,
                               atol=1e-2)
    np.testing.assert_allclose(left['joint_angles_rad'], right['joint_angles_rad'], atol=1e-5)
    # and the left-hand result projects with the caller's K onto its own 2D keypoints
    hom = left['keypoints_3d'] @ cam_k.T
    np.testing.assert_allclose(hom[:, :2] / hom[:, 2:], left['keypoints_2d'], atol=1e-2)


def test_bad_arguments(model, image):
    with pytest.raises(ValueError, match='hand_side'):
        inference_hand3d(model, image, hand_side='both')
    with pytest.raises(ValueError, match='bbox'):
        inference_hand3d(model, image, bbox=[10, 10, 5, 50])
    with pytest.raises(ValueError, match='ref_bone_length'):
        inference_hand3d(model, image, ref_bone_length=0.0)
    with pytest.raises(FileNotFoundError, match='cannot read'):
        inference_hand3d(model, '/nonexistent/x.jpg')


def test_real_freihand_image_path(model):
    path = REAL_SAMPLES / 'freihand' / '00000355.jpg'
    if not path.exists():
        pytest.skip(f'real samples not found at {REAL_SAMPLES} (CI provides ../shared beside the repo)')
    res = inference_hand3d(model, str(path))
    assert res['image_shape'] == (224, 224) and np.isfinite(res['keypoints_3d']).all()


def test_with_a_shipped_config():
    """The API runs the test pipeline of a real experiment config (backbone shrunk to ResNet-18 for speed)."""
    config = Path(__file__).resolve().parents[2] / 'configs' / 'bmc' / 'rhd3d_fh2d.py'
    if not config.exists():
        pytest.skip(f'{config} not found')
    torch.manual_seed(0)
    model = init_hand3d_model(str(config), cfg_options={'model.backbone.depth': 18, 'model.head.in_channels': 512})
    image = np.full((224, 224, 3), 90, np.uint8)
    res = inference_hand3d(model, image, bbox=[30, 30, 190, 190], hand_side='left')
    assert res['keypoints_3d'].shape == (21, 3) and np.isfinite(res['keypoints_3d']).all()
    assert 'plausibility' in res
