# Copyright (c) bmc_mmpose authors. All rights reserved.
"""3D PCK curves and their area under the curve (AUC), following the official FreiHAND evaluator.

How the official evaluator computes it (``EvalUtil.get_measures`` in lmb-freiburg/freihand ``utils/eval_util.py``,
called as ``get_measures(0.0, 0.05, 100)`` by ``eval.py``; the HO-3D ``eval.py`` uses the same class and call):

* thresholds ``t = np.linspace(val_min, val_max, steps)``, i.e. both ends included (0-50 mm, 100 values,
  spacing 50/99 mm);
* for every keypoint separately, over the samples where it is valid: ``pck_k(t) = mean(err_k <= t)``
  (less-or-equal, so a perfect prediction is correct already at t = 0);
* ``auc_k = trapz(pck_k, t) / trapz(ones, t)``: the trapezoid integral normalised by the integral of 1 over the
  same thresholds, which equals ``t[-1] - t[0]``; a curve equal to 1 everywhere therefore has AUC exactly 1 and a
  curve equal to 0 everywhere AUC 0;
* the reported AUC is the mean of ``auc_k`` over keypoints that have at least one valid sample, and the reported
  curve is the mean of the per-keypoint curves. Because the trapezoid rule is linear, the AUC of the mean curve
  equals the mean of the per-keypoint AUCs.

``np.trapz`` is gone in numpy 2.4; ``np.trapezoid`` is the same rule.

The D+O / STB protocol (paper Tab. 8, Zimmermann & Brox 2017) uses thresholds from 20 to 50 mm. Zimmermann's
``eval3d.py`` calls ``get_measures(0.020, 0.050, 20)``, i.e. 20 thresholds; :data:`DO_THRESHOLDS_MM` does the same.
"""
from typing import Dict, Optional

import numpy as np

#: FreiHAND / HO-3D protocol: 100 thresholds from 0 to 50 mm inclusive.
FREIHAND_THRESHOLDS_MM: np.ndarray = np.linspace(0.0, 50.0, 100)
#: D+O / STB protocol (paper Tab. 8): 20 thresholds from 20 to 50 mm inclusive.
DO_THRESHOLDS_MM: np.ndarray = np.linspace(20.0, 50.0, 20)


def _check(errors: np.ndarray, mask: Optional[np.ndarray]):
    errors = np.asarray(errors, dtype=np.float64)
    if errors.ndim != 2:
        raise ValueError(f'pck: `errors` must have shape (N, J), got {errors.shape}')
    if mask is None:
        mask = np.ones(errors.shape, dtype=bool)
    mask = np.asarray(mask).astype(bool)
    if mask.shape != errors.shape:
        raise ValueError(f'pck: `mask` must have the shape of `errors` {errors.shape}, got {mask.shape}')
    # Non-finite errors at valid joints count as misses (never correct), not as NaN in the result.
    return errors, mask


def pck_per_keypoint(errors: np.ndarray, thresholds: np.ndarray, mask: Optional[np.ndarray] = None) -> np.ndarray:
    """Per-keypoint PCK curves.

    Args:
        errors (np.ndarray): (N, J) per-joint errors (e.g. mm).
        thresholds (np.ndarray): (T,) thresholds in the unit of ``errors``.
        mask (np.ndarray, optional): (N, J) validity. Default: all valid.

    Returns:
        np.ndarray: (J, T) share of valid samples with ``error <= threshold``; NaN rows for keypoints that have no
        valid sample (callers drop them, like the official evaluator does).
    """
    errors, mask = _check(errors, mask)
    thresholds = np.asarray(thresholds, dtype=np.float64)
    correct = (errors[:, :, None] <= thresholds[None, None, :]) & mask[:, :, None]  # (N, J, T)
    count = mask.sum(axis=0)  # (J,)
    curves = np.full((errors.shape[1], thresholds.shape[0]), np.nan)
    has = count > 0
    curves[has] = correct.sum(axis=0)[has] / count[has, None]
    return curves


def auc_from_curve(curve: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Normalised area under PCK curve(s): ``trapezoid(curve, t) / trapezoid(1, t)`` along the last axis.

    Args:
        curve (np.ndarray): (..., T) PCK values in [0, 1].
        thresholds (np.ndarray): (T,) increasing thresholds, T >= 2.

    Returns:
        np.ndarray: (...) AUC values in [0, 1].
    """
    thresholds = np.asarray(thresholds, dtype=np.float64)
    if thresholds.ndim != 1 or thresholds.size < 2 or not np.all(np.diff(thresholds) > 0):
        raise ValueError(f'auc_from_curve: `thresholds` must be 1-D, increasing, with >= 2 values, got {thresholds}')
    norm = np.trapezoid(np.ones_like(thresholds), thresholds)
    return np.trapezoid(np.asarray(curve, dtype=np.float64), thresholds, axis=-1) / norm


def pck_auc(errors: np.ndarray,
            mask: Optional[np.ndarray] = None,
            thresholds: Optional[np.ndarray] = None) -> Dict[str, object]:
    """PCK curve and AUC, per keypoint then averaged over keypoints (official FreiHAND evaluator).

    Args:
        errors (np.ndarray): (N, J) per-joint errors in mm.
        mask (np.ndarray, optional): (N, J) validity. Default: all valid.
        thresholds (np.ndarray, optional): (T,) thresholds in mm. Default :data:`FREIHAND_THRESHOLDS_MM`.

    Returns:
        dict: ``thresholds`` (T,), ``curve`` (T,) mean over keypoints with data, ``auc`` (float, NaN when no
        keypoint has data), ``auc_per_keypoint`` (J,) (NaN where no data), ``num_keypoints`` used.
    """
    if thresholds is None:
        thresholds = FREIHAND_THRESHOLDS_MM
    thresholds = np.asarray(thresholds, dtype=np.float64)
    curves = pck_per_keypoint(errors, thresholds, mask)
    has = ~np.isnan(curves[:, 0])
    auc_k = np.full(curves.shape[0], np.nan)
    if has.any():
        auc_k[has] = auc_from_curve(curves[has], thresholds)
        curve = curves[has].mean(axis=0)
        auc = float(auc_k[has].mean())
    else:
        curve = np.full(thresholds.shape, np.nan)
        auc = float('nan')
    return dict(thresholds=thresholds, curve=curve, auc=auc, auc_per_keypoint=auc_k, num_keypoints=int(has.sum()))
