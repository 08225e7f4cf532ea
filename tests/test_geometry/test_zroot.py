# Copyright (c) bmc_mmpose authors. All rights reserved.
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from bmc_mmpose.geometry.camera import normalized_rays, project
from bmc_mmpose.geometry.skeleton import REF_BONE_JOINTS, RHD_TO_FREIHAND
from bmc_mmpose.geometry.zroot import reconstruct_joints_3d, relative_depths, zroot_closed_form

REAL_SAMPLES = Path(__file__).resolve().parents[2] / '..' / 'shared' / 'data' / 'real_samples'
RHD_JSON = REAL_SAMPLES / 'rhd' / 'test_rhd.json'
#: Parent of each joint 1..20 in FreiHAND order (wrist, then each finger palm -> tip).
FH_PARENTS = [0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11, 0, 13, 14, 15, 0, 17, 18, 19]


def _load_rhd(dtype):
    """Real RHD samples: joints (B, 21, 3) mm in FreiHAND order, K (B, 3, 3), annotated uv (B, 21, 2)."""
    if not RHD_JSON.is_file():
        pytest.skip(f'real RHD samples not found at {RHD_JSON} (the shared/ folder is beside the repo in CI only)')
    data = json.loads(RHD_JSON.read_text())
    images = {img['id']: img for img in data['images']}
    joints, Ks, uvs = [], [], []
    for ann in data['annotations']:
        cam = images[ann['image_id']]['cam_param']
        (fx, fy), (cx, cy) = cam['focal'], cam['princpt']
        Ks.append([[fx, 0., cx], [0., fy, cy], [0., 0., 1.]])
        joints.append(np.asarray(ann['joint_cam'])[list(RHD_TO_FREIHAND)])
        uvs.append(np.asarray(ann['keypoints']).reshape(21, 3)[list(RHD_TO_FREIHAND), :2])
    as_tensor = lambda x: torch.as_tensor(np.asarray(x), dtype=dtype)  # noqa: E731
    return as_tensor(joints), as_tensor(Ks), as_tensor(uvs)


def _ref_length(joints):
    i, j = REF_BONE_JOINTS
    return (joints[:, j] - joints[:, i]).norm(dim=-1)


@pytest.mark.parametrize('dtype,rtol,atol_mm', [(torch.float64, 1e-4, 1e-3), (torch.float32, 1e-4, 2e-2)])
def test_real_rhd_ground_truth_recovered(dtype, rtol, atol_mm):
    joints, K, uv_annotated = _load_rhd(dtype)
    uv = project(joints, K)
    # the annotation is the projection of joint_cam (README: within 0.08 px): guards units and camera, not the
    # joint order (any permutation applied to both passes)
    assert (uv - uv_annotated).abs().max() < 0.1
    # the joint order: in FreiHAND order each finger runs palm -> tip, so for index..little the proximal phalanx
    # (MCP -> PIP, the reference bone for the middle finger) is longer than the distal one (DIP -> tip) and the
    # thumb's first joint is the one nearest the wrist; RHD's own tip -> palm order (RHD_TO_FREIHAND = identity)
    # fails both
    bones = (joints[:, 1:] - joints[:, FH_PARENTS]).norm(dim=-1)
    bones = bones.reshape(-1, 5, 4)  # (B, finger thumb..little, bone wrist->1, 1->2, 2->3, 3->tip)
    assert torch.all(bones[:, 1:, 1] > bones[:, 1:, 3])
    assert torch.all(bones[:, :1, 0] < bones[:, 1:, 0])
    ref = _ref_length(joints)
    z_r, z_root_gt = relative_depths(joints, ref)
    z_root = zroot_closed_form(uv, z_r, K)
    assert z_root.dtype == dtype
    torch.testing.assert_close(z_root, z_root_gt, rtol=rtol, atol=0)
    # a typical hand at ~0.4-0.7 m with a ~35 mm reference bone is 10-20 bone lengths away
    assert torch.all((z_root > 5) & (z_root < 50))
    joints_rec = reconstruct_joints_3d(uv, z_r, z_root, K) * ref[:, None, None]
    assert (joints_rec - joints).abs().max() < atol_mm
    # callers that already hold the rays (Hand25DHead.lift) get the same joints
    joints_from_rays = reconstruct_joints_3d(uv, z_r, z_root, K, rays=normalized_rays(uv, K)) * ref[:, None, None]
    torch.testing.assert_close(joints_from_rays, joints_rec)


