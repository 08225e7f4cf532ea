# Copyright (c) bmc_mmpose authors. All rights reserved.
import cv2
import numpy as np
import pytest

from bmc_mmpose.datasets import (HandCropAffine, Rhd3DDataset, apply_affine, crop_affine_matrix, crop_intrinsics,
                                 project_points)
from bmc_mmpose.testing import dataset_fixtures as fx

AUG = dict(input_size=(128, 128), scale_factor=0.3, shift_factor=0.15, rotate_factor=180., rotate_prob=1.)


def random_K(rng, skew=0.):
    return np.array([[rng.uniform(200, 900), skew, rng.uniform(50, 300)], [0, rng.uniform(200, 900),
                                                                        rng.uniform(50, 300)], [0, 0, 1]])


@pytest.mark.parametrize('anisotropic,skew', [(False, 0.), (True, 0.), (True, 3.)])
def test_new_K_projects_rotated_joints_exactly(anisotropic, skew):
    rng = np.random.RandomState(0)
    for _ in range(50):
        cam_K = random_K(rng, skew)
        if not anisotropic:
            cam_K[1, 1] = cam_K[0, 0]
        xyz = rng.uniform([-100, -100, 300], [100, 100, 900], size=(21, 3))
        hom, rot_z = crop_affine_matrix(rng.uniform(50, 250, 2), rng.uniform(20, 200, (1, ))[[0, 0]],
                                        rng.uniform(-180, 180), (128, 96))
        new_K = crop_intrinsics(cam_K, hom, rot_z)
        uv_new = project_points(xyz @ rot_z.T, new_K)
        np.testing.assert_allclose(uv_new, apply_affine(project_points(xyz, cam_K), hom), atol=1e-8)
        np.testing.assert_allclose(new_K[2], [0, 0, 1], atol=1e-12)
        if not anisotropic:
            # fx = fy, no skew: the crop K is again a plain pinhole K with focal s * f.
            assert abs(new_K[0, 1]) < 1e-9 and abs(new_K[1, 0]) < 1e-9
            assert new_K[0, 0] == pytest.approx(new_K[1, 1])


def test_no_rotation_matches_mmpose_input_center_scale():
    rng = np.random.RandomState(1)
    center, size = np.array([150., 120.]), np.array([90., 90.])
    hom, rot_z = crop_affine_matrix(center, size, 0., (128, 128))
    assert np.allclose(rot_z, np.eye(3))
    pts = rng.uniform(0, 300, (21, 2))
    crop = apply_affine(pts, hom)
    # MMPose's TopdownPoseEstimator.add_pred_to_datasample inverse mapping.
    back = crop / np.array([128, 128]) * size + center - 0.5 * size
    np.testing.assert_allclose(back, pts, atol=1e-9)


def _results(info, img):
    results = dict(info, img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2])
    return results


def test_degenerate_box_is_finite():
    results = dict(img=np.zeros((50, 60, 3), np.uint8), bbox=np.array([[10, 10, 10, 10]], np.float32),
                   cam_K=np.array([[100, 0, 30], [0, 100, 25], [0, 0, 1]], np.float32),
                   keypoints=np.full((1, 21, 2), 10, np.float32),
                   keypoints_3d=np.tile(np.array([0, 0, 500], np.float32), (1, 21, 1)))
    out = HandCropAffine(**AUG)(results)
    assert out['img'].shape == (128, 128, 3)
    for key in ('cam_K', 'warp_mat', 'transformed_keypoints', 'keypoints_3d'):
        assert np.all(np.isfinite(out[key])), key


def test_errors():
    with pytest.raises(ValueError, match='input_size'):
        HandCropAffine(input_size=(128, ))
    with pytest.raises(KeyError, match='cam_K'):
        HandCropAffine()(dict(img=np.zeros((8, 8, 3), np.uint8), bbox=np.zeros((1, 4)), img_path='x.png'))


def test_image_follows_annotations_for_mirrored_and_plain(tmp_path):
    """A dot drawn at a joint's pixel in the stored (unmirrored) image lands on that joint's crop coordinate."""
    fx.write_synthetic_rhd(tmp_path / 'rhd', 'training', num_samples=4, seed=7)
    ds = Rhd3DDataset(str(tmp_path / 'rhd'), 'training', hand='auto')
    transform = HandCropAffine(**AUG)
    np.random.seed(0)
    seen_mirrored = set()
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        seen_mirrored.add(info['mirrored'])
        u, v = info['keypoints'][0, 9]  # middle MCP, in the annotation (possibly mirrored) frame
        raw_u = 319 - u if info['mirrored'] else u
        img = np.zeros((320, 320, 3), np.uint8)
        cv2.circle(img, (int(round(raw_u)), int(round(v))), 3, (255, 255, 255), -1)
        for _ in range(3):
            out = transform(_results(info, img.copy()))
            ys, xs = np.nonzero(out['img'][..., 0] > 64)
            assert len(xs) > 0
            centroid = np.array([xs.mean(), ys.mean()])
            assert np.linalg.norm(centroid - out['transformed_keypoints'][0, 9]) < 1.5
            np.testing.assert_allclose(out['img_warp_mat'], out['warp_mat'] @ (
                fx_mirror(info['mirrored'])), atol=1e-4)
    assert seen_mirrored == {True, False}


def fx_mirror(mirrored):
    return np.array([[-1, 0, 319], [0, 1, 0], [0, 0, 1]], np.float64) if mirrored else np.eye(3)


def _check_consistency(ds, transform, draws, label_tolerance):
    """After augmentation, proj(K', X') equals the warped proj(K, X) to 1e-3 px, and the warped 2D labels."""
    worst = 0.
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        img = np.zeros((320, 320, 3), np.uint8)
        for _ in range(draws):
            out = transform(_results(info, img))
            uv_new = project_points(out['keypoints_3d'][0], out['cam_K'])
            warp = np.vstack([out['warp_mat'], [0, 0, 1]]).astype(np.float64)
            uv_orig = project_points(info['keypoints_3d'][0], info['cam_K'])
            err = np.abs(uv_new - apply_affine(uv_orig, warp)).max()
            assert err < 1e-3, err
            scale = np.sqrt(abs(np.linalg.det(warp[:2, :2])))
            label_err = np.abs(uv_new - out['transformed_keypoints'][0]).max()
            assert label_err < label_tolerance * scale + 1e-3, (label_err, scale)
            worst = max(worst, err)
            # Rotation about the optical axis keeps depth and bone lengths.
            np.testing.assert_allclose(out['keypoints_3d'][0, :, 2], info['keypoints_3d'][0, :, 2], rtol=1e-6)
    return worst


def test_projection_exact_on_synthetic_rhd(tmp_path):
    fx.write_synthetic_rhd(tmp_path / 'rhd', 'training', num_samples=6, seed=8)
    ds = Rhd3DDataset(str(tmp_path / 'rhd'), 'training')
    np.random.seed(1)
    _check_consistency(ds, HandCropAffine(**AUG), draws=10, label_tolerance=1e-4)


def test_projection_exact_on_real_rhd(real_samples_dir, tmp_path):
    fx.rhd_fixture_from_real_samples(real_samples_dir, tmp_path / 'rhd')
    ds = Rhd3DDataset(str(tmp_path / 'rhd'), 'evaluation')
    assert {ds.get_data_info(i)['mirrored'] for i in range(len(ds))} == {True, False}
    np.random.seed(2)
    # The real labels themselves reproject to within 0.08 px; the transform adds no error of its own.
    worst = _check_consistency(ds, HandCropAffine(**AUG), draws=30, label_tolerance=0.08)
    assert worst < 1e-3
