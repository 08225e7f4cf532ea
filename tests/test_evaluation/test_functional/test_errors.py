# Copyright (c) bmc_mmpose authors. All rights reserved.
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from bmc_mmpose.evaluation.functional import epe_summary, errors_3d


def test_three_alignments():
    rng = np.random.default_rng(0)
    gt = rng.normal(scale=40.0, size=(6, 21, 3)) + np.array([0, 0, 500.0])
    shift = np.array([3.0, -4.0, 12.0])
    # pure translation: absolute error = |shift|, root-relative and aligned errors 0
    res = errors_3d(gt + shift, gt)
    np.testing.assert_allclose(res['abs'], 13.0)
    np.testing.assert_allclose(res['rel'], 0.0, atol=1e-9)
    np.testing.assert_allclose(res['aligned'], 0.0, atol=1e-8)
    # rotation about the wrist: root-relative error > 0, aligned 0
    rot = Rotation.from_euler('z', 30, degrees=True).as_matrix()
    pred = (gt - gt[:, :1]) @ rot.T + gt[:, :1]
    res = errors_3d(pred, gt)
    assert res['rel'][:, 1:].min() > 0.0
    np.testing.assert_allclose(res['aligned'], 0.0, atol=1e-8)
    # invalid root removes the sample from the root-relative mask
    mask = np.ones((6, 21), bool)
    mask[2, 0] = False
    res = errors_3d(gt, gt, mask)
    assert not res['mask_rel'][2].any() and res['mask_rel'][3].all()


def test_epe_summary_per_keypoint_then_averaged():
    errors = np.array([[1.0, 10.0], [2.0, 20.0], [6.0, 90.0]])
    mask = np.array([[True, True], [True, True], [True, False]])
    res = epe_summary(errors, mask)
    assert res['mean'] == pytest.approx((3.0 + 15.0) / 2)
    assert res['median'] == pytest.approx((2.0 + 15.0) / 2)
    assert res['mean_pooled'] == pytest.approx(39.0 / 5)
    assert res['median_pooled'] == pytest.approx(6.0)
    assert res['count'] == 5
    empty = epe_summary(errors, np.zeros_like(mask))
    assert empty['count'] == 0 and np.isnan(empty['mean'])
    with pytest.raises(ValueError, match='mask'):
        epe_summary(errors, mask[:2])
