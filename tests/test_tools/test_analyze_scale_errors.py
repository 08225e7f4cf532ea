# Copyright (c) bmc_mmpose authors. All rights reserved.
"""tools/analysis_tools/analyze_scale_errors.py: the scale-versus-shape decomposition on crafted predictions."""
from pathlib import Path

import numpy as np
import pytest
from bmc_mmpose.testing.tool_modules import load_tool

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope='module')
def tool():
    return load_tool(REPO / 'tools' / 'analysis_tools' / 'analyze_scale_errors.py')


def _hands(n=4, seed=0):
    rng = np.random.default_rng(seed)
    hands = rng.normal(scale=40.0, size=(n, 21, 3))
    hands[:, :, 2] += rng.uniform(400, 700, size=(n, 1))
    return hands


def test_a_scaled_hand_is_all_scale_error(tool):
    gt = _hands()
    pred = gt.copy()
    pred[:, 1:] = gt[:, :1] + 1.3 * (gt[:, 1:] - gt[:, :1])  # 30 % too large about the (correct) root
    s = tool.scale_error_summary(pred, gt)
    expected = 0.3 * np.linalg.norm(gt[:, 1:] - gt[:, :1], axis=-1).sum() / (gt.shape[0] * 21)
    assert s['epe_rel'] == pytest.approx(expected)
    assert s['epe_rel_scale_fitted'] == pytest.approx(0.0, abs=1e-9)
    assert s['size_ratio_median'] == pytest.approx(1.3)
    assert s['root_depth_ratio_median'] == pytest.approx(1.0)


def test_root_depth_ratio_and_parts(tool):
    gt = _hands()
    pred = gt.copy()
    pred[:, :, 2] *= 0.8  # every joint 20 % closer: root depth ratio 0.8, xy untouched
    s = tool.scale_error_summary(pred, gt)
    assert s['root_depth_ratio_q25'] == s['root_depth_ratio_median'] == pytest.approx(0.8)
    assert s['epe_rel_xy'] == pytest.approx(0.0, abs=1e-9)
    assert s['epe_rel_z'] > 0 and s['epe_rel'] == pytest.approx(
        np.linalg.norm((pred - pred[:, :1]) - (gt - gt[:, :1]), axis=-1).mean())


def test_collapsed_prediction_is_finite(tool):
    gt = _hands()
    pred = np.repeat(gt[:, :1], 21, axis=1)  # every joint at the root
    s = tool.scale_error_summary(pred, gt)
    assert all(np.isfinite(v) for v in s.values())
    assert s['size_ratio_median'] == 0.0


def test_true_root_and_true_depth_oracles(tool):
    gt = _hands()
    # the truth's 2D rays, the truth's relative depths, but every hand 25 % too far: only the root depth is wrong
    pred = gt.copy()
    shift = 0.25 * gt[:, :1, 2:3]
    pred[..., 2:3] += shift
    pred[..., :2] *= pred[..., 2:3] / gt[..., 2:3]  # same rays
    s = tool.scale_error_summary(pred, gt)
    assert s['epe_rel'] > 1.0
    assert s['epe_rel_true_root'] == pytest.approx(0.0, abs=1e-9)
    assert s['epe_rel_true_depths'] == pytest.approx(0.0, abs=1e-9)
    # wrong 2D rays: the true-depth oracle keeps exactly the 2D part of the error
    pred2 = gt.copy()
    pred2[:, 5, 0] += 10.0 * gt[:, 5, 2] / 500.0
    s2 = tool.scale_error_summary(pred2, gt)
    assert s2['epe_rel_true_depths'] == pytest.approx(s2['epe_rel'])
    assert s2['epe_rel_true_depths'] > 0


def test_joints_predicted_behind_the_camera_keep_their_rays(tool):
    gt = _hands()
    pred = gt.copy()
    pred[0, 7] *= -1.0  # same ray through the camera centre, depth < 0 (a root depth predicted far too small)
    s = tool.scale_error_summary(pred, gt)
    assert s['epe_rel'] > 10.0
    assert s['epe_rel_true_depths'] == pytest.approx(0.0, abs=1e-9)