def _synthetic_hands(batch, generator, dtype=torch.float64):
    """Random hand-sized joint sets (mm) 250-900 mm in front of random cameras with skew."""
    g = generator
    root = torch.cat((100 * torch.randn(batch, 1, 2, generator=g, dtype=dtype),
                      250 + 650 * torch.rand(batch, 1, 1, generator=g, dtype=dtype)), -1)
    joints = root + 60 * torch.randn(batch, 21, 3, generator=g, dtype=dtype)
    K = torch.zeros(batch, 3, 3, dtype=dtype)
    K[:, 0, 0] = 150 + 400 * torch.rand(batch, generator=g, dtype=dtype)
    K[:, 1, 1] = K[:, 0, 0] * (0.9 + 0.2 * torch.rand(batch, generator=g, dtype=dtype))
    K[:, 0, 1] = 5 * torch.randn(batch, generator=g, dtype=dtype)
    K[:, :2, 2] = 64 + 20 * torch.randn(batch, 2, generator=g, dtype=dtype)
    K[:, 2, 2] = 1
    return joints, K


def test_matches_independent_polynomial_roots():
    """The solver returns the larger real root of the quadratic, as numpy's companion-matrix solver finds it."""
    joints, K = _synthetic_hands(64, torch.Generator().manual_seed(0))
    uv = project(joints, K)
    ref = _ref_length(joints)
    z_r, z_root_gt = relative_depths(joints, ref)
    z_root = zroot_closed_form(uv, z_r, K)
    rays = normalized_rays(uv, K).numpy()
    zr = z_r.numpy()
    for k in range(len(joints)):
        d = rays[k, 10] - rays[k, 9]
        e = zr[k, 10] * rays[k, 10] - zr[k, 9] * rays[k, 9]
        roots = np.roots([d @ d, 2 * d @ e, e @ e - 1])
        assert np.allclose(roots.imag, 0)
        assert z_root[k].item() == pytest.approx(roots.real.max(), rel=1e-9)
    # the ground truth is one of the two roots; for hand-sized geometry it is the larger one almost always
    recovered = torch.isclose(z_root, z_root_gt, rtol=1e-8)
    assert recovered.float().mean() > 0.9


def test_gradcheck_regular_inputs():
    joints, K = _synthetic_hands(3, torch.Generator().manual_seed(1))
    uv = project(joints, K).requires_grad_()
    z_r, _ = relative_depths(joints, _ref_length(joints))
    z_r.requires_grad_()
    assert torch.autograd.gradcheck(lambda a, b: zroot_closed_form(a, b, K), (uv, z_r))


def _grads(uv, z_r, K, **kwargs):
    uv = uv.clone().requires_grad_()
    z_r = z_r.clone().requires_grad_()
    z_root = zroot_closed_form(uv, z_r, K, **kwargs)
    joints = reconstruct_joints_3d(uv, z_r, z_root, K)
    (z_root.sum() + joints.sum()).backward()
    return z_root, uv.grad, z_r.grad


def _camera(dtype=torch.float32):
    return torch.tensor([[[300., 0., 64.], [0., 300., 64.], [0., 0., 1.]]], dtype=dtype)


