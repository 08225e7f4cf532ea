# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Evaluated samples for metric tests: a ground truth and a prediction in one ``PoseDataSample`` dict, laid out as
``docs/architecture.md`` says (what the Evaluator hands to a metric's ``process``).

All samples share one camera, :data:`K` (224 x 224 image, 500 px focal length); joints are mm in its frame.
"""
from typing import Optional

import numpy as np
from mmengine.structures import InstanceData
from mmpose.structures import PoseDataSample

from bmc_mmpose.geometry.camera_numpy import project_points, reference_bone_length

#: The intrinsics of every sample, (3, 3) float32.
K = np.array([[500.0, 0.0, 112.0], [0.0, 500.0, 112.0], [0.0, 0.0, 1.0]], dtype=np.float32)


def make_sample(gt_3d: np.ndarray,
                pred_3d: np.ndarray,
                pred_2d: Optional[np.ndarray] = None,
                has_3d_eval: bool = True,
                visible: Optional[np.ndarray] = None,
                idx: int = 0,
                dataset_name: str = 'freihand',
                mirrored: bool = False) -> dict:
    """One data sample as the Evaluator hands it to ``process`` (``PoseDataSample.to_dict()``).

    Args:
        gt_3d (np.ndarray): (21, 3) ground-truth joints, mm; its reference bone is the sample's scale.
        pred_3d (np.ndarray): (21, 3) predicted joints, mm.
        pred_2d (np.ndarray, optional): (21, 2) predicted pixels; the projection of ``pred_3d`` when None.
        has_3d_eval (bool): whether the 3D ground truth exists (else zeros are stored, as the datasets do).
        visible (np.ndarray, optional): (21,) visibility of the 2D labels (all ones when None).
        idx (int): image id.
        dataset_name (str): ``metainfo['dataset_name']``.
        mirrored (bool): ``metainfo['mirrored']``.
    """
    ref = float(reference_bone_length(gt_3d))
    sample = PoseDataSample(metainfo=dict(img_path=f'img_{idx:08d}.jpg', img_id=idx, sample_idx=idx,
                                          dataset_name=dataset_name, mirrored=mirrored, cam_K=K, cam_K_orig=K,
                                          ref_bone_length=ref, ori_shape=(224, 224), input_size=(128, 128)))
    visible = np.ones(21, np.float32) if visible is None else visible.astype(np.float32)
    gt = InstanceData()
    gt.bboxes = np.array([[0, 0, 224, 224]], np.float32)
    gt.keypoints = project_points(gt_3d, K)[None].astype(np.float32)
    gt.keypoints_visible = visible[None]
    gt.keypoints_3d = (gt_3d if has_3d_eval else np.zeros_like(gt_3d))[None].astype(np.float32)
    gt.has_3d = np.array([float(has_3d_eval)], np.float32)
    gt.has_3d_eval = np.array([float(has_3d_eval)], np.float32)
    gt.ref_bone_length = np.array([ref if has_3d_eval else 0.0], np.float32)
    sample.gt_instances = gt
    pred = InstanceData()
    pred.keypoints = (project_points(pred_3d, K) if pred_2d is None else pred_2d)[None].astype(np.float32)
    pred.keypoint_scores = np.ones((1, 21), np.float32)
    pred.keypoints_3d = pred_3d[None].astype(np.float32)
    pred.keypoints_3d_norm = (pred_3d / ref)[None].astype(np.float32)
    sample.pred_instances = pred
    return sample.to_dict()
