# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Joint angles (Eqs. 4-6, supp. Eq. 2) and forward kinematics with the Eq. 6 frame convention."""
import math

import pytest
import torch

from bmc_mmpose.geometry import (BONE_LAYERS, FINGERS, bone_lengths, bone_vectors, forward_kinematics,
                                 hand_joint_angles, joint_angles_and_frames, local_angles, local_direction_from_angles,
                                 rotation_from_angles, template_bone_lengths, template_root_bones)
from bmc_mmpose.testing.hands import random_fk_hands

DTYPE = torch.float64


def _random_rotation(generator):
    q, r = torch.linalg.qr(torch.randn(3, 3, generator=generator, dtype=DTYPE))
    q = q * torch.sign(torch.diagonal(r))
    return q if torch.det(q) > 0 else -q


def test_fk_then_recovery_gives_the_angles_and_lengths():
    gen = torch.Generator().manual_seed(1)
    num = 512
    angles = torch.stack([torch.rand(num, 15, generator=gen, dtype=DTYPE) * 5.6 - 2.8,
                          torch.rand(num, 15, generator=gen, dtype=DTYPE) * 2.8 - 1.4], dim=-1)
    lengths = template_bone_lengths(DTYPE) * (0.7 + 0.6 * torch.rand(num, 20, generator=gen, dtype=DTYPE))
    roots = template_root_bones(DTYPE) + 0.2 * torch.randn(num, 5, 3, generator=gen, dtype=DTYPE)
    joints = forward_kinematics(lengths, roots, angles)
    recovered = hand_joint_angles(joints)
    assert recovered.shape == (num, 15, 2)
    assert (recovered - angles).abs().max() < 1e-5
    assert torch.allclose(bone_lengths(joints), lengths, atol=1e-10)


def test_zero_angles_give_straight_fingers_along_the_root_bones():
    joints = forward_kinematics(template_bone_lengths(DTYPE), template_root_bones(DTYPE), torch.zeros(15, 2,
                                                                                                      dtype=DTYPE))
    bones = bone_vectors(joints)
    for finger in FINGERS:
        directions = bones[[j - 1 for j in finger]]
        unit = directions / directions.norm(dim=-1, keepdim=True)
        assert torch.allclose(unit, unit[0].expand_as(unit), atol=1e-12)


def test_flexion_bends_towards_the_palm_and_abduction_towards_the_thumb():
    roots = template_root_bones(DTYPE)  # palm faces +z, thumb at +x (see kinematics.TEMPLATE_ROOT_BONES)
    angles = torch.zeros(15, 2, dtype=DTYPE)
    angles[2, 0] = math.pi / 2  # middle MCP flexed 90 degrees
    joints = forward_kinematics(template_bone_lengths(DTYPE), roots, angles)
    middle_pip_bone = joints[10] - joints[9]
    assert middle_pip_bone[2] > 0.99 * middle_pip_bone.norm()  # points out of the palm (+z)
    angles = torch.zeros(15, 2, dtype=DTYPE)
    angles[2, 1] = 0.3  # middle MCP abducted
    joints = forward_kinematics(template_bone_lengths(DTYPE), roots, angles)
    assert (joints[10] - joints[9])[0] > 0  # towards the thumb (+x)


@pytest.mark.parametrize('local,expected', [
    ((1.0, 0.0, 1.0), (math.pi / 4, 0.0)),     # supp. Eq. 1, first bone
    ((-1.0, 0.0, 1.0), (-math.pi / 4, 0.0)),   # supp. Eq. 1, second bone: resolved by the octant rule
    ((0.0, 1.0, 1.0), (0.0, math.pi / 4)),
    ((0.0, -1.0, 1.0), (0.0, -math.pi / 4)),
    ((0.0, 0.0, -1.0), (math.pi, 0.0)),
    ((1.0, 0.0, -1.0), (3 * math.pi / 4, 0.0)),
    ((-1.0, -1.0, 0.0), (-math.pi / 2, -math.atan(1 / math.sqrt(1.0)))),
])
def test_local_angles_examples(local, expected):
    result = local_angles(torch.tensor(local, dtype=DTYPE))
    assert torch.allclose(result, torch.tensor(expected, dtype=DTYPE), atol=1e-12)


def test_local_angles_equal_the_arccos_definitions_with_the_octant_rule():
    gen = torch.Generator().manual_seed(2)
    vectors = torch.randn(2000, 3, generator=gen, dtype=DTYPE)
    ours = local_angles(vectors)
    projected = vectors * torch.tensor([1.0, 0.0, 1.0], dtype=DTYPE)
    z_axis = torch.tensor([0.0, 0.0, 1.0], dtype=DTYPE)

    def alpha(a, b):
        cosine = (a * b).sum(-1) / (a.norm(dim=-1) * b.norm(dim=-1))
        return torch.arccos(cosine.clamp(-1, 1))

    flexion = alpha(projected, z_axis.expand_as(projected))
    abduction = alpha(projected, vectors)
    flexion = torch.where(vectors[:, 0] < 0, -flexion, flexion)
    abduction = torch.where(vectors[:, 1] < 0, -abduction, abduction)
    assert torch.allclose(ours, torch.stack([flexion, abduction], -1), atol=1e-7)


