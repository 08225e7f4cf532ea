"""The numpy camera module agrees with the torch one and with hand-computed literal values."""
import numpy as np
import pytest
import torch

from bmc_mmpose.geometry import camera
from bmc_mmpose.geometry.camera_numpy import (back_project, mirror_bbox, mirror_intrinsics, mirror_keypoints_2d,
                                              mirror_points_3d, normalized_rays, project_points,
                                              reference_bone_length)

# Skewed K with a non-zero K[1, 0], as an affine crop with in-plane rotation produces.
K_GENERAL = np.array([[410., 3.5, 61.], [-2.0, 405., 70.], [0., 0., 1.]])


def _points(rng, n=4, j=21):
    xyz = rng.normal(0., 40., (n, j, 3))
    xyz[..., 2] += 500.
    return xyz


def test_project_matches_torch():
    rng = np.random.default_rng(0)
    xyz = _points(rng)
    K = np.stack([K_GENERAL, K_GENERAL * [[1.1], [0.9], [1.]]])[[0, 1, 0, 1]]
    ours = project_points(xyz, K)
    ref = camera.project(torch.from_numpy(xyz), torch.from_numpy(K)).numpy()
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-9)
    # One (3, 3) K broadcasts over the batch.
    np.testing.assert_allclose(project_points(xyz, K_GENERAL),
                               project_points(xyz, np.broadcast_to(K_GENERAL, K.shape)))


def test_rays_and_back_projection_match_torch():
    rng = np.random.default_rng(2)
    uv = rng.uniform(0., 300., (4, 21, 2))
    depth = rng.uniform(300., 800., (4, 21))
    K = np.stack([K_GENERAL, K_GENERAL * [[1.1], [0.9], [1.]]])[[0, 1, 0, 1]]
    rays = normalized_rays(uv, K)
    np.testing.assert_allclose(rays, camera.normalized_rays(torch.from_numpy(uv), torch.from_numpy(K)).numpy(),
                               rtol=0, atol=1e-12)
    xyz = back_project(uv, depth, K)
    np.testing.assert_allclose(xyz, camera.back_project(torch.from_numpy(uv), torch.from_numpy(depth),
                                                        torch.from_numpy(K)).numpy(), rtol=0, atol=1e-9)
    np.testing.assert_allclose(xyz[..., 2], depth, rtol=0, atol=1e-9)
    # Back-projection inverts projection; one (3, 3) K broadcasts over the batch.
    np.testing.assert_allclose(project_points(back_project(uv, depth, K_GENERAL), K_GENERAL), uv, atol=1e-9)


def test_back_project_literal_value():
    # The inverse of test_project_literal_value: (55, 32) at Z = 200 is X = (10, -20, 200).
    K = np.array([[100., 0., 50.], [0., 80., 40.], [0., 0., 1.]])
    np.testing.assert_allclose(back_project(np.array([[55., 32.]]), np.array([200.]), K), [[10., -20., 200.]])


def test_project_literal_value():
    # X = (10, -20, 200): x/z = 0.05, y/z = -0.1; u = 100*0.05 + 0 + 50 = 55, v = 80*(-0.1) + 40 = 32.
    K = np.array([[100., 0., 50.], [0., 80., 40.], [0., 0., 1.]])
    np.testing.assert_allclose(project_points(np.array([[10., -20., 200.]]), K), [[55., 32.]])


def test_project_on_camera_plane_is_finite():
    out = project_points(np.array([[1., 1., 0.], [1., 1., -0.]]), K_GENERAL)
    assert np.isfinite(out).all()


def test_mirror_intrinsics_literal():
    K = np.array([[100., 2., 30.], [0., 90., 40.], [0., 0., 1.]])
    # F K D by hand for W = 64: the skew changes sign, cx -> 63 - 30.
    np.testing.assert_allclose(mirror_intrinsics(K, 64), [[100., -2., 33.], [0., 90., 40.], [0., 0., 1.]])


def test_mirror_is_consistent_across_pixels_points_and_K():
    rng = np.random.default_rng(1)
    xyz = _points(rng, n=1)[0]
    width = 224
    lhs = project_points(mirror_points_3d(xyz), mirror_intrinsics(K_GENERAL, width))
    rhs = mirror_keypoints_2d(project_points(xyz, K_GENERAL), width)
    np.testing.assert_allclose(lhs, rhs, atol=1e-9)


def test_mirror_literals_and_involution():
    np.testing.assert_allclose(mirror_keypoints_2d(np.array([[0., 5.], [99., 6.]]), 100), [[99., 5.], [0., 6.]])
    np.testing.assert_allclose(mirror_points_3d(np.array([[1., 2., 3.]])), [[-1., 2., 3.]])
    np.testing.assert_allclose(mirror_bbox(np.array([10., 20., 30., 40.]), 100), [69., 20., 89., 40.])
    K = mirror_intrinsics(mirror_intrinsics(K_GENERAL, 77), 77)
    np.testing.assert_allclose(K, K_GENERAL)


@pytest.mark.parametrize('shape', [(), (3, )])
def test_reference_bone_length(shape):
    joints = np.zeros(shape + (21, 3))
    joints[..., 9, :] = [1., 2., 3.]
    joints[..., 10, :] = [4., 6., 3.]  # joints 9 -> 10 (middle MCP -> PIP): a 3-4-5 triangle
    np.testing.assert_allclose(reference_bone_length(joints), np.full(shape, 5.))
