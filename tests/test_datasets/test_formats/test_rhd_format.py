# Copyright (c) bmc_mmpose authors. All rights reserved.
"""RHD's format module: write -> read gives the same arrays, and the stored layout matches datasets.md / the real
samples (literal values, not values computed by the module)."""
import json
import os

import cv2
import numpy as np
import pytest

from bmc_mmpose.datasets.formats import rhd

#: datasets.md 1 (pitfall 11): RHD -> FreiHAND gather list of one hand, as printed there.
RHD_TO_FH_LITERAL = [0, 4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9, 16, 15, 14, 13, 20, 19, 18, 17]


def _annotations(rng):
    annotations = {}
    for sample_id in (0, 7, 12):
        xyz = rng.uniform(-0.1, 0.1, (42, 3)) + [0., 0., 0.6]
        uv_vis = np.concatenate([rng.uniform(0., 319., (42, 2)), rng.integers(0, 2, (42, 1))], 1)
        K = np.array([[rng.uniform(250., 300.), 0., 160.], [0., 280., 160.], [0., 0., 1.]])
        annotations[sample_id] = rhd.make_annotation((xyz[:21], uv_vis[:21]), (xyz[21:], uv_vis[21:]), K)
    return annotations


def test_write_read_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    annotations = _annotations(rng)
    images = {i: rng.integers(0, 256, (320, 320, 3), dtype=np.uint8) for i in annotations}
    masks = {7: np.full((320, 320), 20, np.uint8)}
    path = rhd.write_split(str(tmp_path), 'evaluation', annotations, images, masks)
    assert path == os.path.join(str(tmp_path), 'evaluation', 'anno_evaluation.pickle')

    read_path, read = rhd.read_annotations(str(tmp_path), 'evaluation')
    assert read_path == path and sorted(read) == [0, 7, 12]
    for sample_id, written in annotations.items():
        xyz, uv_vis, K = rhd.read_sample(read[sample_id], f'sample {sample_id}')
        assert xyz.shape == (42, 3) and uv_vis.shape == (42, 3) and K.shape == (3, 3)
        np.testing.assert_array_equal(xyz, written['xyz'])
        np.testing.assert_array_equal(uv_vis, written['uv_vis'])
        np.testing.assert_array_equal(K, written['K'])
        image = cv2.imread(rhd.color_path(str(tmp_path), 'evaluation', sample_id), cv2.IMREAD_COLOR)
        np.testing.assert_array_equal(image, images[sample_id])  # png: lossless
    mask = cv2.imread(rhd.mask_path(str(tmp_path), 'evaluation', 7), cv2.IMREAD_UNCHANGED)
    assert rhd.hand_pixel_counts(mask) == (0, 320 * 320)  # class 20 is the right hand
    assert not os.path.exists(rhd.mask_path(str(tmp_path), 'evaluation', 0))


def test_file_layout_literals(tmp_path):
    # datasets.md 1.1: <split>/anno_<split>.pickle, color/%05d.png, mask/%05d.png.
    assert rhd.annotation_path('R', 'training') == os.path.join('R', 'training', 'anno_training.pickle')
    assert rhd.color_path('R', 'training', 42) == os.path.join('R', 'training', 'color', '00042.png')
    assert rhd.mask_path('R', 'evaluation', 7) == os.path.join('R', 'evaluation', 'mask', '00007.png')
    assert rhd.RHD_IMAGE_SIZE == 320 and rhd.NUM_RHD_JOINTS == 42


@pytest.mark.parametrize('left', [True, False])
def test_hand_order_and_units_match_datasets_md(left):
    # Stored joint r has u = r (its slot number), xyz = r mm written in metres, visible where r is even.
    slots = np.arange(42, dtype=np.float64)
    uv_vis = np.stack([slots, slots + 0.5, (slots % 2 == 0).astype(np.float64)], 1)
    xyz_m = np.stack([slots, -slots, slots + 500.], 1) / 1000.
    uv, visible, xyz_mm = rhd.hand_to_internal(xyz_m, uv_vis, left)
    expected = np.array(RHD_TO_FH_LITERAL) + (0 if left else 21)  # left hand 0-20, right hand 21-41
    np.testing.assert_array_equal(uv[:, 0], expected)
    np.testing.assert_array_equal(visible, (expected % 2 == 0).astype(np.float32))
    np.testing.assert_allclose(xyz_mm, np.stack([expected, -expected, expected + 500.], 1), atol=1e-9)
    # The writer is the inverse: FreiHAND order back into RHD's slots of one hand.
    xyz_back, uv_vis_back = rhd.hand_from_internal(xyz_mm, uv, visible)
    np.testing.assert_allclose(xyz_back, xyz_m[expected.min():expected.min() + 21], atol=1e-12)
    np.testing.assert_array_equal(uv_vis_back[:, 0], slots[expected.min():expected.min() + 21])


def test_real_sample_through_the_format(tmp_path, real_samples_dir):
    """The real right-hand sample 11111 written and read back: FreiHAND joint 1 (thumb MCP) is RHD joint 4 and FreiHAND
    joint 4 (thumb tip) RHD joint 1, with the pixel values of test_rhd.json."""
    with open(real_samples_dir / 'rhd' / 'test_rhd.json') as f:
        coco = json.load(f)
    ann = next(a for a in coco['annotations'] if a['image_id'] == 11111)
    assert ann['hand_type'] == 'right'
    kpts = np.asarray(ann['keypoints'], np.float64).reshape(21, 3)
    joint_cam = np.asarray(ann['joint_cam'], np.float64).reshape(21, 3)
    hand = (joint_cam / 1000., np.concatenate([kpts[:, :2], (kpts[:, 2:] > 0)], 1))
    other = (np.zeros((21, 3)), np.zeros((21, 3)))
    K = np.array([[263.2, 0., 160.], [0., 263.2, 160.], [0., 0., 1.]])
    image = cv2.imread(str(real_samples_dir / 'rhd' / '11111.png'), cv2.IMREAD_COLOR)
    rhd.write_split(str(tmp_path), 'evaluation', {11111: rhd.make_annotation(other, hand, K)}, {11111: image})
    _, read = rhd.read_annotations(str(tmp_path), 'evaluation')
    xyz, uv_vis, K_read = rhd.read_sample(read[11111], 'sample 11111')
    uv, visible, xyz_mm = rhd.hand_to_internal(xyz, uv_vis, left=False)
    np.testing.assert_allclose(uv[1], [181.5, 148.0], atol=1e-4)   # RHD joint 4 of test_rhd.json
    np.testing.assert_allclose(uv[4], [217.5, 146.6], atol=1e-4)   # RHD joint 1 (thumb tip)
    np.testing.assert_allclose(uv[0], [167.8, 154.1], atol=1e-4)   # the wrist stays joint 0
    np.testing.assert_allclose(xyz_mm[0], [20.48, -15.47, 693.3], atol=1e-3)
    np.testing.assert_allclose(xyz_mm[4], [138.40, -32.17, 633.2], atol=1e-3)
    assert visible.sum() == (kpts[:, 2] > 0).sum()
    np.testing.assert_allclose(K_read, K, atol=1e-4)
