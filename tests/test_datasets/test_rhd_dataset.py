# Copyright (c) bmc_mmpose authors. All rights reserved.
import os
import pickle

import numpy as np
import pytest

from bmc_mmpose.datasets import Rhd3DDataset
from bmc_mmpose.geometry.skeleton import RHD_TO_FREIHAND
from bmc_mmpose.testing import dataset_fixtures as fx
from bmc_mmpose.testing.dataset_checks import check_contract, chirality, reprojection_error
from bmc_mmpose.testing.hands import TEMPLATE_RIGHT_HAND_MM

PERM = np.asarray(RHD_TO_FREIHAND)


@pytest.fixture
def rhd_root(tmp_path):
    annotations = fx.write_synthetic_rhd(tmp_path / 'rhd', 'training', num_samples=6, seed=1)
    return str(tmp_path / 'rhd'), annotations


def test_load_contract_order_and_mirroring(rhd_root):
    root, annotations = rhd_root
    ds = Rhd3DDataset(root, 'training')
    assert len(ds) == 6
    right_sign = chirality(TEMPLATE_RIGHT_HAND_MM)
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        check_contract(info)
        anno = annotations[info['img_id']]
        left = info['img_id'] % 2 == 1  # write_synthetic_rhd: odd ids have a dominant left hand
        assert info['mirrored'] == left and info['dataset_name'] == 'rhd'
        joints = PERM + (0 if left else 21)
        xyz = anno['xyz'][joints].astype(np.float64) * 1000.
        uv = anno['uv_vis'][joints, :2].astype(np.float64)
        if left:
            xyz[:, 0] *= -1
            uv[:, 0] = 319. - uv[:, 0]
            assert info['cam_K'][0, 2] == pytest.approx(319. - anno['K'][0, 2])
        np.testing.assert_allclose(info['keypoints_3d'][0], xyz, atol=1e-3)
        np.testing.assert_allclose(info['keypoints'][0], uv, atol=1e-3)
        # All hands are right hands after the conversion, and 2D/3D/K stay consistent.
        assert chirality(info['keypoints_3d'][0]) == right_sign
        assert reprojection_error(info) < 1e-3
        np.testing.assert_array_equal(info['keypoints_visible'][0], anno['uv_vis'][joints, 2])
        assert info['has_3d'][0] == 1 and info['has_3d_eval'][0] == 1
        assert info['ref_bone_length'][0] == pytest.approx(np.linalg.norm(xyz[10] - xyz[9]), rel=1e-5)
        np.testing.assert_allclose(info['bbox'][0], np.r_[uv.min(0), uv.max(0)], atol=1e-3)
        assert info['img_path'].endswith(os.path.join('training', 'color', '%05d.png' % info['img_id']))


def test_hand_choice(rhd_root, tmp_path):
    root, _ = rhd_root
    assert not any(Rhd3DDataset(root, hand='right').get_data_info(i)['mirrored'] for i in range(6))
    assert all(Rhd3DDataset(root, hand='left').get_data_info(i)['mirrored'] for i in range(6))
    # 'mask': the hand with more segmentation pixels (left ids 2..17, right ids 18..33).
    rng = np.random.RandomState(0)
    annotations = {i: fx.make_rhd_annotation(rng, 'right') for i in range(2)}
    masks = {0: np.full((320, 320), 5, np.uint8), 1: np.full((320, 320), 20, np.uint8)}
    fx.write_rhd(tmp_path / 'masked', 'evaluation', annotations, masks=masks)
    ds = Rhd3DDataset(str(tmp_path / 'masked'), 'evaluation', hand='mask')
    assert [ds.get_data_info(i)['mirrored'] for i in range(2)] == [True, False]
    # 'visibility=all' uses occluded joints too.
    ds = Rhd3DDataset(root, visibility='all')
    assert np.all(ds.get_data_info(0)['keypoints_visible'] == 1)


