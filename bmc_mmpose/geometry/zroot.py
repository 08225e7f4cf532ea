# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Closed-form absolute root depth from the 2.5D representation (Iqbal et al., ECCV 2018, Sec. 3.2).

The 2.5D pose of a hand is ``(u_j, v_j, z_r_j)``: pixels and scale-normalised root-relative depths
``z_r_j = (Z_j - Z_root) / s`` with ``s`` the reference bone length (middle MCP -> PIP, joints 9 -> 10). With
rays ``x_j = K^-1 [u_j, v_j, 1]^T`` (third component 1) the scale-normalised 3D joints are

    J_j = (Z_root_n + z_r_j) x_j,        Z_root_n = Z_root / s.

The reference bone has length 1 in these units, ``||J_10 - J_9|| = 1``. Writing ``d = x_10 - x_9`` and
``e = z_r_10 x_10 - z_r_9 x_9`` this is the quadratic in ``Z = Z_root_n``

    (d.d) Z^2 + 2 (d.e) Z + (e.e - 1) = 0,

whose larger root is the physically meaningful one (the smaller one lies behind the hand, usually behind the
camera). The solver below is numerically safe:

* it evaluates the larger root in the cancellation-free form (``-2c / (b + sqrt(D))`` when ``b >= 0``,
  ``(-b + sqrt(D)) / 2a`` otherwise), so float32 keeps ~1e-6 relative accuracy;
* a negative discriminant (noisy predictions for which no depth gives the bone length 1) yields the vertex
  ``-b / 2a``, the depth that brings the bone length closest to 1;
* a vanishing leading coefficient (the reference bone seen end-on, ``x_9 == x_10``) makes the depth
  unobservable (``b`` vanishes with it, ``|b| <= 2 sqrt(a) |e|``): the root grows like ``1 / |x_10 - x_9|`` and
  is kept finite by clamping the denominators;
* every division and square root is guarded with the "double ``where``" pattern, so values *and* gradients are
  finite for any finite input whose squares do not overflow (``Hand25DHead`` bounds its 2.5D values before
  calling this); an optional clamp bounds the result to a plausible depth range.
