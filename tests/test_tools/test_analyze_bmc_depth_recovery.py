# Copyright (c) bmc_mmpose authors. All rights reserved.
"""tools/analysis_tools/analyze_bmc_depth_recovery.py: BMC alone, with exact 2D, moves relative depths towards the truth."""
from pathlib import Path

import numpy as np
import pytest
import torch
from bmc_mmpose.testing.tool_modules import load_tool

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope='module')
def tool():
    return load_tool(REPO / 'tools' / 'analysis_tools' / 'analyze_bmc_depth_recovery.py')


@pytest.fixture(scope='module')
def hands_and_loss():
    from bmc_mmpose.limits import compute_bmc_limits
    from bmc_mmpose.models.losses import BMCLoss
    from bmc_mmpose.synthetic import DOMAIN_B_POSES, sample_hands
    joints, K = sample_hands(np.random.default_rng(3), 3040, DOMAIN_B_POSES, 128)
    limits = compute_bmc_limits(joints[:3000])
    bmc = BMCLoss(limits=limits, input_unit='mm', scale_source='given', lambda_bl=1., lambda_rb=1., lambda_a=1.)
    return torch.from_numpy(joints[3000:]).float(), torch.from_numpy(K[3000:]).float(), bmc


def test_exact_2d_depths_move_towards_the_truth(tool, hands_and_loss):
    from bmc_mmpose.geometry.bones import bone_lengths
    from bmc_mmpose.geometry.camera import project
    from bmc_mmpose.geometry.skeleton import REF_BONE
    gt, K, bmc = hands_and_loss
    ref = bone_lengths(gt)[:, REF_BONE]
    uv = project(gt, K)
    root_depth = gt[:, 0, 2]
    true_z = gt[..., 2] - root_depth[:, None]
    start = true_z + ref[:, None] * torch.randn(true_z.shape, generator=torch.Generator().manual_seed(0))
    result = tool.recover_depth_with_bmc(bmc, uv, K, root_depth, ref, start, steps=300, lr=0.1)
    start_joints = tool.back_project(uv, root_depth[:, None] + start * (torch.arange(21) > 0), K)
    before = tool.depth_errors(start_joints, gt)
    after = tool.depth_errors(result['joints'], gt)
    assert result['z_r'][:, 0].abs().max() == 0  # the root stays at its (true) depth
    assert torch.allclose(project(result['joints'], K), uv, atol=1e-3)  # 2D untouched
    assert float(result['loss'].mean()) < 0.5 * float(bmc.terms(start_joints, ref)['loss'].mean())
    assert after['z'] < 0.75 * before['z'], (before, after)


def test_best_of_starts_keeps_the_lowest_loss_per_hand(tool):
    results = dict(loss=torch.tensor([3., 1., 2., 5.]), z_r=torch.arange(4.)[:, None].expand(4, 21))
    best = tool.best_of_starts(results, num_hands=2)  # rows: start 0 = (0, 1), start 1 = (2, 3)
    assert best['loss'].tolist() == [2., 1.]
    assert best['z_r'][:, 0].tolist() == [2., 1.]


def test_command_line_prints_one_row_per_noise_level(tmp_path):
    from bmc_mmpose.testing.small_hand3d_config import write_tiny_config, write_tiny_data
    from .tiny_setup import run_tool
    config = write_tiny_config(tmp_path / 'tiny.py', write_tiny_data(tmp_path / 'data', num=4))
    proc = run_tool([str(REPO / 'tools' / 'analysis_tools' / 'analyze_bmc_depth_recovery.py'), str(config), '--noise-px', '0', '3',
                     '--starts', '2', '--steps', '5'], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [line for line in proc.stdout.splitlines() if line.startswith('| ') and not line.startswith('| 2D')]
    assert len(rows) == 2
    assert rows[0].startswith('| 0.00 |') and float(rows[1].split('|')[1]) > 0  # the measured noise of level 3
    bad = run_tool([str(REPO / 'tools' / 'analysis_tools' / 'analyze_bmc_depth_recovery.py'), str(config), '--init-from',
                    str(tmp_path / 'nowhere')], cwd=tmp_path)
    assert bad.returncode != 0 and 'nowhere/hand3d_predictions.json does not exist' in bad.stderr
