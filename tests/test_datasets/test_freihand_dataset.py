# Copyright (c) bmc_mmpose authors. All rights reserved.
import json
import os

import numpy as np
import pytest

from bmc_mmpose.datasets import FreiHand3DDataset, freihand_val_ids, project_points
from bmc_mmpose.testing import dataset_fixtures as fx
from bmc_mmpose.testing.dataset_checks import check_contract, reprojection_error


@pytest.fixture
def fh_root(tmp_path):
    xyz_mm, cam_K = fx.write_synthetic_freihand(tmp_path / 'fh', num_unique=5, seed=2)
    return str(tmp_path / 'fh'), xyz_mm, cam_K


def infos(ds):
    return [ds.get_data_info(i) for i in range(len(ds))]


def test_training_all_versions(fh_root):
    root, xyz_mm, cam_K = fh_root
    ds = FreiHand3DDataset(root, 'all')
    assert len(ds) == 20
    for info in infos(ds):
        check_contract(info)
        idx = info['img_id'] % 5
        assert info['unique_id'] == idx and not info['mirrored'] and info['dataset_name'] == 'freihand'
        assert info['img_path'].endswith(os.path.join('training', 'rgb', '%08d.jpg' % info['img_id']))
        assert os.path.isfile(info['img_path'])
        np.testing.assert_allclose(info['keypoints_3d'][0], xyz_mm[idx], atol=1e-3)
        np.testing.assert_allclose(info['keypoints'][0], project_points(xyz_mm[idx], cam_K[idx]), atol=1e-3)
        assert reprojection_error(info) < 1e-3
        assert np.all(info['keypoints_visible'] == 1)
        assert info['ref_bone_length'][0] == pytest.approx(np.linalg.norm(xyz_mm[idx, 10] - xyz_mm[idx, 9]),
                                                           rel=1e-5)
    assert ds.scale_mismatches == 0
    ds = FreiHand3DDataset(root, 'all', versions=(0, 2))
    assert sorted(i['img_id'] for i in infos(ds)) == [0, 1, 2, 3, 4, 10, 11, 12, 13, 14]


def test_train_val_split(fh_root):
    root, _, _ = fh_root
    train = FreiHand3DDataset(root, 'train', val_fraction=0.4, split_seed=5)
    val = FreiHand3DDataset(root, 'val', val_fraction=0.4, split_seed=5)
    train_ids = {i['unique_id'] for i in infos(train)}
    val_ids = {i['unique_id'] for i in infos(val)}
    assert len(val_ids) == 2 and train_ids.isdisjoint(val_ids) and train_ids | val_ids == set(range(5))
    assert len(val) == 8  # all 4 versions of the 2 validation hands
    assert val_ids == set(freihand_val_ids(5, 0.4, 5).tolist())
    assert val_ids == {i['unique_id'] for i in infos(FreiHand3DDataset(root, 'val', val_fraction=0.4, split_seed=5))}
    # The real dataset's split: 3,256 of 32,560 hands, reproducible.
    ids = freihand_val_ids(32560, 0.1, 0)
    assert len(ids) == 3256 and np.array_equal(ids, freihand_val_ids(32560, 0.1, 0))
    # The configs' split: 3,255 validation hands leave 29,305 (largest N of supp. Tab. 5) for training.
    assert 32560 - len(freihand_val_ids(32560, 0.1, 0, num_val=3255)) == 29305
    val = FreiHand3DDataset(root, 'val', num_val=1, split_seed=5)
    assert len({i['unique_id'] for i in infos(val)}) == 1
    with pytest.raises(ValueError, match='num_val'):
        FreiHand3DDataset(root, 'val', num_val=6)


def test_supervision_and_num_3d(fh_root):
    root, _, _ = fh_root
    for info in infos(FreiHand3DDataset(root, 'all', supervision='2d')):
        assert info['has_3d'][0] == 0 and info['has_3d_eval'][0] == 1 and info['ref_bone_length'][0] > 0
    ds = FreiHand3DDataset(root, 'all', num_3d_samples=2, num_3d_seed=1)
    with_3d = {i['unique_id'] for i in infos(ds) if i['has_3d'][0] == 1}
    assert len(with_3d) == 2
    # All 4 versions of a chosen hand keep their 3D label; the others are 2D-only (but still evaluable).
    assert sum(i['has_3d'][0] for i in infos(ds)) == 8
    assert all(i['has_3d_eval'][0] == 1 for i in infos(ds))
    again = FreiHand3DDataset(root, 'all', num_3d_samples=2, num_3d_seed=1)
    assert with_3d == {i['unique_id'] for i in infos(again) if i['has_3d'][0] == 1}
    assert len(FreiHand3DDataset(root, 'all', num_3d_samples=0)) == 20


