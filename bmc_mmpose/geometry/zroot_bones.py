# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Root depth from *all* bones: the closed form of Iqbal et al. 2018 pooled over the skeleton.

The closed-form root of :mod:`bmc_mmpose.geometry.zroot` makes one bone (middle MCP -> PIP, joints 9 -> 10) exactly
1 long. It is exact for exact inputs but ill-conditioned: the root depth ``Z`` scales like ``1 / |x_10 - x_9|``, so a
small error in ``z_r`` of joints 9 / 10 or in their 2D moves the root, and with it the hand's size in x and y, by a
large fraction whenever that bone points roughly towards the camera (``tests/test_geometry/test_zroot_bones.py``).
A loss that reads bone lengths (BMC) then sees wrong lengths everywhere and bends the other joints' depths to fit
them.

Pooling the same quadratic over every bone ``b`` (parent ``p`` -> child ``c``) with ``d_b = x_c - x_p`` and
``e_b = z_r_c x_c - z_r_p x_p`` (rays ``x = K^-1 [u, v, 1]``) and expected lengths ``L_b`` gives

    (sum_b d_b.d_b) Z^2 + 2 (sum_b d_b.e_b) Z + (sum_b e_b.e_b - sum_b L_b^2) = 0,

i.e. the depth at which the *sum of squared bone lengths* equals its expected value: one equation whose
coefficients average 20 bones, so the errors of single joints average out. Its error is the hand's deviation from
the expected proportions rather than the error of two joints. The larger root is taken with the same
cancellation-free, NaN-free formula as :func:`bmc_mmpose.geometry.zroot.zroot_closed_form` (which builds its
coefficients from two joints and so cannot take pooled ones).
"""
from typing import Optional, Tuple

import torch
from torch import Tensor

from .camera import normalized_rays
from .skeleton import BONE_CHILDREN, BONE_PARENTS

__all__ = ['zroot_from_bones']


def zroot_from_bones(uv: Tensor,
                     z_r: Tensor,
                     K: Tensor,
                     bone_lengths: Tensor,
                     depth_range: Optional[Tuple[float, float]] = None,
                     eps: float = 1e-8) -> Tensor:
    """Root depth (reference-bone units) at which the hand's sum of squared bone lengths is ``sum L_b^2``.

    Args:
        uv (Tensor): ``(B, J, 2)`` joint pixels of the image described by ``K``.
        z_r (Tensor): ``(B, J)`` root-relative depths, reference-bone units.
        K (Tensor): ``(B, 3, 3)`` intrinsics.
        bone_lengths (Tensor): ``(20,)`` or ``(B, 20)`` expected bone lengths (reference-bone units) in
            ``BONE_CHILDREN`` order, e.g. the midpoints of BMC's bone-length limits.
        depth_range (tuple, optional): clamp of the result.
        eps (float): guard of the discriminant and the denominators.

    Returns:
        Tensor: ``(B,)`` root depth; with no real root (an impossible 2.5D pose), the depth of the smallest error.
    """
    rays = normalized_rays(uv, K)
    child = torch.as_tensor(BONE_CHILDREN, device=uv.device)
    parent = torch.as_tensor(BONE_PARENTS, device=uv.device)
    d = rays.index_select(-2, child) - rays.index_select(-2, parent)
    e = (z_r.index_select(-1, child)[..., None] * rays.index_select(-2, child)
         - z_r.index_select(-1, parent)[..., None] * rays.index_select(-2, parent))
    lengths = bone_lengths.to(uv)
    a = (d * d).sum((-1, -2))
    b = 2 * (d * e).sum((-1, -2))
    c = (e * e).sum((-1, -2)) - (lengths * lengths).sum(-1)
    disc = b * b - 4 * a * c
    positive = disc > eps
    sqrt_disc = torch.where(positive, torch.sqrt(torch.where(positive, disc, torch.ones_like(disc))),
                            torch.zeros_like(disc))
    b_nonneg = b >= 0
    den_pos = torch.where(b_nonneg, b + sqrt_disc, torch.ones_like(b)).clamp(min=eps)
    den_neg = torch.where(b_nonneg, torch.ones_like(a), 2 * a).clamp(min=eps)
    root = torch.where(b_nonneg, -2 * c / den_pos, (sqrt_disc - b) / den_neg)
    root = torch.where(positive, root, -b / (2 * a).clamp(min=eps))
    if depth_range is not None:
        root = root.clamp(min=depth_range[0], max=depth_range[1])
    return root

