# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Pinhole camera and mirroring facts in numpy, for dataset borders, data generation, metrics and inference.

The numpy twin of :mod:`bmc_mmpose.geometry.camera` (torch, used inside the model): the same conventions
(``docs/architecture.md``: OpenCV camera frame, pixels for 2D, ``K`` with last row ``[0, 0, 1]``, skew allowed)
and the same formulas, so that labels made here and predictions decoded in torch agree to float precision
(``tests/test_geometry/test_camera_numpy.py`` checks them against each other).

Mirroring turns a left hand into the right hand the model works with. It is one operation applied to four
things at once, and all four must use the same image width ``W``:

- pixels: ``u -> W - 1 - u`` (the pixel-centre convention: pixel 0 and pixel ``W - 1`` swap);
- camera-frame points: ``x -> -x``;
- intrinsics: ``K -> F K D`` with ``F`` the pixel flip and ``D = diag(-1, 1, 1)``, so that
  ``project(mirror_points_3d(X), mirror_intrinsics(K, W)) == mirror_keypoints_2d(project(X, K), W)``;
  for a K without skew this is ``cx -> W - 1 - cx`` only, and a skew term changes sign;
- boxes ``[x1, y1, x2, y2]``: ``[W - 1 - x2, y1, W - 1 - x1, y2]``.

Every function is batched over leading dimensions and returns float64 arrays.
"""
import numpy as np

from .skeleton import REF_BONE_JOINTS

__all__ = [
    'project_points', 'normalized_rays', 'back_project', 'horizontal_flip_matrix', 'mirror_keypoints_2d',
    'mirror_points_3d', 'mirror_intrinsics', 'mirror_bbox', 'reference_bone_length'
]


def project_points(points: np.ndarray, K: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Project camera-frame points to pixels, ``uv = (K X)[:2] / Z``.

    The product ``K X`` is taken first and then divided by the depth (for ``K`` with last row ``[0, 0, 1]`` the
    third row of ``K X`` is ``Z`` itself), the order in which the datasets' authors project; the torch twin
    divides first, which agrees to float precision.

    Args:
        points (np.ndarray): ``(*, N, 3)`` camera-frame points (any length unit).
        K (np.ndarray): ``(*, 3, 3)`` intrinsics with last row ``[0, 0, 1]``, broadcast against the points'
            leading dimensions (one ``(3, 3)`` K serves a whole batch).
        eps (float): depths with ``|Z| < eps`` are pushed to ``+-eps`` (same unit as ``points``), as in the
            torch version, so points on the camera plane give large but finite pixels. ``eps=0`` leaves the
            depth as it is: points on the camera plane give inf or nan, which the dataset borders count as a
            non-finite annotation.

    Returns:
        np.ndarray: ``(*, N, 2)`` pixel coordinates.
    """
    points = np.asarray(points, np.float64)
    K = np.asarray(K, np.float64)
    depth = points[..., 2:3]
    depth = np.where(depth >= 0, np.maximum(depth, eps), np.minimum(depth, -eps))
    return points @ np.swapaxes(K[..., :2, :], -1, -2) / depth


def normalized_rays(uv: np.ndarray, K: np.ndarray) -> np.ndarray:
    """Rays ``K^-1 [u, v, 1]^T`` through pixels; for K with last row ``[0, 0, 1]`` their third component is 1.

    A camera-frame point ``X`` that projects to ``(u, v)`` is ``X = Z * normalized_rays(uv, K)``.

    Args:
        uv (np.ndarray): ``(*, N, 2)`` pixel coordinates.
        K (np.ndarray): ``(*, 3, 3)`` invertible intrinsics, broadcast against the leading dimensions of ``uv``.

    Returns:
        np.ndarray: ``(*, N, 3)`` rays in normalised image coordinates.
    """
    uv = np.asarray(uv, np.float64)
    uv1 = np.concatenate([uv, np.ones(uv.shape[:-1] + (1,))], axis=-1)
    return uv1 @ np.swapaxes(np.linalg.inv(np.asarray(K, np.float64)), -1, -2)


def back_project(uv: np.ndarray, depth: np.ndarray, K: np.ndarray) -> np.ndarray:
    """Camera-frame points at depth ``Z`` along the rays through ``uv``: ``X = Z K^-1 [u, v, 1]^T``.

    Args:
        uv (np.ndarray): ``(*, N, 2)`` pixel coordinates.
        depth (np.ndarray): ``(*, N)`` depths ``Z`` (the unit of the result), broadcast against ``uv``.
        K (np.ndarray): ``(*, 3, 3)`` invertible intrinsics with last row ``[0, 0, 1]``.

    Returns:
        np.ndarray: ``(*, N, 3)`` camera-frame points, ``X[..., 2] == depth``.
    """
    return normalized_rays(uv, K) * np.asarray(depth, np.float64)[..., None]


def horizontal_flip_matrix(width: int) -> np.ndarray:
    """``(3, 3)`` homogeneous pixel map of a horizontal image flip, ``u -> W - 1 - u``.

    Args:
        width (int): image width ``W`` in pixels.
    """
    return np.array([[-1., 0., width - 1.], [0., 1., 0.], [0., 0., 1.]])


def mirror_keypoints_2d(keypoints: np.ndarray, width: int) -> np.ndarray:
    """Pixels of the horizontally flipped image: ``(*, N, 2) -> (*, N, 2)``, ``u -> W - 1 - u``."""
    mirrored = np.array(keypoints, np.float64)
    mirrored[..., 0] = width - 1. - mirrored[..., 0]
    return mirrored


def mirror_points_3d(points: np.ndarray) -> np.ndarray:
    """Camera-frame points of the mirrored hand: ``(*, N, 3) -> (*, N, 3)``, ``x -> -x`` (any unit)."""
    mirrored = np.array(points, np.float64)
    mirrored[..., 0] = -mirrored[..., 0]
    return mirrored


def mirror_intrinsics(K: np.ndarray, width: int) -> np.ndarray:
    """Intrinsics of the flipped image that see the mirrored points: ``(*, 3, 3) -> (*, 3, 3)``, ``F K D``.

    Args:
        K (np.ndarray): ``(*, 3, 3)`` intrinsics of the original image.
        width (int): image width ``W`` in pixels.
    """
    return horizontal_flip_matrix(width) @ np.asarray(K, np.float64) @ np.diag([-1., 1., 1.])


def mirror_bbox(bbox: np.ndarray, width: int) -> np.ndarray:
    """Boxes of the flipped image: ``(*, 4) -> (*, 4)`` xyxy pixels, ``[W-1-x2, y1, W-1-x1, y2]``."""
    bbox = np.asarray(bbox, np.float64)
    return np.stack([width - 1. - bbox[..., 2], bbox[..., 1], width - 1. - bbox[..., 0], bbox[..., 3]], axis=-1)


def reference_bone_length(joints: np.ndarray) -> np.ndarray:
    """Length of the reference bone (middle MCP -> PIP, joints 9 -> 10, FreiHAND order).

    Args:
        joints (np.ndarray): ``(*, 21, 3)`` joints (any unit).

    Returns:
        np.ndarray: ``(*)`` lengths, same unit as ``joints`` (a 0-d array for one hand).
    """
    joints = np.asarray(joints, np.float64)
    return np.linalg.norm(joints[..., REF_BONE_JOINTS[1], :] - joints[..., REF_BONE_JOINTS[0], :], axis=-1)
