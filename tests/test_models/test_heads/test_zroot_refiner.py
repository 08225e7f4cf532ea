# Copyright (c) bmc_mmpose authors. All rights reserved.
import pytest
import torch
from torch import nn

import bmc_mmpose.models  # noqa: F401  (registers the modules)
from bmc_mmpose.models.heads import ZRootRefiner
from mmpose.registry import MODELS


def _inputs(batch=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    z_r = torch.randn(batch, 21, generator=g)
    rays = torch.cat((0.2 * torch.randn(batch, 21, 2, generator=g), torch.ones(batch, 21, 1)), -1)
    z_root = 10 + 5 * torch.rand(batch, generator=g)
    return z_r, rays, z_root


def test_build_from_registry_and_architecture():
    refiner = MODELS.build(dict(type='ZRootRefiner'))
    assert isinstance(refiner, ZRootRefiner)
    kinds = [type(m) for m in refiner.mlp]
    assert kinds == [nn.Linear, nn.LeakyReLU, nn.BatchNorm1d, nn.Linear, nn.LeakyReLU, nn.BatchNorm1d, nn.Linear]
    assert refiner.mlp[0].in_features == 85 and refiner.mlp[0].out_features == 128
    assert refiner.mlp[3].in_features == 128 and refiner.mlp[-1].out_features == 1
    assert refiner.mlp[1].negative_slope == pytest.approx(0.01)
    no_bn = ZRootRefiner(use_batchnorm=False)
    assert not any(isinstance(m, nn.BatchNorm1d) for m in no_bn.modules())


def test_starts_as_identity_and_learns_a_residual():
    refiner = ZRootRefiner()
    z_r, rays, z_root = _inputs()
    torch.testing.assert_close(refiner(z_r, rays, z_root), z_root)
    # one optimisation step on a constant offset moves the output towards the target
    opt = torch.optim.Adam(refiner.parameters(), lr=0.01)
    target = z_root + 1.0
    before = (refiner(z_r, rays, z_root) - target).abs().mean()
    for _ in range(100):
        opt.zero_grad()
        (refiner(z_r, rays, z_root) - target).abs().mean().backward()
        opt.step()
    # measured in training mode, like the steps (in eval mode BatchNorm's running statistics would be tested too)
    after = (refiner(z_r, rays, z_root) - target).abs().mean()
    assert after < 0.5 * before


@pytest.mark.parametrize('detach', [False, True])
def test_detach_inputs_controls_gradient_flow(detach):
    refiner = ZRootRefiner(detach_inputs=detach, use_batchnorm=False)
    nn.init.normal_(refiner.mlp[-1].weight)  # make the residual depend on the inputs
    z_r, rays, z_root = _inputs()
    z_r.requires_grad_()
    z_root.requires_grad_()
    refiner(z_r, rays, z_root).sum().backward()
    if detach:
        assert z_r.grad is None or torch.all(z_r.grad == 0)
        torch.testing.assert_close(z_root.grad, torch.ones_like(z_root))  # only the additive skip path
    else:
        assert z_r.grad.abs().sum() > 0
        assert not torch.allclose(z_root.grad, torch.ones_like(z_root))


def test_shape_errors():
    refiner = ZRootRefiner()
    z_r, rays, z_root = _inputs()
    with pytest.raises(ValueError, match='ZRootRefiner'):
        refiner(z_r[:, :20], rays, z_root)


def test_single_sample_training_batch():
    """A one-sample training batch (last incomplete batch) must not fail in BatchNorm; it uses running stats."""
    refiner = ZRootRefiner()
    nn.init.normal_(refiner.mlp[-1].weight)
    z_r, rays, z_root = _inputs(batch=1)
    out = refiner(z_r, rays, z_root)
    refiner.eval()
    torch.testing.assert_close(out, refiner(z_r, rays, z_root))
