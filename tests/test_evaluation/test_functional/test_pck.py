# Copyright (c) bmc_mmpose authors. All rights reserved.
import numpy as np
import pytest

from bmc_mmpose.evaluation.functional import (DO_THRESHOLDS_MM, FREIHAND_THRESHOLDS_MM, auc_from_curve, pck_auc,
                                              pck_per_keypoint)


def test_threshold_grids():
    assert FREIHAND_THRESHOLDS_MM.shape == (100, )
    assert FREIHAND_THRESHOLDS_MM[0] == 0.0 and FREIHAND_THRESHOLDS_MM[-1] == 50.0
    assert DO_THRESHOLDS_MM[0] == 20.0 and DO_THRESHOLDS_MM[-1] == 50.0


def test_perfect_prediction_auc_is_one():
    res = pck_auc(np.zeros((10, 21)))
    assert res['auc'] == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(res['curve'], 1.0)


def test_constant_60mm_error_auc_is_zero():
    res = pck_auc(np.full((10, 21), 60.0))
    assert res['auc'] == 0.0
    res = pck_auc(np.full((10, 21), 60.0), thresholds=DO_THRESHOLDS_MM)
    assert res['auc'] == 0.0


def test_20_50_variant_matches_hand_computation():
    # Errors 10, 30 and 45 mm on one keypoint: PCK(t) = 1/3 for 20 <= t < 30, 2/3 for 30 <= t < 45, 1 from 45.
    errors = np.array([[10.0], [30.0], [45.0]])
    thr = np.array([20.0, 30.0, 40.0, 50.0])
    res = pck_auc(errors, thresholds=thr)
    # PCK at the thresholds: 1/3, 2/3, 2/3, 1. Trapezoids: 10*(1/3+2/3)/2 + 10*(2/3+2/3)/2 + 10*(2/3+1)/2 = 5 +
    # 20/3 + 25/3 = 20; normalised by 30 -> 2/3.
    assert res['auc'] == pytest.approx(2.0 / 3.0, abs=1e-12)
    np.testing.assert_allclose(res['curve'], [1 / 3, 2 / 3, 2 / 3, 1.0])


def test_20_50_default_grid_matches_hand_computation():
    # A single keypoint with a constant error e: PCK is 0 below e and 1 from the first threshold >= e.
    # With 20 thresholds spaced 30/19 mm, e = 35 mm: first threshold >= 35 is index ceil(15 * 19 / 30) = 10
    # (t_10 = 20 + 10 * 30/19 = 35.789...), the step is linearly interpolated over [t_9, t_10], so the area is
    # (50 - t_10) + (t_10 - t_9) / 2 and the AUC that area / 30.
    res = pck_auc(np.full((4, 1), 35.0), thresholds=DO_THRESHOLDS_MM)
    step = 30.0 / 19.0
    t9, t10 = 20 + 9 * step, 20 + 10 * step
    expected = ((50.0 - t10) + (t10 - t9) / 2) / 30.0
    assert res['auc'] == pytest.approx(expected, abs=1e-12)


def test_per_keypoint_then_averaged_and_mask():
    # keypoint 0 always perfect, keypoint 1 always 60 mm off, keypoint 2 never valid -> AUC = (1 + 0) / 2
    errors = np.zeros((5, 3))
    errors[:, 1] = 60.0
    errors[:, 2] = 1e9
    mask = np.ones((5, 3), bool)
    mask[:, 2] = False
    res = pck_auc(errors, mask)
    assert res['auc'] == pytest.approx(0.5)
    assert res['num_keypoints'] == 2
    assert np.isnan(res['auc_per_keypoint'][2])
    # per-keypoint averaging differs from pooling when keypoints have different sample counts
    errors = np.array([[0.0, 60.0], [0.0, 0.0], [0.0, 0.0]])
    mask = np.array([[True, True], [False, True], [False, True]])
    curves = pck_per_keypoint(errors, FREIHAND_THRESHOLDS_MM, mask)
    np.testing.assert_allclose(curves[0], 1.0)
    np.testing.assert_allclose(curves[1], 2.0 / 3.0)
    assert pck_auc(errors, mask)['auc'] == pytest.approx((1.0 + 2.0 / 3.0) / 2)


def test_less_or_equal_and_non_finite():
    res = pck_per_keypoint(np.array([[20.0], [np.nan]]), np.array([19.0, 20.0]))
    np.testing.assert_allclose(res[0], [0.0, 0.5])


def test_auc_normalisation_and_errors():
    thr = np.linspace(0, 50, 100)
    assert auc_from_curve(thr / 50.0, thr) == pytest.approx(0.5)
    with pytest.raises(ValueError, match='increasing'):
        auc_from_curve(np.ones(3), np.array([0.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match='errors'):
        pck_auc(np.zeros(5))
    assert np.isnan(pck_auc(np.zeros((2, 2)), np.zeros((2, 2), bool))['auc'])


def test_matches_a_per_keypoint_loop_like_the_official_evaluator():
    """A direct transcription of the protocol in the pck module docstring (loops, one keypoint at a time)."""
    rng = np.random.default_rng(3)
    errors = rng.gamma(2.0, 8.0, size=(50, 21))
    mask = rng.random((50, 21)) > 0.2
    thr = np.linspace(0.0, 50.0, 100)
    aucs, curves = [], []
    for k in range(21):
        data = errors[mask[:, k], k]
        curve = np.array([np.mean(data <= t) for t in thr])
        curves.append(curve)
        aucs.append(np.trapezoid(curve, thr) / np.trapezoid(np.ones_like(thr), thr))
    res = pck_auc(errors, mask)
    assert res['auc'] == pytest.approx(np.mean(aucs), abs=1e-12)
    np.testing.assert_allclose(res['curve'], np.mean(curves, axis=0), atol=1e-12)
