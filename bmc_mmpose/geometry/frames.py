# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Hand frames of Spurr et al. 2020, Sec. 3.1: the convention, the first-layer frames (Eq. 4), local coordinates.

A frame ``F`` is a ``(3, 3)`` matrix whose columns are the world coordinates of its axes ``x, y, z``; a world
vector ``v`` has local coordinates ``v^F = F^T v`` (:func:`to_local`). The five first-layer frames (one per finger,
for its first bone after the palm) come from the palm's root bones: ``z`` along the finger's root bone, ``x``
towards the palm side from the root-bone normals of Eq. 2 (:mod:`bmc_mmpose.geometry.palm`) with the case split of
Eq. 4, ``y = norm(z x x)`` (towards the thumb side for a right hand). The frames of the later bones follow by
rotation with the parent bone's angles (Eq. 6): :func:`bmc_mmpose.geometry.angles.joint_angles_and_frames` reads
angles along that chain, :func:`bmc_mmpose.geometry.kinematics.forward_kinematics` builds hands along it.
"""
import torch
from torch import Tensor

from .bones import DEFAULT_EPS, safe_normalize
from .palm import root_bone_normals


def to_local(frames: Tensor, vectors: Tensor) -> Tensor:
    """Local coordinates ``F^T v``: ``frames (..., 3, 3)``, ``vectors (..., 3) -> (..., 3)``."""
    return (frames * vectors.unsqueeze(-1)).sum(dim=-2)


def first_layer_x_axes(normals: Tensor, eps: float = DEFAULT_EPS) -> Tensor:
    """x-axes of the first-layer frames with the exact case split of Eq. 4, ``(..., 4, 3) -> (..., 5, 3)``.

    Finger p (1-based) gets ``-n_p`` for p in {1, 2}, ``-norm(n_p + n_{p-1})`` for p in {3, 4} and ``-n_4`` for
    p = 5. Each is orthogonal to its finger's root bone by construction (it is a combination of normals of
    planes containing that bone).
    """
    n1, n2, n3, n4 = normals.unbind(dim=-2)
    x3 = safe_normalize(n3 + n2, eps)
    x4 = safe_normalize(n4 + n3, eps)
    return -torch.stack([n1, n2, x3, x4, n4], dim=-2)


def frames_from_axes(x_axes: Tensor, z_axes: Tensor, eps: float = DEFAULT_EPS) -> Tensor:
    """Right-handed frames ``[x, y, z]`` (as matrix columns) with ``z = norm(z_axes)`` and ``y = norm(z x x)``.

    ``x`` is re-orthogonalised against ``z`` (Gram-Schmidt) so that the frame stays orthonormal under noise; for
    the paper's Eq. 4 axes, which are orthogonal to ``z`` already, this changes nothing.

    Args:
        x_axes, z_axes: ``(..., 3)``.

    Returns:
        ``(..., 3, 3)`` with columns x, y, z (world coordinates of the local axes). Degenerate input gives
        zero columns, never NaN.
    """
    z = safe_normalize(z_axes, eps)
    x_unit = safe_normalize(x_axes, eps)
    x = safe_normalize(x_unit - (x_unit * z).sum(dim=-1, keepdim=True) * z, eps)
    y = safe_normalize(torch.cross(z, x, dim=-1), eps)
    return torch.stack([x, y, z], dim=-1)


def first_layer_frames(roots: Tensor, eps: float = DEFAULT_EPS) -> Tensor:
    """Frames ``F_i`` of the five first-layer finger bones (PIP bones), thumb..little, Sec. 3.1 / Eq. 4.

    ``z_i = norm(b_{p(i)})`` (the finger's root bone), ``x_i`` from Eq. 4, ``y_i = norm(z_i x x_i)``.

    Args:
        roots: ``(..., 5, 3)`` root bones thumb..little.

    Returns:
        ``(..., 5, 3, 3)``, columns x, y, z.
    """
    x_axes = first_layer_x_axes(root_bone_normals(roots, eps), eps)
    return frames_from_axes(x_axes, roots, eps)
