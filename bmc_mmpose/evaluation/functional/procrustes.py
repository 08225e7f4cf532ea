# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Batched similarity Procrustes alignment (rotation, uniform scale, translation) fitted on valid joints only.

MMPose's ``keypoint_mpjpe(alignment='procrustes')`` fits the transform on all joints, masked ones included, and the
official FreiHAND / HO-3D evaluators (``align_w_scale``) fit on all 21 joints because their ground truth is always
complete. Here the fit uses only the joints a mask marks valid; the fitted transform is then applied to every
predicted joint, so masked joints are still returned (aligned) but never influence the fit.

Reflections: ``align_w_scale`` uses ``scipy.linalg.orthogonal_procrustes``, which allows an improper rotation
(a mirror). By default we restrict the fit to proper rotations (det = +1), which is the physically meaningful
choice for hands (a mirrored right hand is a left hand); ``allow_reflection=True`` reproduces the servers'
behaviour. For any prediction that is not close to the mirror image of the ground truth both give the same result.
"""
from typing import NamedTuple, Optional, Tuple

import numpy as np

_EPS = 1e-12


class SimilarityTransform(NamedTuple):
    """A batch of similarity transforms ``y = scale * R @ x + t``.

    Attributes:
        rotation (np.ndarray): (B, 3, 3) rotation matrices.
        scale (np.ndarray): (B,) uniform scales (>= 0).
        translation (np.ndarray): (B, 3) translations, in the units of the target.
    """
    rotation: np.ndarray
    scale: np.ndarray
    translation: np.ndarray


def _as_batch(points: np.ndarray, name: str) -> Tuple[np.ndarray, bool]:
    points = np.asarray(points, dtype=np.float64)
    if points.ndim == 2:
        return points[None], True
    if points.ndim != 3:
        raise ValueError(f'procrustes: `{name}` must have shape (J, D) or (B, J, D), got {points.shape}')
    return points, False


def fit_similarity_transform(source: np.ndarray,
                             target: np.ndarray,
                             mask: Optional[np.ndarray] = None,
                             allow_reflection: bool = False) -> SimilarityTransform:
    """Least-squares similarity transform mapping ``source`` onto ``target`` using valid points only.

    Minimises ``sum_j m_j * || s * R @ source_j + t - target_j ||^2`` (Umeyama 1991). Masked points may hold
    any values, including NaN or inf: they are zeroed before any arithmetic.

    Degenerate inputs give finite results: a sample without valid points gets the identity transform; a sample
    whose valid source points all coincide gets scale 0 (every aligned point lands on the target centroid).

    Args:
        source (np.ndarray): (B, J, D) or (J, D) points to be moved (the prediction).
        target (np.ndarray): same shape, the reference (the ground truth).
        mask (np.ndarray, optional): (B, J) or (J,) bool/0-1 validity. Default: all valid.
        allow_reflection (bool): allow det(R) = -1 (the FreiHAND/HO-3D server behaviour). Default False.

    Returns:
        SimilarityTransform: rotation (B, D, D), scale (B,), translation (B, D); B = 1 for unbatched input.
    """
    src, _ = _as_batch(source, 'source')
    tgt, _ = _as_batch(target, 'target')
    if src.shape != tgt.shape:
        raise ValueError(f'procrustes: `source` {src.shape} and `target` {tgt.shape} must have the same shape')
    batch, num_points, dim = src.shape
    if mask is None:
        valid = np.ones((batch, num_points), dtype=bool)
    else:
        mask = np.asarray(mask)
        if mask.size != batch * num_points:
            raise ValueError(f'procrustes: `mask` must have shape {(batch, num_points)} or {(num_points, )}, '
                             f'got {mask.shape}')
        valid = mask.astype(bool).reshape(batch, num_points)
    weights = valid.astype(np.float64)[..., None]  # (B, J, 1)
    # Zero masked points first so NaN/inf there cannot leak into sums (0 * inf = nan).
    src = np.where(valid[..., None], src, 0.0)
    tgt = np.where(valid[..., None], tgt, 0.0)
    count = weights.sum(axis=1)  # (B, 1)
    safe_count = np.maximum(count, 1.0)
    mu_src = (weights * src).sum(axis=1) / safe_count  # (B, D)
    mu_tgt = (weights * tgt).sum(axis=1) / safe_count
    src_c = (src - mu_src[:, None]) * weights
    tgt_c = (tgt - mu_tgt[:, None]) * weights

    cov = np.einsum('bji,bjk->bik', tgt_c, src_c)  # (B, D, D) = sum_j y_j x_j^T
    u, sing, vt = np.linalg.svd(cov)
    det_sign = np.sign(np.linalg.det(u @ vt))
    det_sign = np.where(det_sign == 0, 1.0, det_sign)
    correction = np.ones((batch, dim))
    if not allow_reflection:
        correction[:, -1] = det_sign
    rotation = (u * correction[:, None, :]) @ vt  # U diag(c) V^T
    var_src = (src_c**2).sum(axis=(1, 2))  # (B,)
    scale = (sing * correction).sum(axis=1) / np.maximum(var_src, _EPS)
    scale = np.where(var_src > _EPS, scale, 0.0)
    translation = mu_tgt - scale[:, None] * np.einsum('bik,bk->bi', rotation, mu_src)

    # Samples without a single valid point: identity transform (the prediction is returned unchanged).
    empty = count[:, 0] == 0
    if empty.any():
        rotation[empty] = np.eye(dim)
        scale = np.where(empty, 1.0, scale)
        translation[empty] = 0.0
    return SimilarityTransform(rotation=rotation, scale=scale, translation=translation)


def apply_similarity_transform(points: np.ndarray, transform: SimilarityTransform) -> np.ndarray:
    """Apply ``y = s * R @ x + t`` to a batch of point sets.

    Args:
        points (np.ndarray): (B, J, D) or (J, D).
        transform (SimilarityTransform): batch of B transforms.

    Returns:
        np.ndarray: transformed points, same shape as ``points``, float64.
    """
    pts, unbatched = _as_batch(points, 'points')
    out = transform.scale[:, None, None] * np.einsum('bik,bjk->bji', transform.rotation, pts) + \
        transform.translation[:, None, :]
    return out[0] if unbatched else out


def procrustes_align(pred: np.ndarray,
                     gt: np.ndarray,
                     mask: Optional[np.ndarray] = None,
                     allow_reflection: bool = False) -> np.ndarray:
    """Similarity-align ``pred`` onto ``gt`` with the transform fitted on valid joints only.

    Args:
        pred (np.ndarray): (B, J, 3) or (J, 3) predicted joints (any length unit).
        gt (np.ndarray): same shape, ground-truth joints (same unit).
        mask (np.ndarray, optional): (B, J) or (J,) validity of the ground truth. Default: all valid.
        allow_reflection (bool): see :func:`fit_similarity_transform`.

    Returns:
        np.ndarray: aligned prediction, same shape as ``pred`` (all joints transformed), in ``gt``'s unit.
    """
    transform = fit_similarity_transform(pred, gt, mask, allow_reflection)
    return apply_similarity_transform(pred, transform)
