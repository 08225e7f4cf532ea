# Copyright (c) bmc_mmpose authors. All rights reserved.
"""FreiHAND's format module: write -> read gives the same arrays, and the layout / units / scale file match
datasets.md and the real samples (literal values)."""
import json
import os

import cv2
import numpy as np

from bmc_mmpose.datasets.formats import freihand


def test_write_read_round_trip(tmp_path):
    rng = np.random.default_rng(1)
    num, versions = 3, 2
    xyz_m = rng.uniform(-0.08, 0.08, (num, 21, 3)) + [0., 0., 0.7]
    K = np.stack([[[rng.uniform(400., 700.), 0., 112.], [0., 500., 112.], [0., 0., 1.]] for _ in range(num)])
    images = {i + num * v: rng.integers(0, 256, (224, 224, 3), dtype=np.uint8)
              for v in range(versions) for i in range(num)}
    freihand.write_split(str(tmp_path), 'training', xyz_m, K, images)
    read_K = freihand.read_list(str(tmp_path), 'training', 'K', 'intrinsics')
    read_xyz = freihand.read_list(str(tmp_path), 'training', 'xyz', 'joints')
    read_scale = freihand.read_list(str(tmp_path), 'training', 'scale', 'bone lengths')
    np.testing.assert_array_equal(np.asarray(read_K), K)          # JSON keeps float64 exactly
    np.testing.assert_array_equal(np.asarray(read_xyz), xyz_m)
    np.testing.assert_allclose(read_scale, np.linalg.norm(xyz_m[:, 9] - xyz_m[:, 10], axis=-1), rtol=1e-15)
    for img_id in images:
        image = cv2.imread(freihand.image_path(str(tmp_path), 'training', img_id), cv2.IMREAD_COLOR)
        assert image.shape == (224, 224, 3)
    assert len(os.listdir(freihand.rgb_dir(str(tmp_path), 'training'))) == num * versions
    # An evaluation split without released 3D: no xyz file, the scale given.
    freihand.write_split(str(tmp_path), 'evaluation', None, K, {}, scale_m=np.array([0.03, 0.031, 0.032]))
    assert freihand.read_list(str(tmp_path), 'evaluation', 'xyz', 'joints', required=False) is None
    assert freihand.read_list(str(tmp_path), 'evaluation', 'scale', 'lengths') == [0.03, 0.031, 0.032]


def test_layout_units_and_scale_literals(tmp_path):
    # datasets.md 2: <prefix>_{K,xyz,scale}.json, <prefix>/rgb/%08d.jpg, metres, scale = |xyz[9] - xyz[10]|.
    assert freihand.json_path('F', 'training', 'xyz') == os.path.join('F', 'training_xyz.json')
    assert freihand.image_path('F', 'evaluation', 355) == os.path.join('F', 'evaluation', 'rgb', '00000355.jpg')
    assert freihand.FREIHAND_NUM_TRAINING == 32560 and freihand.FREIHAND_IMAGE_SIZE == 224
    xyz_m = np.zeros((1, 21, 3)) + [0., 0., 0.5]
    xyz_m[0, 10] = [0.003, 0.004, 0.5]  # a 3-4-5 triangle: the middle MCP -> PIP bone is 5 mm
    freihand.write_split(str(tmp_path), 'training', xyz_m, np.eye(3)[None], {})
    with open(os.path.join(str(tmp_path), 'training_scale.json')) as f:
        assert json.load(f) == [0.005]
    np.testing.assert_allclose(freihand.joints_to_internal(xyz_m)[0, 10], [3., 4., 500.])
    np.testing.assert_allclose(freihand.joints_from_internal([[1., 2., 600.]]), [[0.001, 0.002, 0.6]])


def test_real_sample_ids(real_samples_dir):
    """The real samples' image ids: ``id % 32560`` is the annotated hand (datasets.md 2, pitfall 7)."""
    with open(real_samples_dir / 'freihand' / 'test_freihand.json') as f:
        coco = json.load(f)
    ids = sorted(img['id'] for img in coco['images'])
    assert 32915 in ids and 355 in ids
    assert 32915 % freihand.FREIHAND_NUM_TRAINING == 355
    for img in coco['images']:
        assert os.path.basename(freihand.image_path('F', 'training', img['id'])) == img['file_name']
        assert (img['width'], img['height']) == (freihand.FREIHAND_IMAGE_SIZE, freihand.FREIHAND_IMAGE_SIZE)
