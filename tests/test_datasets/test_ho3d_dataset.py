# Copyright (c) bmc_mmpose authors. All rights reserved.
import os
import pickle

import numpy as np
import pytest

from bmc_mmpose.datasets import HO3DDataset, ho3d_joints_to_internal, project_points
from bmc_mmpose.datasets.formats import ho3d as ho3d_format
from bmc_mmpose.geometry.skeleton import MANO_TO_FREIHAND
from bmc_mmpose.testing import dataset_fixtures as fx
from bmc_mmpose.testing.dataset_checks import check_contract, chirality, reprojection_error
from bmc_mmpose.testing.hands import TEMPLATE_RIGHT_HAND_MM

HO3D_EXTRA = ('root_3d', 'has_root_3d')


def infos(ds):
    return [ds.get_data_info(i) for i in range(len(ds))]


def test_conversion_is_the_documented_one():
    # OpenGL -> OpenCV is (x, -y, -z); MANO order -> FreiHAND order; metres -> mm.
    gl = np.random.RandomState(0).randn(21, 3)
    expected = (gl * [1, -1, -1] * 1000.)[list(MANO_TO_FREIHAND)]
    np.testing.assert_allclose(ho3d_joints_to_internal(gl), expected)
    np.testing.assert_allclose(ho3d_joints_to_internal(ho3d_format.joints_from_internal(expected)), expected, atol=1e-9)


@pytest.mark.parametrize('version,ext', [('v2', '.png'), ('v3', '.jpg')])
def test_train_split_none_frames_skipped(tmp_path, version, ext):
    joints, cams = fx.write_synthetic_ho3d(tmp_path / 'ho', 'train', num_frames=5, none_frames=(1, 3), seed=4,
                                           image_ext=ext)
    ds = HO3DDataset(str(tmp_path / 'ho'), 'train', version=version)
    assert len(ds) == 3 and ds.skip_counts['None annotation'] == 2
    right_sign = chirality(TEMPLATE_RIGHT_HAND_MM)
    for info in infos(ds):
        check_contract(info, extra=HO3D_EXTRA)
        line = info['img_id']
        assert info['img_path'].endswith(ext) and os.path.isfile(info['img_path'])
        np.testing.assert_allclose(info['keypoints_3d'][0], joints[line], atol=1e-3)
        np.testing.assert_allclose(info['keypoints'][0], project_points(joints[line], cams[line]), atol=1e-3)
        assert reprojection_error(info) < 1e-3 and np.all(info['keypoints_3d'][0, :, 2] > 0)
        assert chirality(info['keypoints_3d'][0]) == right_sign
        np.testing.assert_allclose(info['root_3d'][0], joints[line][0], atol=1e-3)
        assert info['has_3d'][0] == 1 and info['has_3d_eval'][0] == 1
    assert all(i['has_3d'][0] == 0 for i in infos(HO3DDataset(str(tmp_path / 'ho'), 'train', supervision='2d')))


def test_evaluation_root_and_box_only(tmp_path):
    joints, cams = fx.write_synthetic_ho3d(tmp_path / 'ho', 'evaluation', num_frames=3, seed=5)
    ds = HO3DDataset(str(tmp_path / 'ho'), 'evaluation')
    for info in infos(ds):
        check_contract(info, extra=HO3D_EXTRA)
        line = info['img_id']
        assert info['has_3d'][0] == 0 and info['has_3d_eval'][0] == 0 and info['ref_bone_length'][0] == 0
        assert np.all(info['keypoints_visible'] == 0) and np.all(info['keypoints_3d'] == 0)
        np.testing.assert_allclose(info['root_3d'][0], joints[line][0], atol=1e-3)
        uv = project_points(joints[line], cams[line])
        np.testing.assert_allclose(info['bbox'][0], np.r_[uv.min(0) - 10, uv.max(0) + 10], atol=1e-3)
    # With the released evaluation GT the split has full 3D labels.
    joints, _ = fx.write_synthetic_ho3d(tmp_path / 'gt', 'evaluation', num_frames=3, seed=5, with_eval_xyz=True)
    for info in infos(HO3DDataset(str(tmp_path / 'gt'), 'evaluation')):
        assert info['has_3d_eval'][0] == 1 and reprojection_error(info) < 1e-3
        np.testing.assert_allclose(info['keypoints_3d'][0], joints[info['img_id']], atol=1e-3)
    assert all(i['has_3d_eval'][0] == 0 for i in infos(HO3DDataset(str(tmp_path / 'gt'), 'evaluation',
                                                                         use_eval_3d=False)))


def test_bad_input(tmp_path):
    fx.write_synthetic_ho3d(tmp_path / 'ho', 'train', num_frames=3, seed=6)
    root = str(tmp_path / 'ho')
    with pytest.raises(FileNotFoundError, match='evaluation.txt'):
        HO3DDataset(root, 'evaluation')
    with open(os.path.join(root, 'train.txt'), 'a') as f:
        f.write('ABF10/0099\n')
    with pytest.raises(FileNotFoundError, match=r'ABF10.meta.0099\.pkl'):
        HO3DDataset(root, 'train')
    # A meta pickle without camMat names the file and the key; non-finite joints are skipped and counted.
    fx.write_synthetic_ho3d(tmp_path / 'bad', 'train', num_frames=3, seed=6)
    meta_path = tmp_path / 'bad' / 'train' / 'ABF10' / 'meta' / '0000.pkl'
    meta = pickle.load(open(meta_path, 'rb'))
    meta['handJoints3D'][4] = np.nan
    pickle.dump(meta, open(meta_path, 'wb'))
    ds = HO3DDataset(str(tmp_path / 'bad'), 'train')
    assert len(ds) == 2 and ds.skip_counts['non-finite keypoints'] == 1
    del meta['camMat']
    pickle.dump(meta, open(meta_path, 'wb'))
    with pytest.raises(KeyError, match=r"0000\.pkl.*'camMat'"):
        HO3DDataset(str(tmp_path / 'bad'), 'train')