"""
from typing import Optional, Tuple

import torch
from torch import Tensor

from .camera import normalized_rays
from .skeleton import REF_BONE_JOINTS, ROOT_JOINT

__all__ = ['zroot_closed_form', 'reconstruct_joints_3d', 'relative_depths']


def _safe_sqrt(x: Tensor, eps: float) -> Tensor:
    """``sqrt(max(x, 0))`` with value 0 and gradient 0 for ``x <= eps`` (no infinite slope at 0)."""
    positive = x > eps
    return torch.where(positive, torch.sqrt(torch.where(positive, x, torch.ones_like(x))), torch.zeros_like(x))


def zroot_closed_form(uv: Tensor,
                      z_r: Tensor,
                      K: Tensor,
                      ref_joints: Tuple[int, int] = REF_BONE_JOINTS,
                      ref_length: float = 1.0,
                      depth_range: Optional[Tuple[float, float]] = None,
                      eps: float = 1e-8) -> Tensor:
    """Closed-form scale-normalised root depth ``Z_root_n`` (larger root of the Iqbal et al. quadratic).

    Args:
        uv (Tensor): ``(B, J, 2)`` joint pixels in the image described by ``K``.
        z_r (Tensor): ``(B, J)`` root-relative depths in units of the reference bone.
        K (Tensor): ``(B, 3, 3)`` intrinsics (last row ``[0, 0, 1]``, skew allowed).
        ref_joints (tuple[int, int]): joints of the reference bone, default middle MCP -> PIP ``(9, 10)``.
        ref_length (float): length of the reference bone in the units of ``z_r`` (1 for scale-normalised).
        depth_range (tuple[float, float], optional): clamp the result to ``[lo, hi]`` (same units). ``None``
            returns the raw root, which is finite but can be huge when the reference bone is seen end-on.
        eps (float): guard for the discriminant, the leading coefficient and the denominators. ``a < eps`` means
            ``|x_10 - x_9| < 1e-4`` in normalised image units, i.e. depths beyond ~1e4 bone lengths.

    Returns:
        Tensor: ``(B,)`` root depth ``Z_root / s``.
    """
    i, j = ref_joints
    rays = normalized_rays(uv[..., (i, j), :], K)  # (B, 2, 3)
    d = rays[..., 1, :] - rays[..., 0, :]
    e = z_r[..., j, None] * rays[..., 1, :] - z_r[..., i, None] * rays[..., 0, :]
    a = (d * d).sum(-1)
    b = 2 * (d * e).sum(-1)
    c = (e * e).sum(-1) - ref_length**2
    sqrt_disc = _safe_sqrt(b * b - 4 * a * c, eps)

    # Larger root without cancellation: for b >= 0 use the "citardauq" form, for b < 0 the textbook form.
    # Denominators are clamped (not just masked) because the selected branch itself may hit 0 at degenerate
    # inputs; clamp has zero gradient in the clamped region, so gradients stay finite.
    b_nonneg = b >= 0
    den_pos = torch.where(b_nonneg, b + sqrt_disc, torch.ones_like(b)).clamp(min=eps)
    den_neg = torch.where(b_nonneg, torch.ones_like(a), 2 * a).clamp(min=eps)
    root = torch.where(b_nonneg, -2 * c / den_pos, (sqrt_disc - b) / den_neg)
    # No real root (D <= eps): the vertex -b / 2a is the depth whose bone length is closest to 1. (The
    # citardauq form above would not reduce to it when D is clamped.)
    vertex = -b / (2 * a).clamp(min=eps)
    root = torch.where(b * b - 4 * a * c > eps, root, vertex)
    if depth_range is not None:
        root = root.clamp(min=depth_range[0], max=depth_range[1])
    return root


def reconstruct_joints_3d(uv: Tensor,
                          z_r: Tensor,
                          z_root: Tensor,
                          K: Tensor,
                          rays: Optional[Tensor] = None) -> Tensor:
    """Scale-normalised camera-frame joints ``J_j = (Z_root_n + z_r_j) K^-1 [u_j, v_j, 1]^T``.

    Args:
        uv (Tensor): ``(B, J, 2)`` joint pixels in the image described by ``K``.
        z_r (Tensor): ``(B, J)`` root-relative depths (reference-bone units).
        z_root (Tensor): ``(B,)`` root depth (reference-bone units).
        K (Tensor): ``(B, 3, 3)`` intrinsics.
        rays (Tensor, optional): ``(B, J, 3)`` ``normalized_rays(uv, K)`` when the caller already has them
            (``uv`` and ``K`` are then not read again).

    Returns:
        Tensor: ``(B, J, 3)`` joints in reference-bone units (multiply by the bone length in mm for metric).
    """
    if rays is None:
        rays = normalized_rays(uv, K)
    return (z_root[..., None] + z_r)[..., None] * rays


def relative_depths(joints_3d: Tensor,
                    ref_bone_length: Tensor,
                    root_joint: int = ROOT_JOINT,
                    eps: float = 1e-6) -> Tuple[Tensor, Tensor]:
    """2.5D depth targets from metric camera-frame joints: ``z_r`` and ``Z_root_n``.

    Args:
        joints_3d (Tensor): ``(B, J, 3)`` camera-frame joints (e.g. mm).
        ref_bone_length (Tensor): ``(B,)`` reference bone length in the same unit; ``<= 0`` means unknown.
        root_joint (int): index of the root joint (wrist).
        eps (float): lengths ``<= eps`` count as unknown.

    Returns:
        tuple[Tensor, Tensor]: ``z_r`` ``(B, J)`` and ``Z_root_n`` ``(B,)``. Samples with unknown length get
        zeros (never NaN, so that a zero loss weight keeps them harmless).
    """
    known = ref_bone_length > eps
    scale = torch.where(known, ref_bone_length, torch.ones_like(ref_bone_length))
    depth = joints_3d[..., 2]
    root = depth[..., root_joint]
    z_r = torch.where(known[..., None], (depth - root[..., None]) / scale[..., None], torch.zeros_like(depth))
    z_root = torch.where(known, root / scale, torch.zeros_like(root))
    return z_r, z_root
