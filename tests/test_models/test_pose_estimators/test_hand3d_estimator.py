# Copyright (c) bmc_mmpose authors. All rights reserved.
import numpy as np
import pytest
import torch

import bmc_mmpose.models  # noqa: F401  (registers the modules)
from bmc_mmpose.models.pose_estimators import Hand3DEstimator
from bmc_mmpose.testing.hand25d_batches import ground_truth_25d, make_hand_batch
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS

# the estimator builds its data preprocessor through mmengine's registry: resolve names in MMPose's scope
init_default_scope('mmpose')

INPUT = (64, 64)


def _model_cfg(**test_cfg):
    return dict(
        type='Hand3DEstimator',
        data_preprocessor=dict(type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                               std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
        backbone=dict(type='ResNet', depth=18, init_cfg=None),
        head=dict(type='Hand25DHead', in_channels=512, input_size=INPUT),
        test_cfg=dict(dict(flip_test=False), **test_cfg))


def _project(points, K):
    hom = points @ K.T
    return hom[..., :2] / hom[..., 2:]


def test_flip_test_is_rejected():
    with pytest.raises(ValueError, match='flip_test'):
        MODELS.build(_model_cfg(flip_test=True))


def test_loss_and_predict_modes():
    model = MODELS.build(_model_cfg())
    assert isinstance(model, Hand3DEstimator)
    inputs, samples, _ = make_hand_batch(2, input_size=INPUT, has_3d=[True, False])
    data = model.data_preprocessor(dict(inputs=list(inputs), data_samples=samples), training=True)
    losses = model(**data, mode='loss')
    assert {'loss_2d', 'loss_zr', 'loss_zroot'} <= set(losses)
    assert all(torch.isfinite(v) for v in losses.values())

    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(dict(inputs=list(inputs), data_samples=samples), training=False)
        results = model(**data, mode='predict')
    expected = dict(keypoints=(1, 21, 2), keypoint_scores=(1, 21), keypoints_crop=(1, 21, 2), z_r=(1, 21),
                    z_root=(1, ), z_root_closed_form=(1, ), keypoints_3d_norm=(1, 21, 3), keypoints_3d=(1, 21, 3))
    for result in results:
        assert 'joint_angles' not in result.pred_instances  # only with test_cfg.output_joint_angles
        pred = result.pred_instances
        for key, shape in expected.items():
            assert pred.get(key).shape == shape and pred.get(key).dtype == np.float32, key
        assert 'bboxes' in pred and 'keypoints_visible' in pred
        # 2D in the original image = warp^-1 of the crop pixels; 3D projects onto it with the original K
        H = np.vstack((result.metainfo['warp_mat'], [0, 0, 1])).astype(np.float64)
        back = np.c_[pred.keypoints[0], np.ones(21)] @ H.T
        np.testing.assert_allclose(back[:, :2], pred.keypoints_crop[0], atol=1e-3)

    with torch.no_grad():
        feats = model(data['inputs'], None, mode='tensor')
    assert feats[0].shape == (2, 21, 2) and feats[1].shape == (2, 21)


@pytest.mark.parametrize('rotation', [0., 35.])
def test_crop_predictions_map_back_to_original_camera(rotation):
    """Ground-truth crop predictions are mapped exactly to the original-image 2D and camera-frame 3D."""
    model = MODELS.build(_model_cfg()).eval()
    _, samples, truths = make_hand_batch(3, input_size=INPUT, rotation_deg=rotation, seed=7)
    uv, z_r = ground_truth_25d(truths)
    model.head.zroot_refiner = None
    model.head.forward = lambda feats: (uv, z_r)
    preds = model.head.predict(None, samples)
    results = model.add_pred_to_datasample(preds, None, samples)
    for result, truth in zip(results, truths):
        pred = result.pred_instances
        np.testing.assert_allclose(pred.keypoints[0], truth['uv_orig'], atol=2e-3)
        np.testing.assert_allclose(pred.keypoints_crop[0], truth['uv_crop'], atol=1e-3)
        np.testing.assert_allclose(pred.keypoints_3d[0], truth['joints_orig'], atol=0.05)  # mm
        np.testing.assert_allclose(pred.keypoints_3d_norm[0] * truth['ref'], truth['joints_orig'], atol=0.05)
        K = result.metainfo['cam_K_orig'].astype(np.float64)
        np.testing.assert_allclose(_project(pred.keypoints_3d[0].astype(np.float64), K), pred.keypoints[0],
                                   atol=2e-3)


@pytest.mark.parametrize('rotation', [0., 35.])
def test_batched_predict_equals_the_per_sample_path(rotation):
    """``predict`` (one batched tensor pass, one numpy conversion) gives what MMPose's path gives: the head's
    per-sample ``InstanceData`` mapped by ``add_pred_to_datasample``; angles are added on request."""
    model = MODELS.build(_model_cfg(output_joint_angles=True)).eval()
    inputs, samples, _ = make_hand_batch(3, input_size=INPUT, rotation_deg=rotation, seed=11)
    samples[2].set_metainfo(dict(ref_bone_length=0.))
    with torch.no_grad():
        data = model.data_preprocessor(dict(inputs=list(inputs), data_samples=samples), training=False)
        batched = [s.pred_instances for s in model.predict(data['inputs'], data['data_samples'])]
        feats = model.extract_feat(data['inputs'])
        per_sample = model.add_pred_to_datasample(
            model.head.predict(feats, data['data_samples'], test_cfg=model.test_cfg), None, data['data_samples'])
    for fast, ref in zip(batched, [s.pred_instances for s in per_sample]):
        assert set(fast.keys()) == set(ref.keys()) and 'joint_angles' in fast
        for key in ref.keys():
            np.testing.assert_allclose(fast.get(key), ref.get(key), rtol=1e-6, atol=1e-5, err_msg=key)


def test_without_warp_the_crop_is_the_image():
    model = MODELS.build(_model_cfg()).eval()
    _, samples, truths = make_hand_batch(1, input_size=INPUT, seed=8)
    for key in ('warp_mat', 'cam_K_orig'):
        delattr(samples[0], key)
    preds = model.head.predict(tuple([torch.randn(1, 512, 2, 2)]), samples)
    crop_3d = preds[0].keypoints_3d.copy()
    result = model.add_pred_to_datasample(preds, None, samples)[0].pred_instances
    np.testing.assert_allclose(result.keypoints, result.keypoints_crop, atol=1e-5)
    np.testing.assert_allclose(result.keypoints_3d, crop_3d, atol=1e-4)


def test_missing_intrinsics_is_a_clear_error():
    model = MODELS.build(_model_cfg()).eval()
    _, samples, _ = make_hand_batch(1, input_size=INPUT)
    preds = model.head.predict(tuple([torch.randn(1, 512, 2, 2)]), samples)
    delattr(samples[0], 'cam_K_orig')
    with pytest.raises(KeyError, match='cam_K_orig'):
        model.add_pred_to_datasample(preds, None, samples)
