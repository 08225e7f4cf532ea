# Copyright (c) bmc_mmpose authors. All rights reserved.
import numpy as np
import pytest
import torch
from mmpose.structures import PoseDataSample

from bmc_mmpose.datasets import HO3DDataset, PackHand3DInputs, Rhd3DDataset, project_points
from bmc_mmpose.testing import dataset_fixtures as fx

TRAIN_PIPELINE = [
    dict(type='LoadImage'),
    dict(type='HandCropAffine', input_size=(128, 128), scale_factor=0.3, shift_factor=0.15, rotate_factor=180.),
    dict(type='HandColorJitter'),
    dict(type='PackHand3DInputs'),
]
META_KEYS = {'cam_K', 'cam_K_orig', 'warp_mat', 'ref_bone_length', 'mirrored', 'dataset_name', 'img_path', 'img_id',
             'input_size', 'ori_shape'}
INSTANCE_SHAPES = dict(bboxes=(1, 4), keypoints=(1, 21, 2), keypoints_visible=(1, 21), keypoints_3d=(1, 21, 3),
                       has_3d=(1, ), has_3d_eval=(1, ), ref_bone_length=(1, ))
LABEL_SHAPES = dict(keypoints_2d=(1, 21, 2), keypoint_weights=(1, 21), keypoints_3d=(1, 21, 3), has_3d=(1, ),
                    ref_bone_length=(1, ), cam_K=(1, 3, 3))


def check_packed(packed, info):
    assert packed['inputs'].shape == (3, 128, 128) and packed['inputs'].dtype == torch.uint8
    sample = packed['data_samples']
    assert isinstance(sample, PoseDataSample)
    assert META_KEYS <= set(sample.metainfo)
    assert sample.cam_K.shape == (3, 3) and sample.cam_K.dtype == np.float32
    assert sample.cam_K_orig.dtype == np.float32 and sample.warp_mat.shape == (2, 3)
    assert isinstance(sample.ref_bone_length, float) and isinstance(sample.mirrored, bool)
    assert sample.input_size == (128, 128)
    # Contract fields (+ bbox_scores, which MMPose's add_pred_to_datasample reads).
    assert set(sample.gt_instances.keys()) == set(INSTANCE_SHAPES) | {'bbox_scores'}
    for key, shape in INSTANCE_SHAPES.items():
        value = sample.gt_instances[key]
        assert isinstance(value, np.ndarray) and value.shape == shape and value.dtype == np.float32, key
    assert set(sample.gt_instance_labels.keys()) == set(LABEL_SHAPES)
    for key, shape in LABEL_SHAPES.items():
        value = sample.gt_instance_labels[key]
        assert isinstance(value, torch.Tensor) and tuple(value.shape) == shape and value.dtype == torch.float32, key
    np.testing.assert_array_equal(sample.gt_instances.keypoints, info['keypoints'])
    np.testing.assert_array_equal(sample.gt_instance_labels.cam_K[0].numpy(), sample.cam_K)
    np.testing.assert_array_equal(sample.gt_instance_labels.keypoints_3d.numpy(), sample.gt_instances.keypoints_3d)
    return sample


def test_pack_full_training_pipeline_real_rhd(real_samples_dir, tmp_path):
    fx.rhd_fixture_from_real_samples(real_samples_dir, tmp_path / 'rhd')
    ds = Rhd3DDataset(str(tmp_path / 'rhd'), 'evaluation', pipeline=TRAIN_PIPELINE)
    np.random.seed(4)
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        for _ in range(5):
            sample = check_packed(ds[i], info)
            labels = sample.gt_instance_labels
            uv = project_points(labels.keypoints_3d[0].numpy(), labels.cam_K[0].numpy())
            warp = np.vstack([sample.warp_mat, [0, 0, 1]]).astype(np.float64)
            uv_expected = project_points(info['keypoints_3d'][0], info['cam_K']) @ warp[:2, :2].T + warp[:2, 2]
            assert np.abs(uv - uv_expected).max() < 1e-3
            scale = np.sqrt(abs(np.linalg.det(warp[:2, :2])))
            assert np.abs(uv - labels.keypoints_2d[0].numpy()).max() < 0.08 * scale + 1e-3
            assert sample.mirrored == info['mirrored']


def test_pack_synthetic_and_extra_keys(tmp_path):
    fx.write_synthetic_ho3d(tmp_path / 'ho', 'evaluation', num_frames=2, seed=9)
    pipeline = [dict(type='LoadImage'), dict(type='HandCropAffine'),
                dict(type='PackHand3DInputs', extra_instance_keys=('root_3d', 'has_root_3d'))]
    ds = HO3DDataset(str(tmp_path / 'ho'), 'evaluation', pipeline=pipeline, test_mode=True)
    packed = ds[0]
    gt = packed['data_samples'].gt_instances
    assert gt.root_3d.shape == (1, 3) and gt.has_root_3d.shape == (1, )
    assert gt.has_3d_eval[0] == 0 and packed['data_samples'].ref_bone_length == 0.


def test_pack_requires_crop():
    with pytest.raises(KeyError, match='transformed_keypoints'):
        PackHand3DInputs()(dict(img=np.zeros((4, 4, 3), np.uint8), img_path='a.png'))