def test_rotation_maps_z_to_the_bone_direction_and_is_a_rotation():
    gen = torch.Generator().manual_seed(3)
    angles = torch.stack([torch.rand(100, generator=gen, dtype=DTYPE) * 6 - 3,
                          torch.rand(100, generator=gen, dtype=DTYPE) * 3 - 1.5], -1)
    rotation = rotation_from_angles(angles)
    direction = local_direction_from_angles(angles)
    assert torch.allclose(rotation[..., :, 2], direction, atol=1e-14)
    assert torch.allclose(rotation @ rotation.transpose(-1, -2), torch.eye(3, dtype=DTYPE).expand(100, 3, 3),
                          atol=1e-12)
    assert torch.allclose(torch.det(rotation), torch.ones(100, dtype=DTYPE))
    assert torch.allclose(local_angles(direction), angles, atol=1e-12)


def test_child_frames_are_parent_frames_rotated_by_the_parent_angles():
    hands = random_fk_hands(64, torch.Generator().manual_seed(4))
    angles, frames = joint_angles_and_frames(hands['joints'])
    # frames are orthonormal and right-handed
    eye = torch.eye(3, dtype=DTYPE).expand_as(frames)
    assert torch.allclose(frames.transpose(-1, -2) @ frames, eye, atol=1e-10)
    assert torch.allclose(torch.det(frames), torch.ones(frames.shape[:-2], dtype=DTYPE), atol=1e-10)
    # Eq. 6: F_child = F_parent R^theta_parent, and the child's z-axis is the parent bone's direction
    for layer in (0, 1):
        parent, child = slice(5 * layer, 5 * layer + 5), slice(5 * layer + 5, 5 * layer + 10)
        expected = frames[:, parent] @ rotation_from_angles(angles[:, parent])
        assert torch.allclose(frames[:, child], expected, atol=1e-10)
        bones = bone_vectors(hands['joints'])[:, list(BONE_LAYERS[layer])]
        assert torch.allclose(frames[:, child, :, 2], bones / bones.norm(dim=-1, keepdim=True), atol=1e-10)


def test_frames_and_angles_follow_rigid_motion_of_the_whole_hand():
    gen = torch.Generator().manual_seed(5)
    joints = random_fk_hands(16, gen)['joints']
    rotation = _random_rotation(gen)
    moved = 3.7 * joints @ rotation.T + torch.tensor([0.3, -2.0, 10.0], dtype=DTYPE)
    angles, frames = joint_angles_and_frames(joints)
    angles_moved, frames_moved = joint_angles_and_frames(moved)
    assert torch.allclose(angles_moved, angles, atol=1e-10)
    assert torch.allclose(frames_moved, rotation @ frames, atol=1e-10)


def test_frame_consistency_under_finger_motion():
    """Sec. 3.1: construct the frames in pose 1, move a finger and its frames rigidly about its MCP joint into
    pose 2; the frames built from pose 2 directly are the moved frames, and distal angles are unchanged."""
    gen = torch.Generator().manual_seed(6)
    hands = random_fk_hands(8, gen)
    joints = hands['joints']
    angles, frames = joint_angles_and_frames(joints)
    new_angles = angles.clone()
    new_angles[:, 1] = torch.stack([torch.rand(8, generator=gen, dtype=DTYPE) * 1.5 - 0.3,
                                    torch.rand(8, generator=gen, dtype=DTYPE) * 0.6 - 0.3], -1)  # index MCP
    # The rigid motion of the index finger distal of its MCP joint (world coordinates).
    frame_mcp = frames[:, 1]
    motion = (frame_mcp @ rotation_from_angles(new_angles[:, 1]) @ rotation_from_angles(angles[:, 1]).transpose(-1, -2)
              @ frame_mcp.transpose(-1, -2))
    moved = joints.clone()
    mcp = joints[:, 5:6]
    moved[:, 6:9] = (joints[:, 6:9] - mcp) @ motion.transpose(-1, -2) + mcp
    angles_2, frames_2 = joint_angles_and_frames(moved)
    assert torch.allclose(angles_2[:, 1], new_angles[:, 1], atol=1e-10)
    for index in (6, 11):  # index PIP and DIP frames
        assert torch.allclose(frames_2[:, index], motion @ frames[:, index], atol=1e-10)
        assert torch.allclose(angles_2[:, index], angles[:, index], atol=1e-10)
    untouched = [i for i in range(15) if i not in (1, 6, 11)]
    assert torch.allclose(angles_2[:, untouched], angles[:, untouched], atol=1e-10)


def test_angles_are_batched_over_leading_dimensions_and_dtype_follows_input():
    joints = random_fk_hands(6, torch.Generator().manual_seed(7))['joints']
    flat = hand_joint_angles(joints)
    nested = hand_joint_angles(joints.reshape(2, 3, 21, 3))
    assert torch.allclose(nested.reshape(6, 15, 2), flat)
    assert hand_joint_angles(joints.float()).dtype == torch.float32
