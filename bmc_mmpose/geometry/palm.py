# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Palm geometry of Spurr et al. 2020, Sec. 3.1 "Root bones" (Eqs. 1-3) and the first-layer frames (Eq. 4).

The paper's root bones ``b_1..b_5`` (thumb..little) are our bones ``ROOT_BONES`` (wrist -> finger base). Its
1-based indices ``i`` map to 0-based positions ``i - 1`` of the tensors below:

* ``n_i = norm(b_{i+1} x b_i)``, i = 1..4 (Eq. 2): ``root_bone_normals -> (..., 4, 3)``. For a right hand these
  point to the back of the hand (dorsal side).
* ``e_1 = n_1``, ``e_i = norm(n_i + n_{i-1})`` (i = 2..4), ``e_5 = n_4`` (Eq. 2): ``root_edge_normals -> (..., 5, 3)``.
* ``c_i = (e_{i+1} - e_i)^T (b_{i+1} - b_i) / ||b_{i+1} - b_i||^2`` (Eq. 1): ``palm_curvature -> (..., 4)``,
  in 1 / (unit of the joints); 0 for a flat palm, positive for an arched one (thumb and little finger towards
  the palm).
* ``phi_i = alpha(b_i, b_{i+1})`` (Eq. 3): ``root_bone_angles -> (..., 4)`` radians.
* Eq. 4: the x-axes of the first-layer frames, ``-n_1, -n_2, -norm(n_3 + n_2), -norm(n_4 + n_3), -n_4``
  for thumb..little (pointing to the palm side), and ``first_layer_frames``.
"""
import torch
from torch import Tensor

from .bones import DEFAULT_EPS, bone_vectors, safe_norm, safe_normalize, vector_angle
from .skeleton import ROOT_BONES


def root_bones(joints: Tensor) -> Tensor:
    """The five root bones (wrist -> finger base) thumb..little, ``(..., 21, 3) -> (..., 5, 3)``."""
    index = torch.as_tensor(ROOT_BONES, device=joints.device)
    return bone_vectors(joints).index_select(-2, index)


def root_bone_normals(roots: Tensor, eps: float = DEFAULT_EPS) -> Tensor:
    """Plane normals ``n_i = norm(b_{i+1} x b_i)`` of neighbouring root bones (Eq. 2).

    Args:
        roots: ``(..., 5, 3)`` root bones thumb..little.
        eps: Degeneracy threshold of the normalisations.

    Returns:
        ``(..., 4, 3)`` unit normals (zero vectors for collinear or zero-length root bones).
    """
    # The normal's direction does not depend on the bones' lengths; normalising first keeps the cross
    # product well scaled for tiny or huge inputs.
    unit = safe_normalize(roots, eps)
    return safe_normalize(torch.cross(unit[..., 1:, :], unit[..., :-1, :], dim=-1), eps)


def root_edge_normals(normals: Tensor, eps: float = DEFAULT_EPS) -> Tensor:
    """Edge normals ``e_1..e_5`` of Eq. 2 from the plane normals ``n_1..n_4``, ``(..., 4, 3) -> (..., 5, 3)``."""
    inner = safe_normalize(normals[..., 1:, :] + normals[..., :-1, :], eps)
    return torch.cat([normals[..., :1, :], inner, normals[..., -1:, :]], dim=-2)


def palm_curvature(roots: Tensor, eps: float = DEFAULT_EPS) -> Tensor:
    """Curvature ``c_1..c_4`` of the root-bone mesh (Eq. 1).

    Args:
        roots: ``(..., 5, 3)`` root bones thumb..little.
        eps: Degeneracy threshold; coincident neighbouring finger bases (``b_{i+1} = b_i``) give 0.

    Returns:
        ``(..., 4)`` in 1 / (unit of ``roots``).
    """
    edges = root_edge_normals(root_bone_normals(roots, eps), eps)
    delta_e = edges[..., 1:, :] - edges[..., :-1, :]
    delta_b = roots[..., 1:, :] - roots[..., :-1, :]
    # (de . db) / |db|^2 written as (de . unit(db)) / |db|, which cannot overflow for huge inputs.
    return (delta_e * safe_normalize(delta_b, eps)).sum(dim=-1) / safe_norm(delta_b, eps)


def root_bone_angles(roots: Tensor, eps: float = DEFAULT_EPS) -> Tensor:
    """Angular distances ``phi_i = alpha(b_i, b_{i+1})`` of neighbouring root bones (Eq. 3), ``(..., 4)`` rad."""
    return vector_angle(roots[..., :-1, :], roots[..., 1:, :], eps)


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
