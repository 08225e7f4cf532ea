# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Palm geometry of Spurr et al. 2020, Sec. 3.1 "Root bones" (Eqs. 1-3).

The paper's root bones ``b_1..b_5`` (thumb..little) are our bones ``ROOT_BONES`` (wrist -> finger base). Its
1-based indices ``i`` map to 0-based positions ``i - 1`` of the tensors below:

* ``n_i = norm(b_{i+1} x b_i)``, i = 1..4 (Eq. 2): ``root_bone_normals -> (..., 4, 3)``. For a right hand these
  point to the back of the hand (dorsal side).
* ``e_1 = n_1``, ``e_i = norm(n_i + n_{i-1})`` (i = 2..4), ``e_5 = n_4`` (Eq. 2): ``root_edge_normals -> (..., 5, 3)``.
* ``c_i = (e_{i+1} - e_i)^T (b_{i+1} - b_i) / ||b_{i+1} - b_i||^2`` (Eq. 1): ``palm_curvature -> (..., 4)``,
  in 1 / (unit of the joints); 0 for a flat palm, positive for an arched one (thumb and little finger towards
  the palm).
* ``phi_i = alpha(b_i, b_{i+1})`` (Eq. 3): ``root_bone_angles -> (..., 4)`` radians.

The first-layer frames built from these normals (Eq. 4) are in :mod:`bmc_mmpose.geometry.frames`.
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
