# Copyright (c) bmc_mmpose authors. All rights reserved.
import numpy as np
import pytest

from bmc_mmpose.evaluation.functional import error_decomposition, project_points

K = np.array([[500.0, 0.0, 112.0], [0.0, 500.0, 112.0], [0.0, 0.0, 1.0]])


def _hand(rng):
    pts = rng.normal(scale=30.0, size=(1, 21, 3)) + np.array([0.0, 0.0, 700.0])
    return pts


def test_depth_only_error_adds_up_along_rays():
    rng = np.random.default_rng(0)
    gt = _hand(rng)
    dz = rng.uniform(-20, 20, size=(1, 21))
    dz[0, 0] = 0.0  # root kept, so root-relative and absolute depth errors coincide
    rays = gt / gt[..., 2:3]  # K^-1 [u, v, 1] for each joint
    pred = rays * (gt[..., 2:3] + dz[..., None])  # move every joint along its own ray
    gt_2d = project_points(gt, K)
    res = error_decomposition(project_points(pred, K), gt_2d, pred, gt)
    np.testing.assert_allclose(res['err_2d_px'], 0.0, atol=1e-9)
    np.testing.assert_allclose(res['err_z_abs_mm'], np.abs(dz), atol=1e-9)
    np.testing.assert_allclose(res['err_z_rel_mm'], np.abs(dz), atol=1e-9)
    np.testing.assert_allclose(res['err_3d_abs_mm'], np.abs(dz) * np.linalg.norm(rays, axis=-1), atol=1e-9)
    assert res['mean_z_rel_mm'] == pytest.approx(np.abs(dz).mean())


def test_crafted_example_by_hand():
    # Root on the optical axis at 500 mm, one finger joint at the principal point 100 mm behind it.
    gt = np.array([[[0.0, 0.0, 500.0], [0.0, 0.0, 600.0]]])
    # Prediction: root exact; joint 1 shifted 10 px right in the image and 30 mm deeper.
    # Its 3D position: Z = 630, X = 10 * 630 / 500 = 12.6 -> 3D error sqrt(12.6^2 + 30^2).
    pred = np.array([[[0.0, 0.0, 500.0], [12.6, 0.0, 630.0]]])
    pred_2d = project_points(pred, K)
    gt_2d = project_points(gt, K)
    np.testing.assert_allclose(pred_2d[0, 1], [122.0, 112.0])
    res = error_decomposition(pred_2d, gt_2d, pred, gt)
    np.testing.assert_allclose(res['err_2d_px'][0], [0.0, 10.0], atol=1e-9)
    np.testing.assert_allclose(res['err_z_rel_mm'][0], [0.0, 30.0], atol=1e-9)
    np.testing.assert_allclose(res['err_3d_rel_mm'][0], [0.0, np.hypot(12.6, 30.0)], atol=1e-9)
    # 3D^2 = (2D px * Z / f)^2 + Z_err^2 for this joint: the parts add up (in quadrature)
    third = (res['err_2d_px'][0, 1] * pred[0, 1, 2] / 500.0)**2 + res['err_z_rel_mm'][0, 1]**2
    assert res['err_3d_rel_mm'][0, 1]**2 == pytest.approx(third)
    assert res['mean_2d_px'] == pytest.approx(5.0)
    assert res['mean_3d_rel_mm'] == pytest.approx(np.hypot(12.6, 30.0) / 2)
    # Shift the whole prediction 40 mm deeper: absolute depth error changes, root-relative parts do not.
    res2 = error_decomposition(pred_2d, gt_2d, pred + np.array([0, 0, 40.0]), gt)
    assert res2['mean_z_rel_mm'] == pytest.approx(res['mean_z_rel_mm'])
    assert res2['mean_z_abs_mm'] == pytest.approx((40.0 + 70.0) / 2)


def test_masks_and_shapes():
    gt = np.zeros((2, 3, 3)) + np.array([0, 0, 500.0])
    pred_2d = np.zeros((2, 3, 2))
    gt_2d = np.ones((2, 3, 2))
    mask_3d = np.zeros((2, 3), bool)
    res = error_decomposition(pred_2d, gt_2d, gt, gt, mask_3d=mask_3d)
    assert np.isnan(res['mean_3d_rel_mm']) and res['mean_2d_px'] == pytest.approx(np.sqrt(2))
    with pytest.raises(ValueError, match='pred_3d'):
        error_decomposition(pred_2d, gt_2d, gt[:, :2], gt[:, :2])
    assert np.isfinite(project_points(np.zeros((1, 2, 3)), K)).all()