def test_supervision_switch_and_num_3d(rhd_root):
    root, _ = rhd_root
    ds = Rhd3DDataset(root, supervision='2d')
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert all(i['has_3d'][0] == 0 and i['has_3d_eval'][0] == 1 and i['ref_bone_length'][0] > 0 for i in infos)
    assert all(np.any(i['keypoints_3d'] != 0) for i in infos)
    chosen = []
    for _ in range(2):
        ds = Rhd3DDataset(root, num_3d_samples=2, num_3d_seed=3)
        chosen.append([ds.get_data_info(i)['has_3d'][0] for i in range(len(ds))])
    assert sum(chosen[0]) == 2 and chosen[0] == chosen[1]
    with pytest.raises(ValueError, match='num_3d_samples=7'):
        Rhd3DDataset(root, num_3d_samples=7)


def test_bad_input(rhd_root, tmp_path):
    root, annotations = rhd_root
    with pytest.raises(FileNotFoundError, match='data_root'):
        Rhd3DDataset(str(tmp_path / 'missing'))
    with pytest.raises(FileNotFoundError, match='anno_evaluation.pickle'):
        Rhd3DDataset(root, 'evaluation')
    with pytest.raises(ValueError, match='split'):
        Rhd3DDataset(root, 'test')
    broken = {k: dict(v) for k, v in annotations.items()}
    del broken[2]['K']
    fx.write_rhd(tmp_path / 'nok', 'training', broken)
    with pytest.raises(KeyError, match=r"anno_training.pickle \[sample 2\].*'K'"):
        Rhd3DDataset(str(tmp_path / 'nok'))
    # Non-finite annotations are skipped and counted, never returned.
    broken = {k: dict(v) for k, v in annotations.items()}
    broken[0]['xyz'] = broken[0]['xyz'].copy()
    broken[0]['xyz'][25] = np.nan  # a joint of the (dominant) right hand
    fx.write_rhd(tmp_path / 'nan', 'training', broken)
    ds = Rhd3DDataset(str(tmp_path / 'nan'))
    assert len(ds) == 5 and ds.skip_counts['non-finite keypoints_3d'] == 1
    # A corrupt image names the file (already at load time: its width is read for mirroring and box checks).
    with open(os.path.join(root, 'training', 'color', '00003.png'), 'wb') as f:
        f.write(b'not a png')
    with pytest.raises(OSError, match='00003.png'):
        Rhd3DDataset(root, pipeline=[dict(type='LoadImage')], test_mode=True)
    # with image_size given the header is not read, and loading the image names the file
    ds = Rhd3DDataset(root, pipeline=[dict(type='LoadImage')], test_mode=True, image_size=320)
    with pytest.raises(Exception, match='00003.png'):
        ds[3]


def test_real_samples(real_samples_dir, tmp_path):
    truth = fx.rhd_fixture_from_real_samples(real_samples_dir, tmp_path / 'rhd')
    with open(tmp_path / 'rhd' / 'evaluation' / 'anno_evaluation.pickle', 'rb') as f:
        anno = pickle.load(f)
    assert set(anno) == set(truth) and all(a['xyz'].shape == (42, 3) for a in anno.values())
    ds = Rhd3DDataset(str(tmp_path / 'rhd'), 'evaluation')
    assert len(ds) == 3
    right_sign = None
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        check_contract(info)
        t = truth[info['img_id']]
        assert info['mirrored'] == (t['hand_type'] == 'left')
        xyz, uv = t['xyz_mm'][PERM].copy(), t['uv'][PERM].copy()
        if info['mirrored']:
            xyz[:, 0] *= -1
            uv[:, 0] = t['width'] - 1 - uv[:, 0]
        np.testing.assert_allclose(info['keypoints_3d'][0], xyz, atol=1e-3)
        np.testing.assert_allclose(info['keypoints'][0], uv, atol=1e-3)
        # The real labels reproject to within 0.08 px (README); mirroring must not add any error.
        assert reprojection_error(info) < 0.1
        sign = chirality(info['keypoints_3d'][0])
        right_sign = sign if right_sign is None else right_sign
        assert sign == right_sign
