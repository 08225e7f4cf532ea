# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Hand-built PoseDataSample dicts following docs/architecture.md (shared by the metric tests)."""
from typing import Optional

import numpy as np
from mmengine.structures import InstanceData

from mmpose.structures import PoseDataSample

from bmc_mmpose.geometry.camera_numpy import project_points

K = np.array([[500.0, 0.0, 112.0], [0.0, 500.0, 112.0], [0.0, 0.0, 1.0]], dtype=np.float32)


def random_hand(rng, depth=600.0):
    return (rng.normal(scale=35.0, size=(21, 3)) + np.array([0.0, 0.0, depth])).astype(np.float32)


def project(points):
    return project_points(points, K)


def make_sample(gt_3d: np.ndarray,
                pred_3d: np.ndarray,
                pred_2d: Optional[np.ndarray] = None,
                has_3d_eval: bool = True,
                visible: Optional[np.ndarray] = None,
                idx: int = 0,
                dataset_name: str = 'freihand',
                mirrored: bool = False) -> dict:
    """One data sample as the Evaluator hands it to ``process`` (``PoseDataSample.to_dict()``)."""
    ref = float(np.linalg.norm(gt_3d[9] - gt_3d[10]))
    sample = PoseDataSample(metainfo=dict(img_path=f'img_{idx:08d}.jpg', img_id=idx, sample_idx=idx,
                                          dataset_name=dataset_name, mirrored=mirrored, cam_K=K, cam_K_orig=K,
                                          ref_bone_length=ref, ori_shape=(224, 224), input_size=(128, 128)))
    visible = np.ones(21, np.float32) if visible is None else visible.astype(np.float32)
    gt = InstanceData()
    gt.bboxes = np.array([[0, 0, 224, 224]], np.float32)
    gt.keypoints = project(gt_3d)[None].astype(np.float32)
    gt.keypoints_visible = visible[None]
    gt.keypoints_3d = (gt_3d if has_3d_eval else np.zeros_like(gt_3d))[None].astype(np.float32)
    gt.has_3d = np.array([float(has_3d_eval)], np.float32)
    gt.has_3d_eval = np.array([float(has_3d_eval)], np.float32)
    gt.ref_bone_length = np.array([ref if has_3d_eval else 0.0], np.float32)
    sample.gt_instances = gt
    pred = InstanceData()
    pred.keypoints = (project(pred_3d) if pred_2d is None else pred_2d)[None].astype(np.float32)
    pred.keypoint_scores = np.ones((1, 21), np.float32)
    pred.keypoints_3d = pred_3d[None].astype(np.float32)
    pred.keypoints_3d_norm = (pred_3d / ref)[None].astype(np.float32)
    sample.pred_instances = pred
    return sample.to_dict()