def test_evaluation_split(tmp_path):
    xyz_mm, cam_K = fx.write_synthetic_freihand(tmp_path / 'with', 3, evaluation=True, seed=3)
    ds = FreiHand3DDataset(str(tmp_path / 'with'), 'evaluation')
    assert len(ds) == 3
    for info in infos(ds):
        check_contract(info)
        assert info['has_3d_eval'][0] == 1 and reprojection_error(info) < 1e-3
    fx.write_synthetic_freihand(tmp_path / 'without', 3, evaluation=True, eval_with_xyz=False, seed=3)
    assert not os.path.exists(tmp_path / 'without' / 'evaluation_xyz.json')
    ds = FreiHand3DDataset(str(tmp_path / 'without'), 'evaluation')
    for idx, info in enumerate(infos(ds)):
        check_contract(info)
        assert info['has_3d'][0] == 0 and info['has_3d_eval'][0] == 0
        assert np.all(info['keypoints'] == 0) and np.all(info['keypoints_visible'] == 0)
        assert np.all(info['keypoints_3d'] == 0)
        np.testing.assert_allclose(info['bbox'][0], [0, 0, 223, 223])
        np.testing.assert_allclose(info['cam_K'], cam_K[idx], rtol=1e-6)
        # evaluation_scale.json is the reference bone in metres.
        assert info['ref_bone_length'][0] == pytest.approx(np.linalg.norm(xyz_mm[idx, 10] - xyz_mm[idx, 9]),
                                                           rel=1e-5)


def test_bad_input(fh_root, tmp_path):
    root, xyz_mm, cam_K = fh_root
    with pytest.raises(FileNotFoundError, match='evaluation_K.json'):
        FreiHand3DDataset(root, 'evaluation')
    with pytest.raises(ValueError, match='versions'):
        FreiHand3DDataset(root, 'all', versions=(4, ))
    # Wrong list length names the file.
    with open(os.path.join(root, 'training_xyz.json'), 'w') as f:
        json.dump((xyz_mm[:4] / 1000).tolist(), f)
    with pytest.raises(ValueError, match='training_xyz.json: 4 entries'):
        FreiHand3DDataset(root, 'all')
    # Non-finite joints are skipped and counted; a wrong scale file is counted.
    xyz = xyz_mm / 1000.
    xyz[1, 3, 0] = np.inf
    fx.write_freihand(tmp_path / 'nan', xyz, cam_K, num_versions=2, scale_m=np.full(5, 0.05))
    ds = FreiHand3DDataset(str(tmp_path / 'nan'), 'all', versions=(0, 1))
    assert len(ds) == 8 and ds.skip_counts['non-finite keypoints'] == 2
    assert ds.scale_mismatches == 4
    os.remove(os.path.join(str(tmp_path / 'nan'), 'training', 'rgb', '00000000.jpg'))
    ds = FreiHand3DDataset(str(tmp_path / 'nan'), 'all', pipeline=[dict(type='LoadImage')], test_mode=True)
    with pytest.raises(Exception, match='00000000.jpg'):
        ds[0]


def test_real_samples_2d(real_samples_dir, tmp_path):
    truth = fx.freihand_fixture_from_real_samples(real_samples_dir, tmp_path / 'fh')
    ds = FreiHand3DDataset(str(tmp_path / 'fh'), 'all', supervision='2d',
                         pipeline=[dict(type='LoadImage')], test_mode=True)
    assert len(ds) == len(truth) == 8
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        check_contract(info)
        t = truth[info['img_id']]
        assert info['unique_id'] == t['unique_index'] and info['has_3d'][0] == 0
        # The loader's projection of the back-projected fixture gives back the real 2D labels.
        np.testing.assert_allclose(info['keypoints'][0], t['uv'], atol=1e-3)
        assert ds[i]['img'].shape == (224, 224, 3)
