# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Bad input stopped at the dataset border: K validation, real image width for RHD mirroring, boxes outside the
image, parse errors that name the file."""
import json
import pickle

import numpy as np
import pytest
from mmcv.transforms import LoadImageFromFile
from mmpose.registry import DATASETS

from bmc_mmpose.datasets import (FreiHand3DDataset, HandCropAffine, HO3DDataset, Rhd3DDataset, intrinsics_problem,
                                 validate_intrinsics)
from bmc_mmpose.testing import dataset_fixtures as fx

ZERO_FOCAL = 'cam_K focal length fx or fy not > 0'
NOT_PINHOLE = 'cam_K not of the form [[fx, s, cx], [0, fy, cy], [0, 0, 1]] (transposed?)'


# -- K ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize('K,reason', [
    ([[500, 0, 112], [0, 500, 112], [0, 0, 1]], None),
    ([[500, 2, 112], [0, 480, 100], [0, 0, 1]], None),
    ([[0, 0, 112], [0, 500, 112], [0, 0, 1]], ZERO_FOCAL),
    ([[500, 0, 112], [0, -500, 112], [0, 0, 1]], ZERO_FOCAL),
    ([[500, 0, 0], [0, 500, 0], [112, 112, 1]], NOT_PINHOLE),
    ([[500, 0, 112], [0, 500, 112], [0, 0, 2]], NOT_PINHOLE),
    ([[500, 0, 112], [0, 500, np.nan], [0, 0, 1]], 'non-finite cam_K'),
    ([[500, 0, 112], [0, 500, 112]], 'cam_K of shape (2, 3), not (3, 3)'),
])
def test_intrinsics_problem(K, reason):
    assert intrinsics_problem(np.asarray(K, np.float64)) == reason


def test_validate_intrinsics_names_source():
    with pytest.raises(ValueError, match='my.json: cam_K focal length'):
        validate_intrinsics(np.zeros((3, 3)), 'my.json')


def _rhd_with_bad_K(root, bad_ids, bad_K, image_size=320):
    rng = np.random.RandomState(0)
    annotations = {i: fx.make_rhd_annotation(rng, 'right' if i % 2 == 0 else 'left', image_size) for i in range(4)}
    for i in bad_ids:
        annotations[i]['K'] = np.asarray(bad_K, np.float32)
    fx.write_rhd(root, 'training', annotations, image_size=image_size)


def test_rhd_zero_focal_length_skipped_and_counted(tmp_path):
    _rhd_with_bad_K(tmp_path / 'rhd', [1, 2], [[0, 0, 160], [0, 0, 160], [0, 0, 1]])
    ds = Rhd3DDataset(data_root=str(tmp_path / 'rhd'), split='training', pipeline=[])
    assert len(ds) == 2 and ds.skip_counts[ZERO_FOCAL] == 2
    assert sorted(ds.get_data_info(i)['img_id'] for i in range(len(ds))) == [0, 3]


def test_freihand_transposed_and_zero_K_skipped_and_counted(tmp_path):
    root = tmp_path / 'fh'
    fx.write_synthetic_freihand(root, num_unique=5, num_versions=1, seed=0)
    path = root / 'training_K.json'
    Ks = json.loads(path.read_text())
    Ks[1] = np.asarray(Ks[1]).T.tolist()   # what a column-major reader would write
    Ks[3][0][0] = 0.0
    path.write_text(json.dumps(Ks))
    ds = FreiHand3DDataset(data_root=str(root), split='all', versions=(0, ), pipeline=[])
    assert len(ds) == 3
    assert ds.skip_counts[NOT_PINHOLE] == 1 and ds.skip_counts[ZERO_FOCAL] == 1
    # every K transposed: nothing is left, and the error says why
    root = tmp_path / 'fh_all_transposed'
    _, cam_K = fx.write_synthetic_freihand(root, num_unique=3, num_versions=1, seed=1)
    (root / 'training_K.json').write_text(json.dumps([k.T.tolist() for k in cam_K]))
    with pytest.raises(ValueError, match=r'no valid sample.*transposed'):
        FreiHand3DDataset(data_root=str(root), split='all', versions=(0, ), pipeline=[])


def test_ho3d_zero_focal_length_skipped_and_counted(tmp_path):
    root = tmp_path / 'ho3d'
    fx.write_synthetic_ho3d(root, 'train', num_frames=4, seed=0)
    meta_path = root / 'train' / 'ABF10' / 'meta' / '0001.pkl'
    meta = pickle.loads(meta_path.read_bytes())
    meta['camMat'][1, 1] = 0.0
    meta_path.write_bytes(pickle.dumps(meta, protocol=2))
    ds = HO3DDataset(data_root=str(root), split='train', pipeline=[])
    assert len(ds) == 3 and ds.skip_counts[ZERO_FOCAL] == 1


# -- RHD mirroring uses the real image width --------------------------------------------------------------
def _coordinate_images(ids, size):
    """Images whose pixel (v, u) holds u in channel 0 and v in channel 1 (lossless PNG): a crop shows where each
    of its pixels came from."""
    v, u = np.mgrid[:size, :size]
    img = np.stack([u, v, np.full_like(u, 255)], -1).astype(np.uint8)
    return {i: img.copy() for i in ids}


def test_rhd_mirrors_left_hands_with_the_real_image_width(tmp_path):
    """160-px images without ``image_size``: mirrored labels are u -> 159 - u, and in the crop every mirrored
    joint sits on the image pixel of the original left-hand joint (with the old fixed width of 320 every
    mirrored crop was black)."""
    root = tmp_path / 'rhd'
    rng = np.random.RandomState(3)
    annotations = {i: fx.make_rhd_annotation(rng, 'right' if i % 2 == 0 else 'left', 160) for i in range(4)}
    fx.write_rhd(root, 'training', annotations, images=_coordinate_images(range(4), 160), image_size=160)
    ds = Rhd3DDataset(data_root=str(root), split='training', hand='auto', pipeline=[])
    mirrored = [i for i in range(len(ds)) if ds.get_data_info(i)['mirrored']]
    assert len(mirrored) == 2
    rhd_to_fh = [0, 4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9, 16, 15, 14, 13, 20, 19, 18, 17]  # datasets.md 1.3
    for i in mirrored:
        info = ds.get_data_info(i)
        left_uv = annotations[info['img_id']]['uv_vis'][:21, :2][rhd_to_fh]
        np.testing.assert_allclose(info['keypoints'][0, :, 0], 159.0 - left_uv[:, 0], atol=1e-3)
        results = ds.get_data_info(i)
        results = LoadImageFromFile()(results)
        results = HandCropAffine(input_size=(64, 64), padding=1.4, interpolation='nearest')(results)
        crop, uv_crop = results['img'], results['transformed_keypoints'][0]
        assert (crop[..., 2] == 0).mean() < 0.2, 'the mirrored crop is (mostly) outside the image'
        cols, rows = np.clip(np.round(uv_crop).astype(int), 0, 63).T
        # the crop scale is below 1 px per px here, so the nearest pixel is within ~2 px of the joint
        np.testing.assert_allclose(crop[rows, cols, 0], left_uv[:, 0], atol=3)
        np.testing.assert_allclose(crop[rows, cols, 1], left_uv[:, 1], atol=3)


def test_rhd_image_size_that_does_not_match_the_images_fails_naming_the_image(tmp_path):
    root = tmp_path / 'rhd'
    fx.write_synthetic_rhd(root, 'training', num_samples=2, seed=3, image_size=160)
    with pytest.raises(ValueError, match=r'00000\.png is 160x160 px but image_size=320'):
        Rhd3DDataset(data_root=str(root), split='training', hand='left', image_size=320, pipeline=[])


# -- boxes without overlap with the image --------------------------------------------------------------------
def test_rhd_box_outside_the_image_skipped_and_counted(tmp_path):
    root = tmp_path / 'rhd'
    rng = np.random.RandomState(0)
    annotations = {i: fx.make_rhd_annotation(rng, 'right', 320) for i in range(3)}
    annotations[1]['uv_vis'][:, 0] += 1000.0
    fx.write_rhd(root, 'training', annotations)
    ds = Rhd3DDataset(data_root=str(root), split='training', hand='right', pipeline=[])
    assert len(ds) == 2 and ds.skip_counts['box outside the image'] == 1


def test_ho3d_evaluation_box_outside_the_image_skipped_and_counted(tmp_path):
    root = tmp_path / 'ho3d'
    fx.write_synthetic_ho3d(root, 'evaluation', num_frames=3, seed=0)
    meta_path = root / 'evaluation' / 'ABF10' / 'meta' / '0000.pkl'
    meta = pickle.loads(meta_path.read_bytes())
    meta['handBoundingBox'] = [700.0, 10.0, 760.0, 70.0]  # right of the 640-px image
    meta_path.write_bytes(pickle.dumps(meta, protocol=2))
    ds = HO3DDataset(data_root=str(root), split='evaluation', pipeline=[])
    assert len(ds) == 2 and ds.skip_counts['box outside the image'] == 1


def test_crop_of_a_box_outside_the_image_fails_naming_the_image(tmp_path):
    results = dict(img=np.full((50, 80, 3), 255, np.uint8), img_path='x/frame.png',
                   bbox=np.array([[90., 10., 120., 40.]]), cam_K=np.eye(3))
    with pytest.raises(ValueError, match=r'x/frame\.png.*no overlap with the 80x50 image'):
        HandCropAffine(input_size=(32, 32))(results)
    # a box that only touches the image is kept
    results['bbox'] = np.array([[70., 10., 120., 40.]])
    assert HandCropAffine(input_size=(32, 32))(results)['img'].shape == (32, 32, 3)


# -- parse errors name the file --------------------------------------------------------------------------
def test_truncated_rhd_pickle_names_the_file(tmp_path):
    root = tmp_path / 'rhd'
    fx.write_synthetic_rhd(root, 'training', num_samples=2)
    path = root / 'training' / 'anno_training.pickle'
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match=r'anno_training\.pickle: cannot unpickle'):
        Rhd3DDataset(data_root=str(root), split='training', pipeline=[])


def test_truncated_ho3d_meta_pickle_names_the_file(tmp_path):
    root = tmp_path / 'ho3d'
    fx.write_synthetic_ho3d(root, 'train', num_frames=2)
    path = root / 'train' / 'ABF10' / 'meta' / '0000.pkl'
    path.write_bytes(path.read_bytes()[:50])
    with pytest.raises(ValueError, match=r'ABF10/meta/0000\.pkl: cannot unpickle'):
        HO3DDataset(data_root=str(root), split='train', pipeline=[])


def test_invalid_ho3d_evaluation_json_names_the_file(tmp_path):
    root = tmp_path / 'ho3d'
    fx.write_synthetic_ho3d(root, 'evaluation', num_frames=2, with_eval_xyz=True)
    (root / 'evaluation_xyz.json').write_text('[[1, 2')
    with pytest.raises(ValueError, match=r'evaluation_xyz\.json: not valid JSON'):
        HO3DDataset(data_root=str(root), split='evaluation', pipeline=[])


def test_registry_builds_renamed_classes(tmp_path):
    fx.write_synthetic_rhd(tmp_path / 'rhd', 'training', num_samples=2)
    ds = DATASETS.build(dict(type='Rhd3DDataset', data_root=str(tmp_path / 'rhd'), split='training', pipeline=[]))
    assert type(ds) is Rhd3DDataset
