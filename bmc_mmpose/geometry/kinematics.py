# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Forward kinematics with the frame convention of Spurr et al. 2020, Eq. 6 (inverse of ``hand_joint_angles``).

A hand is described by its 20 bone lengths, its five root bones (the palm; their lengths are overridden by the
bone lengths) and the 15 (flexion, abduction) pairs in ``ANGLE_BONES`` order. Frames are built exactly as in
:mod:`bmc_mmpose.geometry.angles`: the first layer from the palm (Eq. 4), then ``F_child = F_parent R^theta``.
So ``hand_joint_angles(forward_kinematics(lengths, roots, angles)) == angles`` for angles with flexion in
``(-pi, pi]`` and abduction in ``(-pi/2, pi/2)``.
"""
from typing import Optional

import torch
from torch import Tensor

from .angles import local_direction_from_angles, rotation_from_angles
from .bones import safe_normalize
from .frames import first_layer_frames
from .skeleton import BONE_LAYERS, NUM_JOINTS, PARENTS, ROOT_BONES

#: A right hand with a flat-ish palm in scale-normalised units (bone 9 -> 10 has length 1), camera-agnostic
#: frame: x towards the thumb, y along the fingers, z out of the palm. Root bones wrist -> finger bases,
#: thumb..little, slightly arched; all quantities lie inside the literature limits
#: (``bmc_mmpose/limits/literature.py``), so the template with zero angles costs 0 under them.
TEMPLATE_ROOT_BONES = (
    (0.80, 0.95, 0.25),     # thumb: wrist -> thumb CMC/MCP keypoint (FreiHAND joint 1)
    (0.55, 2.05, 0.05),     # index
    (0.10, 2.10, 0.00),     # middle
    (-0.32, 1.95, 0.05),    # ring
    (-0.72, 1.75, 0.15),    # little
)
#: Bone lengths (20, bone k ends at joint k + 1) of the template hand, scale-normalised.
TEMPLATE_BONE_LENGTHS = (
    1.25, 0.95, 0.75, 0.70,     # thumb
    2.10, 0.95, 0.55, 0.50,     # index
    2.10, 1.00, 0.62, 0.52,     # middle
    1.98, 0.93, 0.60, 0.50,     # ring
    1.90, 0.75, 0.45, 0.45,     # little
)


def template_root_bones(dtype: torch.dtype = torch.float32, device=None) -> Tensor:
    """``TEMPLATE_ROOT_BONES`` as a ``(5, 3)`` tensor."""
    return torch.tensor(TEMPLATE_ROOT_BONES, dtype=dtype, device=device)


def template_bone_lengths(dtype: torch.dtype = torch.float32, device=None) -> Tensor:
    """``TEMPLATE_BONE_LENGTHS`` as a ``(20,)`` tensor."""
    return torch.tensor(TEMPLATE_BONE_LENGTHS, dtype=dtype, device=device)


def forward_kinematics(bone_lengths: Tensor, roots: Tensor, angles: Tensor,
                       wrist: Optional[Tensor] = None) -> Tensor:
    """Joints of a right hand (FreiHAND order) from lengths, palm and joint angles.

    Args:
        bone_lengths: ``(..., 20)`` length of bone k (ending at joint k + 1).
        roots: ``(..., 5, 3)`` root bone directions thumb..little (only their directions are used).
        angles: ``(..., 15, 2)`` (flexion, abduction) radians in ``ANGLE_BONES`` order, measured as in Eq. 5.
        wrist: ``(..., 3)`` wrist position; default the origin.

    Returns:
        ``(..., 21, 3)`` joints, in the unit of ``bone_lengths``.
    """
    batch_shape = torch.broadcast_shapes(bone_lengths.shape[:-1], roots.shape[:-2], angles.shape[:-2])
    dtype = torch.promote_types(torch.promote_types(bone_lengths.dtype, roots.dtype), angles.dtype)
    device = bone_lengths.device
    joints = [None] * NUM_JOINTS
    joints[0] = (torch.zeros(*batch_shape, 3, dtype=dtype, device=device) if wrist is None else
                 wrist.to(dtype).expand(*batch_shape, 3))
    lengths = bone_lengths.to(dtype).expand(*batch_shape, 20)
    root_dirs = safe_normalize(roots.to(dtype)).expand(*batch_shape, 5, 3)
    angles = angles.to(dtype).expand(*batch_shape, 15, 2)
    for finger, bone in enumerate(ROOT_BONES):
        joints[bone + 1] = joints[0] + lengths[..., bone, None] * root_dirs[..., finger, :]
    frames = first_layer_frames(root_dirs)
    for layer_index, layer in enumerate(BONE_LAYERS):
        layer_angles = angles[..., 5 * layer_index:5 * layer_index + 5, :]
        local = local_direction_from_angles(layer_angles)
        directions = (frames @ local.unsqueeze(-1)).squeeze(-1)
        for finger, bone in enumerate(layer):
            joints[bone + 1] = joints[PARENTS[bone + 1]] + lengths[..., bone, None] * directions[..., finger, :]
        frames = frames @ rotation_from_angles(layer_angles)
    return torch.stack(joints, dim=-2)


def template_hand(angles: Optional[Tensor] = None, dtype: torch.dtype = torch.float32, device=None) -> Tensor:
    """The template hand posed by ``angles (..., 15, 2)`` (default all zero: straight fingers), ``(..., 21, 3)``."""
    if angles is None:
        angles = torch.zeros(15, 2, dtype=dtype, device=device)
    return forward_kinematics(template_bone_lengths(dtype, device), template_root_bones(dtype, device), angles)
