# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Pinhole camera helpers: projection, back-projection and normalised rays.

Conventions (``docs/architecture.md``): OpenCV camera frame (x right, y down, z forward), pixels for 2D.
Intrinsics ``K`` are any invertible 3x3 matrices whose last row is ``[0, 0, 1]``; skew (``K[0, 1]``) and even a
non-zero ``K[1, 0]`` (what an affine crop with in-plane rotation can produce) are handled exactly, because the
inverse is taken of the full upper-left 2x2 block.

All functions are batched: ``*`` stands for any number of leading batch dimensions, shared by the points and
``K`` (``K`` has shape ``(*, 3, 3)`` and applies to all ``N`` points of its batch element). They are pure torch,
differentiable, and follow the device and dtype of their inputs.
"""
import torch
from torch import Tensor

__all__ = ['project', 'normalized_rays', 'back_project', 'affine_to_homogeneous']


def _safe_depth(depth: Tensor, eps: float) -> Tensor:
    """Push ``depth`` away from 0 (keeping its sign) so that dividing by it stays finite.

    ``clamp`` has zero gradient in the clamped region, so the result is finite in value and gradient.
    """
    return torch.where(depth >= 0, depth.clamp(min=eps), depth.clamp(max=-eps))


def project(points: Tensor, K: Tensor, eps: float = 1e-6) -> Tensor:
    """Project camera-frame 3D points to pixels, ``uv = (K X)[:2] / Z``.

    Args:
        points (Tensor): ``(*, N, 3)`` camera-frame points (any length unit; projection is scale-free).
        K (Tensor): ``(*, 3, 3)`` intrinsics with last row ``[0, 0, 1]``.
        eps (float): depths with ``|Z| < eps`` are clamped to ``+-eps`` (same unit as ``points``), so points on
            the camera plane give large but finite pixels and finite gradients.

    Returns:
        Tensor: ``(*, N, 2)`` pixel coordinates.
    """
    depth = _safe_depth(points[..., 2:3], eps)
    xy = points[..., :2] / depth  # (*, N, 2) normalised image coordinates
    A = K[..., None, :2, :2]  # (*, 1, 2, 2)
    c = K[..., None, :2, 2]  # (*, 1, 2)
    return (A @ xy[..., None]).squeeze(-1) + c


def normalized_rays(uv: Tensor, K: Tensor) -> Tensor:
    """Rays ``K^-1 [u, v, 1]^T`` through pixels; their third component is exactly 1.

    A camera-frame point ``X`` that projects to ``(u, v)`` is ``X = Z * normalized_rays(uv, K)``.

    Args:
        uv (Tensor): ``(*, N, 2)`` pixel coordinates.
        K (Tensor): ``(*, 3, 3)`` invertible intrinsics with last row ``[0, 0, 1]``.

    Returns:
        Tensor: ``(*, N, 3)`` rays ``(x, y, 1)`` in normalised image coordinates.
    """
    # With last row [0, 0, 1], K^-1 [u v 1] = [A^-1 ([u v] - c), 1] for the 2x2 block A and principal point c.
    # The explicit 2x2 inverse is exact, batched and cheaper than a general solve.
    a00, a01 = K[..., 0, 0, None], K[..., 0, 1, None]  # (*, 1): broadcast over the N points
    a10, a11 = K[..., 1, 0, None], K[..., 1, 1, None]
    du = uv[..., 0] - K[..., 0, 2, None]
    dv = uv[..., 1] - K[..., 1, 2, None]
    det = a00 * a11 - a01 * a10
    x = (a11 * du - a01 * dv) / det
    y = (a00 * dv - a10 * du) / det
    return torch.stack((x, y, torch.ones_like(x)), dim=-1)


def back_project(uv: Tensor, depth: Tensor, K: Tensor) -> Tensor:
    """Camera-frame points at depth ``Z`` along the rays through ``uv``: ``X = Z K^-1 [u, v, 1]^T``.

    Args:
        uv (Tensor): ``(*, N, 2)`` pixel coordinates.
        depth (Tensor): ``(*, N)`` depths ``Z`` (the unit of the result).
        K (Tensor): ``(*, 3, 3)`` intrinsics with last row ``[0, 0, 1]``.

    Returns:
        Tensor: ``(*, N, 3)`` camera-frame points, ``X[..., 2] == depth``.
    """
    return depth[..., None] * normalized_rays(uv, K)


def affine_to_homogeneous(warp_mat: Tensor) -> Tensor:
    """Complete ``(*, 2, 3)`` affine pixel maps to ``(*, 3, 3)`` matrices with last row ``[0, 0, 1]``.

    Args:
        warp_mat (Tensor): ``(*, 2, 3)`` affine map (e.g. original-image pixels -> crop pixels).

    Returns:
        Tensor: ``(*, 3, 3)`` homogeneous matrix.
    """
    last = torch.zeros_like(warp_mat[..., :1, :])
    last[..., 0, 2] = 1
    return torch.cat((warp_mat, last), dim=-2)
