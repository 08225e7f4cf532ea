# Copyright (c) bmc_mmpose authors. All rights reserved.
"""3D end-point errors (EPE): root-relative, Procrustes-aligned and unaligned absolute.

Summary statistics follow the official FreiHAND evaluator (``EvalUtil.get_measures``): the mean and the median
are computed **per keypoint** over the samples where it is valid and then averaged over keypoints (so the
reported "median" is the mean of 21 per-keypoint medians). The pooled mean/median over all valid joints are
returned as well, since other hand papers use those.
"""
from typing import Dict, Optional

import numpy as np

from bmc_mmpose.geometry.skeleton import ROOT_JOINT
from .procrustes import procrustes_align


def joint_distances(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Euclidean distance per joint.

    Args:
        pred (np.ndarray): (N, J, D) predictions.
        gt (np.ndarray): (N, J, D) ground truth, same unit.

    Returns:
        np.ndarray: (N, J) distances in the input unit.
    """
    pred = np.asarray(pred, dtype=np.float64)
    gt = np.asarray(gt, dtype=np.float64)
    if pred.shape != gt.shape or pred.ndim != 3:
        raise ValueError(f'joint_distances: `pred` {pred.shape} and `gt` {gt.shape} must both be (N, J, D)')
    return np.linalg.norm(pred - gt, axis=-1)


def root_relative(joints: np.ndarray, root: int = ROOT_JOINT) -> np.ndarray:
    """Subtract the root joint: (N, J, 3) -> (N, J, 3)."""
    joints = np.asarray(joints, dtype=np.float64)
    return joints - joints[:, root:root + 1]


def epe_summary(errors: np.ndarray, mask: Optional[np.ndarray] = None) -> Dict[str, object]:
    """Mean and median EPE, per keypoint then averaged (official evaluator), plus pooled values.

    Args:
        errors (np.ndarray): (N, J) per-joint errors.
        mask (np.ndarray, optional): (N, J) validity. Default: all valid.

    Returns:
        dict: ``mean``, ``median`` (per-keypoint then averaged over keypoints with data), ``mean_pooled``,
        ``median_pooled`` (over all valid joints), ``mean_per_keypoint`` (J,) (NaN where no data), ``count``
        (number of valid joints). All NaN when nothing is valid (``count`` = 0).
    """
    errors = np.asarray(errors, dtype=np.float64)
    if errors.ndim != 2:
        raise ValueError(f'epe_summary: `errors` must have shape (N, J), got {errors.shape}')
    mask = np.ones(errors.shape, dtype=bool) if mask is None else np.asarray(mask).astype(bool)
    if mask.shape != errors.shape:
        raise ValueError(f'epe_summary: `mask` must have shape {errors.shape}, got {mask.shape}')
    num_joints = errors.shape[1]
    per_kp_mean = np.full(num_joints, np.nan)
    per_kp_median = np.full(num_joints, np.nan)
    for k in range(num_joints):  # J = 21 at evaluation time only, not a hot path
        vals = errors[mask[:, k], k]
        if vals.size:
            per_kp_mean[k] = vals.mean()
            per_kp_median[k] = np.median(vals)
    has = ~np.isnan(per_kp_mean)
    pooled = errors[mask]
    nan = float('nan')
    return dict(
        mean=float(per_kp_mean[has].mean()) if has.any() else nan,
        median=float(per_kp_median[has].mean()) if has.any() else nan,
        mean_pooled=float(pooled.mean()) if pooled.size else nan,
        median_pooled=float(np.median(pooled)) if pooled.size else nan,
        mean_per_keypoint=per_kp_mean,
        count=int(pooled.size))


def errors_3d(pred: np.ndarray,
              gt: np.ndarray,
              mask: Optional[np.ndarray] = None,
              root: int = ROOT_JOINT,
              allow_reflection: bool = False) -> Dict[str, np.ndarray]:
    """Per-joint 3D errors under the three alignments used by the paper and the servers.

    * ``abs``: unaligned, camera frame (FreiHAND "unaligned": the absolute position must be right);
    * ``rel``: root-relative, both poses translated so that their root (wrist) is at the origin (the paper's
      validation tables, Sec. 5.4);
    * ``aligned``: similarity Procrustes of the prediction onto the ground truth, fitted on valid joints only
      (FreiHAND/HO-3D "aligned").

    Args:
        pred (np.ndarray): (N, J, 3) predicted joints, mm, camera frame.
        gt (np.ndarray): (N, J, 3) ground-truth joints, mm, camera frame.
        mask (np.ndarray, optional): (N, J) validity of the ground truth. Default: all valid.
        root (int): root joint index for ``rel``.
        allow_reflection (bool): passed to the Procrustes fit.

    Returns:
        dict: ``abs``, ``rel``, ``aligned`` errors (N, J) in mm, and ``mask_rel`` (N, J): the joint mask with
        samples whose root is invalid removed (a root-relative error needs the root).
    """
    pred = np.asarray(pred, dtype=np.float64)
    gt = np.asarray(gt, dtype=np.float64)
    if pred.shape != gt.shape or pred.ndim != 3 or pred.shape[-1] != 3:
        raise ValueError(f'errors_3d: `pred` {pred.shape} and `gt` {gt.shape} must both be (N, J, 3)')
    mask = np.ones(pred.shape[:2], dtype=bool) if mask is None else np.asarray(mask).astype(bool)
    aligned = procrustes_align(pred, gt, mask, allow_reflection=allow_reflection)
    mask_rel = mask & mask[:, root:root + 1]
    return {
        'abs': joint_distances(pred, gt),
        'rel': joint_distances(root_relative(pred, root), root_relative(gt, root)),
        'aligned': joint_distances(aligned, gt),
        'mask_rel': mask_rel,
    }