def test_degenerate_inputs_finite_values_and_gradients():
    K = _camera()
    cases = []
    # all joints on one pixel, zero depths: a = b = 0, c = -1
    cases.append((torch.full((1, 21, 2), 64.), torch.zeros(1, 21)))
    # reference bone seen end-on (a = 0) with b != 0 impossible; with both depths equal and uv equal: a = 0, b = 0
    uv = 64 + 30 * torch.randn(1, 21, 2, generator=torch.Generator().manual_seed(3))
    uv[:, 10] = uv[:, 9]
    cases.append((uv, torch.randn(1, 21, generator=torch.Generator().manual_seed(4))))
    # negative discriminant: depth difference along the bone larger than the bone length
    z_r = torch.zeros(1, 21)
    z_r[:, 10] = 5.
    cases.append((64 + 30 * torch.randn(1, 21, 2, generator=torch.Generator().manual_seed(5)), z_r))
    # all zeros including uv on the principal point, and huge values
    cases.append((torch.zeros(1, 21, 2), torch.zeros(1, 21)))
    cases.append((1e6 * torch.ones(1, 21, 2), 1e3 * torch.ones(1, 21)))
    for uv, z_r in cases:
        for kwargs in ({}, {'depth_range': (0.1, 1000.)}):
            z_root, g_uv, g_zr = _grads(uv, z_r, K, **kwargs)
            assert torch.isfinite(z_root).all(), (uv, z_r, kwargs)
            assert torch.isfinite(g_uv).all() and torch.isfinite(g_zr).all(), (uv, z_r, kwargs)
            if kwargs:
                assert torch.all((z_root >= 0.1) & (z_root <= 1000.))


def test_negative_discriminant_gives_closest_bone_length():
    """No depth makes the bone length 1: the solver returns the depth minimising the bone length (-b / 2a)."""
    K = _camera(torch.float64)
    uv = 64 + 30 * torch.randn(1, 21, 2, generator=torch.Generator().manual_seed(6), dtype=torch.float64)
    z_r = torch.zeros(1, 21, dtype=torch.float64)
    z_r[:, 10] = 5.
    z_root = zroot_closed_form(uv, z_r, K)
    length = lambda z: (reconstruct_joints_3d(uv, z_r, z, K)[:, 10] - reconstruct_joints_3d(  # noqa: E731
        uv, z_r, z, K)[:, 9]).norm(dim=-1)
    assert length(z_root).item() > 1
    for delta in (-1e-3, 1e-3):
        assert length(z_root + delta).item() >= length(z_root).item()


@pytest.mark.parametrize('offset', [1e-9, 1e-5, 0.1, 1.0])
def test_end_on_reference_bone_is_finite_and_clampable(offset):
    """x_9 -> x_10 makes the depth unobservable: finite (possibly huge) raw root, clamped when asked."""
    K = _camera(torch.float64)
    uv = 64 + 30 * torch.randn(1, 21, 2, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    uv[:, 10] = uv[:, 9] + offset
    z_r = torch.zeros(1, 21, dtype=torch.float64)
    z_r[:, 10] = 0.5  # the bone points away from the camera, half of it along the ray
    z_root = zroot_closed_form(uv, z_r, K)
    assert torch.isfinite(z_root).all()
    if offset >= 0.1:  # a = |x_10 - x_9|^2 > eps: the root satisfies the bone-length equation
        joints = reconstruct_joints_3d(uv, z_r, z_root, K)
        torch.testing.assert_close((joints[:, 10] - joints[:, 9]).norm(dim=-1), torch.ones(1, dtype=torch.float64),
                                   rtol=1e-6, atol=0)
    clamped = zroot_closed_form(uv, z_r, K, depth_range=(0.1, 1000.))
    assert torch.all((clamped >= 0.1) & (clamped <= 1000.))


def test_relative_depths_unknown_scale_gives_zeros():
    joints = 100 + torch.randn(2, 21, 3)
    z_r, z_root = relative_depths(joints, torch.tensor([0., 35.]))
    assert torch.all(z_r[0] == 0) and z_root[0] == 0
    torch.testing.assert_close(z_root[1], joints[1, 0, 2] / 35.)
    torch.testing.assert_close(z_r[1], (joints[1, :, 2] - joints[1, 0, 2]) / 35.)
    assert z_r[1, 0] == 0
