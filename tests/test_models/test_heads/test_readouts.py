# Copyright (c) bmc_mmpose authors. All rights reserved.
"""The 2.5D read-outs as modules of their own, and checkpoints of the head from before they were."""
import pytest
import torch
from mmpose.registry import MODELS

import bmc_mmpose.models  # noqa: F401  (registers the modules)
from bmc_mmpose.models.heads import HeatmapReadout2p5D, KeypointResidualReadout2p5D, RegressionReadout2p5D


def test_regression_readout_starts_at_the_crop_centre():
    readout = MODELS.build(dict(type='RegressionReadout2p5D', in_channels=8, input_size=(64, 32)))
    assert isinstance(readout, RegressionReadout2p5D)
    assert torch.all(readout.fc.bias == 0) and readout.fc.weight.std() < 3e-3
    uv, z_r = readout(torch.randn(2, 8, 3, 3))
    assert uv.shape == (2, 21, 2) and z_r.shape == (2, 21)
    torch.testing.assert_close(uv, torch.tensor([32., 16.]).expand(2, 21, 2), atol=0.5, rtol=0)


def test_heatmap_readout_layers_and_map_size():
    readout = MODELS.build(dict(type='HeatmapReadout2p5D', in_channels=8, deconv_out_channels=(4, 4)))
    assert isinstance(readout, HeatmapReadout2p5D)
    assert len(readout.deconv_layers) == 6 and readout.final_layer.out_channels == 42
    assert torch.all(readout.final_layer.bias == 0)
    uv, z_r = readout(torch.randn(2, 8, 4, 4))
    assert uv.shape == (2, 21, 2) and z_r.shape == (2, 21)
    assert torch.all((uv >= 0) & (uv < 128))


def test_keypoint_residual_readout_reproduces_its_input_without_residual():
    uv_in = torch.rand(2, 21, 2) * 128
    readout = KeypointResidualReadout2p5D(in_channels=8, predict_uv_residual=False)
    with torch.no_grad():
        readout.fc.bias.fill_(1.)
    uv, z_r = readout(torch.zeros(2, 8), uv_in)
    assert torch.equal(uv, uv_in) and torch.all(z_r == 1)
    readout.predict_uv_residual = True
    uv, _ = readout(torch.zeros(2, 8), uv_in)
    torch.testing.assert_close(uv, uv_in + 128.)


@pytest.mark.parametrize('readout', [dict(type='RegressionReadout2p5D'),
                                     dict(type='HeatmapReadout2p5D', deconv_out_channels=(8, ))])
def test_checkpoint_with_the_old_head_keys_loads(readout):
    """Checkpoints of the head whose read-out layers were its own (``fc``, ``deconv_layers``, ``final_layer``)."""
    head = MODELS.build(dict(type='Hand25DHead', in_channels=16, readout=readout))
    state = {k.replace('readout.', '', 1): torch.randn_like(v) if v.is_floating_point() else v
             for k, v in head.state_dict().items()}
    assert any(k.startswith(('fc.', 'final_layer.')) for k in state)
    other = MODELS.build(dict(type='Hand25DHead', in_channels=16, readout=readout))
    other.load_state_dict(state)
    for key, value in other.state_dict().items():
        assert torch.equal(value, state[key.replace('readout.', '', 1)]), key


def test_lifter_head_has_a_fixed_readout():
    with pytest.raises(ValueError, match='KeypointResidualReadout2p5D'):
        MODELS.build(dict(type='KeypointLifterHead', in_channels=8, readout=dict(type='RegressionReadout2p5D')))
    head = MODELS.build(dict(type='KeypointLifterHead', in_channels=8, predict_uv_residual=False))
    assert isinstance(head.readout, KeypointResidualReadout2p5D) and not head.readout.predict_uv_residual
