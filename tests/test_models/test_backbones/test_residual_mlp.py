# Copyright (c) bmc_mmpose authors. All rights reserved.
import pytest
import torch


def test_residual_mlp_shapes_and_residual_blocks():
    from bmc_mmpose.models.backbones import ResidualMLP
    net = ResidualMLP(in_channels=65, hidden_channels=32, num_blocks=2, dropout=0.0)
    net.eval()  # fresh running statistics (mean 0, variance 1)
    out = net(torch.randn(4, 65))
    assert isinstance(out, tuple) and out[0].shape == (4, 32)
    # a block whose last Linear outputs zeros is the identity: the shortcut carries its input
    block = net.blocks[0]
    last = [m for m in block.layers if isinstance(m, torch.nn.Linear)][-1]
    torch.nn.init.zeros_(last.weight)
    torch.nn.init.zeros_(last.bias)
    x = torch.randn(3, 32)
    torch.testing.assert_close(block(x), x)
    assert not torch.allclose(net.blocks[1](x), x)


def test_residual_mlp_rejects_bad_arguments():
    from bmc_mmpose.models.backbones import ResidualMLP
    with pytest.raises(ValueError, match='dropout'):
        ResidualMLP(in_channels=65, dropout=1.0)
    with pytest.raises(ValueError, match=r'\(B, 65\)'):
        ResidualMLP(in_channels=65)(torch.zeros(2, 64))
