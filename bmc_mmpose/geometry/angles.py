# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Flexion / abduction joint angles of Spurr et al. 2020, Sec. 3.1 (Eqs. 4-6) and supplementary Eq. 2.

Frames (the convention and the five first-layer frames of Eq. 4): :mod:`bmc_mmpose.geometry.frames`.

Angles (Eq. 5 with the octant rule of supp. Eq. 2). For a bone with unit local direction ``d = (d_x, d_y, d_z)``:

* flexion ``theta_f = alpha(P_xz(d), z)`` negated if ``d_x < 0``  =  ``atan2(d_x, d_z)`` in ``[-pi, pi]``
  (positive = towards the palm);
* abduction ``theta_a = alpha(P_xz(d), d)`` negated if ``d_y < 0``  =  ``atan2(d_y, sqrt(d_x^2 + d_z^2))`` in
  ``[-pi/2, pi/2]`` (positive = towards the thumb).

The atan2 forms are algebraically identical to the paper's arccos forms with the sign rule, but have finite
gradients everywhere (see :func:`~bmc_mmpose.geometry.bones.safe_atan2`).

Rotation ``R^theta`` (Eq. 6), in the parent frame's local coordinates::

    R^theta = R_y(theta_f) @ R_x(-theta_a)
            = [[ cos f, -sin f sin a,  sin f cos a],
               [     0,        cos a,        sin a],
               [-sin f, -cos f sin a,  cos f cos a]]

with ``R_x(t) = [[1, 0, 0], [0, cos t, -sin t], [0, sin t, cos t]]`` and
``R_y(t) = [[cos t, 0, sin t], [0, 1, 0], [-sin t, 0, cos t]]``. Its last column is
``R^theta e_z = (sin f cos a, sin a, cos f cos a) = d``: it rotates the local z-axis onto the unit bone, exactly
the paper's ``R^theta z = b^F`` (unit), and the angles of ``d`` recovered by Eq. 5 are ``(f, a)`` again.

Frame propagation (Eq. 6). The frame of the next bone along the finger is the parent frame *rotated by the
parent bone's angles*: ``F_child = F_parent @ R^theta_parent`` (columns = world axes). The paper writes
``F_i = R^theta F_p(i)`` with ``R^theta`` expressed in world coordinates, ``F_parent R F_parent^T``; both give
the same frame. So ``z_child = norm(b_parent)``, and the child frame's roll about its bone is fixed by the two
angles instead of by the minimal rotation between the bone directions, which makes the frames consistent under
finger motion (Sec. 3.1).
"""
from typing import Tuple

import torch
from torch import Tensor

from .bones import DEFAULT_EPS, bone_vectors, safe_atan2, safe_normalize
from .frames import first_layer_frames, to_local
from .skeleton import BONE_LAYERS, ROOT_BONES

#: Floor of the xz-projection length in the abduction atan2 (abduction error at most ~1e-12 rad).
_IN_PLANE_EPS: float = 1e-12


def local_angles(local_directions: Tensor) -> Tensor:
    """(flexion, abduction) of bones given in their local frame (Eq. 5 + supp. Eq. 2).

    Args:
        local_directions: ``(..., 3)`` bone vectors in local frame coordinates (any length > 0; zero gives 0).

    Returns:
        ``(..., 2)`` radians, flexion in ``[-pi, pi]``, abduction in ``[-pi/2, pi/2]``.
    """
    d_x, d_y, d_z = local_directions.unbind(dim=-1)
    flexion = safe_atan2(d_x, d_z)
    # Length of the xz-projection; the floor keeps sqrt' finite where the bone is exactly along y.
    in_plane = (d_x.square() + d_z.square()).clamp_min(_IN_PLANE_EPS**2).sqrt()
    abduction = safe_atan2(d_y, in_plane)
    return torch.stack([flexion, abduction], dim=-1)


def local_direction_from_angles(angles: Tensor) -> Tensor:
    """Unit local direction ``d = R^theta e_z = (sin f cos a, sin a, cos f cos a)``, ``(..., 2) -> (..., 3)``."""
    flexion, abduction = angles.unbind(dim=-1)
    cos_a = torch.cos(abduction)
    return torch.stack([torch.sin(flexion) * cos_a, torch.sin(abduction), torch.cos(flexion) * cos_a], dim=-1)


def rotation_from_angles(angles: Tensor) -> Tensor:
    """``R^theta = R_y(flexion) R_x(-abduction)`` (see the module docstring), ``(..., 2) -> (..., 3, 3)``."""
    flexion, abduction = angles.unbind(dim=-1)
    cos_f, sin_f = torch.cos(flexion), torch.sin(flexion)
    cos_a, sin_a = torch.cos(abduction), torch.sin(abduction)
    zero = torch.zeros_like(cos_f)
    rows = [
        torch.stack([cos_f, -sin_f * sin_a, sin_f * cos_a], dim=-1),
        torch.stack([zero, cos_a, sin_a], dim=-1),
        torch.stack([-sin_f, -cos_f * sin_a, cos_f * cos_a], dim=-1),
    ]
    return torch.stack(rows, dim=-2)


def joint_angles_and_frames(joints: Tensor, eps: float = DEFAULT_EPS) -> Tuple[Tensor, Tensor]:
    """Angles of the 15 finger bones and the frames they are measured in.

    Args:
        joints: ``(..., 21, 3)`` right hand, FreiHAND order, any unit (angles are scale invariant).
        eps: Degeneracy threshold of the normalisations.

    Returns:
        ``angles (..., 15, 2)`` (flexion, abduction) radians and ``frames (..., 15, 3, 3)`` (columns x, y, z),
        both in ``ANGLE_BONES`` order (layer by layer, thumb..little in each layer).
    """
    bones = bone_vectors(joints)
    root_index = torch.as_tensor(ROOT_BONES, device=joints.device)
    frames = first_layer_frames(bones.index_select(-2, root_index), eps)
    all_angles, all_frames = [], []
    # Three iterations along the kinematic chain (each vectorised over batch and fingers): a layer's frames
    # need the previous layer's angles.
    for layer in BONE_LAYERS:
        layer_bones = bones.index_select(-2, torch.as_tensor(layer, device=joints.device))
        angles = local_angles(to_local(frames, safe_normalize(layer_bones, eps)))
        all_angles.append(angles)
        all_frames.append(frames)
        frames = frames @ rotation_from_angles(angles)
    return torch.cat(all_angles, dim=-2), torch.cat(all_frames, dim=-3)


def hand_joint_angles(joints: Tensor) -> Tensor:
    """The 15 (flexion, abduction) joint-angle pairs of a hand, ``(..., 21, 3) -> (..., 15, 2)`` radians.

    Right hand, FreiHAND order; rows in ``ANGLE_BONES`` order (MCP layer thumb..little, then PIP layer, then
    DIP layer; for the thumb the joints one further along). Positive flexion bends towards the palm, positive
    abduction towards the thumb. Exact to the paper's Eqs. 4-6 wherever they are defined; finite (with finite
    gradients) for degenerate hands.
    """
    return joint_angles_and_frames(joints)[0]
