# Copyright (c) bmc_mmpose authors. All rights reserved.
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from bmc_mmpose.evaluation.functional import (apply_similarity_transform, fit_similarity_transform,
                                              procrustes_align)
from bmc_mmpose.testing.hands import random_joint_cloud


def _random_hands(rng, batch, num_joints=21):
    return random_joint_cloud(rng, scale=40.0, batch=(batch, ), num_joints=num_joints, dtype=np.float64)


def _random_similarity(rng, points):
    rot = Rotation.random(len(points), random_state=rng).as_matrix()
    scale = rng.uniform(0.2, 5.0, size=len(points))
    trans = rng.normal(scale=300.0, size=(len(points), 3))
    return scale[:, None, None] * np.einsum('bik,bjk->bji', rot, points) + trans[:, None]


def test_zero_error_for_any_similarity_transform():
    rng = np.random.default_rng(0)
    gt = _random_hands(rng, 64)
    pred = _random_similarity(rng, gt)
    aligned = procrustes_align(pred, gt)
    assert np.abs(aligned - gt).max() < 1e-8
    # and the raw prediction was indeed far away
    assert np.abs(pred - gt).max() > 10.0


def test_recovers_the_transform():
    rng = np.random.default_rng(1)
    src = _random_hands(rng, 8)
    rot = Rotation.random(8, random_state=rng).as_matrix()
    scale = rng.uniform(0.5, 2.0, size=8)
    trans = rng.normal(size=(8, 3))
    tgt = scale[:, None, None] * np.einsum('bik,bjk->bji', rot, src) + trans[:, None]
    fit = fit_similarity_transform(src, tgt)
    np.testing.assert_allclose(fit.rotation, rot, atol=1e-9)
    np.testing.assert_allclose(fit.scale, scale, rtol=1e-9)
    np.testing.assert_allclose(fit.translation, trans, atol=1e-7)
    np.testing.assert_allclose(np.linalg.det(fit.rotation), 1.0, atol=1e-9)


def test_masked_joints_do_not_enter_the_fit():
    rng = np.random.default_rng(2)
    gt = _random_hands(rng, 16)
    pred = _random_similarity(rng, gt) + rng.normal(scale=3.0, size=gt.shape)
    mask = rng.random(gt.shape[:2]) > 0.3
    mask[:, :4] = True  # at least 4 valid joints per sample
    ref = procrustes_align(pred, gt, mask)
    corrupt_pred, corrupt_gt = pred.copy(), gt.copy()
    corrupt_pred[~mask] = rng.normal(scale=1e4, size=((~mask).sum(), 3))
    corrupt_gt[~mask] = np.nan  # even NaN ground truth at masked joints must not leak
    out = procrustes_align(corrupt_pred, corrupt_gt, mask)
    np.testing.assert_allclose(out[mask], ref[mask], atol=1e-8)
    # the valid joints of the corrupt input are transformed exactly like in the reference
    assert np.isfinite(out).all()


def test_masked_fit_is_exact_on_valid_joints_and_differs_from_unmasked_fit():
    rng = np.random.default_rng(3)
    gt = _random_hands(rng, 4)
    pred = _random_similarity(rng, gt)
    pred[:, 15:] += 80.0  # six joints are badly wrong
    mask = np.ones(gt.shape[:2], bool)
    mask[:, 15:] = False
    masked = procrustes_align(pred, gt, mask)
    assert np.abs(masked[:, :15] - gt[:, :15]).max() < 1e-8
    unmasked = procrustes_align(pred, gt)
    assert np.abs(unmasked[:, :15] - gt[:, :15]).max() > 1.0


def test_reflection_handling():
    rng = np.random.default_rng(4)
    gt = _random_hands(rng, 3)
    mirrored = gt * np.array([-1.0, 1.0, 1.0])
    proper = procrustes_align(mirrored, gt)
    improper = procrustes_align(mirrored, gt, allow_reflection=True)
    assert np.abs(improper - gt).max() < 1e-8
    assert np.abs(proper - gt).max() > 1.0
    fit = fit_similarity_transform(mirrored, gt)
    np.testing.assert_allclose(np.linalg.det(fit.rotation), 1.0, atol=1e-9)


def test_degenerate_inputs_are_finite():
    rng = np.random.default_rng(5)
    gt = _random_hands(rng, 3)
    pred = gt.copy()
    pred[0] = 5.0  # all predicted joints coincide -> scale 0, every joint at the gt centroid
    mask = np.ones(gt.shape[:2], bool)
    mask[1] = False  # no valid joint -> identity
    pred[2] = 0.0
    out = procrustes_align(pred, gt, mask)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out[0], np.broadcast_to(gt[0].mean(0), (21, 3)), atol=1e-9)
    np.testing.assert_allclose(out[1], pred[1])
    single = np.zeros((1, 21), bool)
    single[0, 3] = True  # one valid joint: translation only, scale 0 -> that joint exact
    out1 = procrustes_align(gt[:1] + 7.0, gt[:1], single)
    np.testing.assert_allclose(out1[0, 3], gt[0, 3], atol=1e-9)


def test_unbatched_and_bad_shapes():
    rng = np.random.default_rng(6)
    gt = _random_hands(rng, 1)[0]
    pred = _random_similarity(rng, gt[None])[0]
    assert procrustes_align(pred, gt).shape == (21, 3)
    np.testing.assert_allclose(procrustes_align(pred, gt), gt, atol=1e-8)
    fit = fit_similarity_transform(pred, gt)
    np.testing.assert_allclose(apply_similarity_transform(pred, fit), gt, atol=1e-8)
    with pytest.raises(ValueError, match='same shape'):
        procrustes_align(pred[:20], gt)
    with pytest.raises(ValueError, match='mask'):
        procrustes_align(pred, gt, np.ones(20))


def _server_alignment(gt, pred):
    """The servers' ``align_w_scale`` as datasets.md §2.5 describes it: centre both, normalise each by its
    Frobenius norm, ``R, s = scipy.linalg.orthogonal_procrustes(gt_n, pred_n)``, map pred with ``R^T s`` and undo
    the ground truth's normalisation."""
    from scipy.linalg import orthogonal_procrustes
    gt_c, pred_c = gt - gt.mean(0), pred - pred.mean(0)
    norm_gt, norm_pred = np.linalg.norm(gt_c), np.linalg.norm(pred_c)
    rot, scale = orthogonal_procrustes(gt_c / norm_gt, pred_c / norm_pred)
    return (pred_c / norm_pred) @ rot.T * scale * norm_gt + gt.mean(0)


def test_matches_the_server_alignment_on_noisy_predictions():
    rng = np.random.default_rng(7)
    gt = _random_hands(rng, 20)
    pred = _random_similarity(rng, gt) + rng.normal(scale=15.0, size=gt.shape)
    ours = procrustes_align(pred, gt, allow_reflection=True)
    ours_proper = procrustes_align(pred, gt)
    for i in range(len(gt)):
        np.testing.assert_allclose(ours[i], _server_alignment(gt[i], pred[i]), atol=1e-6)
        # with a hand-like prediction the best fit is a proper rotation, so both modes agree
        np.testing.assert_allclose(ours_proper[i], ours[i], atol=1e-6)
