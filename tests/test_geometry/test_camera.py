# Copyright (c) bmc_mmpose authors. All rights reserved.
import pytest
import torch

from bmc_mmpose.geometry.camera import affine_to_homogeneous, back_project, normalized_rays, project


def _random_K(batch: int, dtype=torch.float64, generator=None) -> torch.Tensor:
    """Random invertible intrinsics with skew and a non-zero K[1, 0] (rotated affine crops produce one)."""
    g = generator
    K = torch.zeros(batch, 3, 3, dtype=dtype)
    K[:, 0, 0] = 200 + 300 * torch.rand(batch, generator=g, dtype=dtype)
    K[:, 1, 1] = 200 + 300 * torch.rand(batch, generator=g, dtype=dtype)
    K[:, 0, 1] = 20 * torch.randn(batch, generator=g, dtype=dtype)
    K[:, 1, 0] = 20 * torch.randn(batch, generator=g, dtype=dtype)
    K[:, :2, 2] = 50 + 100 * torch.rand(batch, 2, generator=g, dtype=dtype)
    K[:, 2, 2] = 1
    return K


def _random_points(batch: int, n: int, dtype=torch.float64, generator=None) -> torch.Tensor:
    xy = 100 * torch.randn(batch, n, 2, generator=generator, dtype=dtype)
    z = 300 + 500 * torch.rand(batch, n, 1, generator=generator, dtype=dtype)
    return torch.cat((xy, z), dim=-1)


def test_normalized_rays_equal_inverse_K():
    g = torch.Generator().manual_seed(0)
    K = _random_K(5, generator=g)
    uv = 300 * torch.rand(5, 21, 2, generator=g, dtype=torch.float64)
    rays = normalized_rays(uv, K)
    homog = torch.cat((uv, torch.ones_like(uv[..., :1])), dim=-1)
    expected = (torch.linalg.inv(K)[:, None] @ homog[..., None]).squeeze(-1)
    assert rays.shape == (5, 21, 3)
    torch.testing.assert_close(rays, expected, rtol=1e-10, atol=1e-12)
    assert torch.all(rays[..., 2] == 1)


def test_project_back_project_round_trip():
    g = torch.Generator().manual_seed(1)
    K = _random_K(4, generator=g)
    points = _random_points(4, 21, generator=g)
    uv = project(points, K)
    # projection must agree with the plain homogeneous formula
    hom = (K[:, None] @ points[..., None]).squeeze(-1)
    torch.testing.assert_close(uv, hom[..., :2] / hom[..., 2:], rtol=1e-10, atol=1e-9)
    torch.testing.assert_close(back_project(uv, points[..., 2], K), points, rtol=1e-10, atol=1e-9)


def test_leading_batch_dims_and_float32():
    g = torch.Generator().manual_seed(2)
    K = _random_K(6, generator=g).reshape(2, 3, 3, 3).float()
    points = _random_points(6, 7, generator=g).reshape(2, 3, 7, 3).float()
    uv = project(points, K)
    assert uv.shape == (2, 3, 7, 2) and uv.dtype == torch.float32
    torch.testing.assert_close(back_project(uv, points[..., 2], K), points, rtol=1e-5, atol=1e-3)


def test_project_degenerate_depth_is_finite():
    K = _random_K(1)
    points = torch.tensor([[[10., -5., 0.], [0., 0., 0.], [1., 1., -1e-12]]], dtype=torch.float64,
                          requires_grad=True)
    uv = project(points, K)
    uv.sum().backward()
    assert torch.isfinite(uv).all()
    assert torch.isfinite(points.grad).all()


@pytest.mark.parametrize('shape', [(2, 3), (4, 2, 3)])
def test_affine_to_homogeneous(shape):
    warp = torch.randn(*shape)
    mat = affine_to_homogeneous(warp)
    assert mat.shape == shape[:-2] + (3, 3)
    torch.testing.assert_close(mat[..., :2, :], warp)
    torch.testing.assert_close(mat[..., 2, :], torch.tensor([0., 0., 1.]).expand_as(mat[..., 2, :]))
