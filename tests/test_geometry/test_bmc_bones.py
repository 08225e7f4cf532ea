# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Bones and the numerically safe primitives."""
import math

import torch

from bmc_mmpose.geometry import (PARENTS, bone_lengths, bone_vectors, interval_loss, safe_atan2, safe_norm,
                                 safe_normalize, vector_angle)

DTYPE = torch.float64


def test_bone_k_ends_at_joint_k_plus_1():
    joints = torch.randn(4, 21, 3, dtype=DTYPE, generator=torch.Generator().manual_seed(0))
    bones = bone_vectors(joints)
    for k in range(20):
        assert torch.equal(bones[:, k], joints[:, k + 1] - joints[:, PARENTS[k + 1]])
    assert torch.allclose(bone_lengths(joints), bones.norm(dim=-1))


def test_safe_primitives_are_exact_away_from_degeneracy_and_finite_at_it():
    v = torch.tensor([[3.0, 4.0, 0.0], [0.0, 0.0, 0.0], [1e20, -1e20, 0.0]], dtype=torch.float32,
                     requires_grad=True)
    norm = safe_norm(v)
    assert norm[0].item() == 5.0 and norm[1].item() > 0
    assert math.isclose(norm[2].item(), math.sqrt(2) * 1e20, rel_tol=1e-6)
    unit = safe_normalize(v)
    (norm.sum() + unit.sum()).backward()
    assert torch.isfinite(unit).all() and torch.isfinite(v.grad).all()
    assert torch.allclose(unit[0], torch.tensor([0.6, 0.8, 0.0]))
    assert torch.equal(unit[1], torch.zeros(3))


def test_safe_atan2_and_vector_angle():
    y = torch.tensor([0.0, 1.0, -0.0, 0.0], dtype=DTYPE, requires_grad=True)
    x = torch.tensor([0.0, 0.0, -1.0, -1.0], dtype=DTYPE, requires_grad=True)
    out = safe_atan2(y, x)
    out.sum().backward()
    assert out.tolist() == [0.0, math.pi / 2, math.pi, math.pi]  # -0.0 treated as 0: "negate only if < 0"
    assert torch.isfinite(y.grad).all() and torch.isfinite(x.grad).all()
    a = torch.tensor([[1.0, 0, 0], [1.0, 0, 0], [1.0, 0, 0], [0.0, 0, 0]], dtype=DTYPE, requires_grad=True)
    b = torch.tensor([[1.0, 0, 0], [-2.0, 0, 0], [1.0, 1.0, 0], [1.0, 0, 0]], dtype=DTYPE)
    angle = vector_angle(a, b)
    angle.sum().backward()
    assert torch.allclose(angle, torch.tensor([0.0, math.pi, math.pi / 4, 0.0], dtype=DTYPE), atol=1e-11)
    assert torch.isfinite(a.grad).all()


def test_interval_loss():
    x = torch.tensor([0.0, 1.0, 2.5, 4.0])
    assert interval_loss(x, torch.tensor(1.0), torch.tensor(3.0)).tolist() == [1.0, 0.0, 0.0, 1.0]
