# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Decomposition of the 3D error into a 2D and a depth part (paper Sec. 5.3, Tab. 2).

The paper splits a 3D prediction through the pinhole model ``J2D = Z^-1 K J3D`` into its image-plane part
``J2D`` and its depth part ``Z`` and reports, on the FreiHAND validation split, the mean 2D error in pixels, the
mean depth error in mm and the mean 3D error in mm. Its 3D column equals the root-relative mean EPE of its Tab. 4
(8.78 / 20.92 / 13.78 mm), so the 3D error there is root-relative; the paper does not say whether its Z column is
root-relative or absolute. We therefore report both depth errors:

* ``z_rel``: ``|(Z_j - Z_root)_pred - (Z_j - Z_root)_gt|`` (mm), the depth part of the root-relative 3D error,
  consistent with the 3D column; this is the one the metric reports as the Tab. 2 "Z" value;
* ``z_abs``: ``|Z_j,pred - Z_j,gt|`` (mm), the depth part of the absolute (camera-frame) error.

The 2D error is measured in pixels of the **original** image (the 224x224 FreiHAND image, not the 128x128 network
input), between the predicted 2D keypoints and the labelled ones.

How the parts relate (useful to check an implementation): a joint at pixel ``(u, v)`` and depth ``Z`` is at
``Z * r`` with ray ``r = K^-1 [u, v, 1]^T``. Moving only its depth by ``dZ`` gives a 2D error of 0, a depth error of
``|dZ|`` and a 3D error of ``|dZ| * ||r||``; moving only its pixel by ``d`` at fixed depth gives a depth error of 0
and a 3D error of ``Z * ||K^-1 [d, 0]||`` (= ``Z * |d| / f`` for square pixels).
"""
from typing import Dict, Optional

import numpy as np

from bmc_mmpose.geometry.camera_numpy import project_points
from bmc_mmpose.geometry.skeleton import ROOT_JOINT


def error_decomposition(pred_2d: np.ndarray,
                        gt_2d: np.ndarray,
                        pred_3d: np.ndarray,
                        gt_3d: np.ndarray,
                        mask_2d: Optional[np.ndarray] = None,
                        mask_3d: Optional[np.ndarray] = None,
                        root: int = ROOT_JOINT) -> Dict[str, object]:
    """Per-joint 2D, depth and 3D errors and their means (paper Tab. 2).

    Args:
        pred_2d (np.ndarray): (N, J, 2) predicted keypoints, original-image pixels.
        gt_2d (np.ndarray): (N, J, 2) labelled keypoints, original-image pixels.
        pred_3d (np.ndarray): (N, J, 3) predicted joints, mm, camera frame.
        gt_3d (np.ndarray): (N, J, 3) ground-truth joints, mm, camera frame.
        mask_2d (np.ndarray, optional): (N, J) validity of the 2D labels. Default: all valid.
        mask_3d (np.ndarray, optional): (N, J) validity of the 3D labels. Default: all valid.
        root (int): root joint for the root-relative parts.

    Returns:
        dict: per-joint arrays (N, J) ``err_2d_px``, ``err_z_rel_mm``, ``err_z_abs_mm``, ``err_3d_rel_mm``,
        ``err_3d_abs_mm``; means over valid joints ``mean_2d_px``, ``mean_z_rel_mm``, ``mean_z_abs_mm``,
        ``mean_3d_rel_mm``, ``mean_3d_abs_mm`` (NaN when no joint is valid) and the masks used.
    """
    pred_2d = np.asarray(pred_2d, dtype=np.float64)
    gt_2d = np.asarray(gt_2d, dtype=np.float64)
    pred_3d = np.asarray(pred_3d, dtype=np.float64)
    gt_3d = np.asarray(gt_3d, dtype=np.float64)
    if pred_2d.shape != gt_2d.shape or pred_2d.ndim != 3 or pred_2d.shape[-1] != 2:
        raise ValueError(f'error_decomposition: `pred_2d` {pred_2d.shape} and `gt_2d` {gt_2d.shape} must be (N, J, 2)')
    if pred_3d.shape != gt_3d.shape or pred_3d.shape[:2] != pred_2d.shape[:2] or pred_3d.shape[-1] != 3:
        raise ValueError(f'error_decomposition: `pred_3d` {pred_3d.shape} and `gt_3d` {gt_3d.shape} must be '
                         f'(N, J, 3) with N, J of the 2D arrays {pred_2d.shape[:2]}')
    shape = pred_2d.shape[:2]
    mask_2d = np.ones(shape, bool) if mask_2d is None else np.asarray(mask_2d).astype(bool)
    mask_3d = np.ones(shape, bool) if mask_3d is None else np.asarray(mask_3d).astype(bool)
    mask_3d_rel = mask_3d & mask_3d[:, root:root + 1]

    err_2d = np.linalg.norm(pred_2d - gt_2d, axis=-1)
    depth_pred, depth_gt = pred_3d[..., 2], gt_3d[..., 2]
    err_z_abs = np.abs(depth_pred - depth_gt)
    err_z_rel = np.abs((depth_pred - depth_pred[:, root:root + 1]) - (depth_gt - depth_gt[:, root:root + 1]))
    err_3d_abs = np.linalg.norm(pred_3d - gt_3d, axis=-1)
    rel_pred = pred_3d - pred_3d[:, root:root + 1]
    rel_gt = gt_3d - gt_3d[:, root:root + 1]
    err_3d_rel = np.linalg.norm(rel_pred - rel_gt, axis=-1)

    def masked_mean(values, mask):
        return float(values[mask].mean()) if mask.any() else float('nan')

    return dict(
        err_2d_px=err_2d,
        err_z_rel_mm=err_z_rel,
        err_z_abs_mm=err_z_abs,
        err_3d_rel_mm=err_3d_rel,
        err_3d_abs_mm=err_3d_abs,
        mean_2d_px=masked_mean(err_2d, mask_2d),
        mean_z_rel_mm=masked_mean(err_z_rel, mask_3d_rel),
        mean_z_abs_mm=masked_mean(err_z_abs, mask_3d),
        mean_3d_rel_mm=masked_mean(err_3d_rel, mask_3d_rel),
        mean_3d_abs_mm=masked_mean(err_3d_abs, mask_3d),
        mask_2d=mask_2d,
        mask_3d=mask_3d,
        mask_3d_rel=mask_3d_rel)
