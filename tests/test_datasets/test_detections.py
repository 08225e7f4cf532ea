# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Detections files (OpenPose, plain), LoadDetectedKeypoints2D, ImageFolderHandDataset and the detector simulator."""
import json

import cv2
import numpy as np
import pytest

from bmc_mmpose.datasets import Rhd3DDataset
from bmc_mmpose.datasets.detections import (PLAIN_FORMAT, HandDetection, load_detections, path_key_candidates,
                                            write_detections)
from bmc_mmpose.datasets.detector_simulator import hand_sizes, simulate_detections, write_simulated_detections
from bmc_mmpose.datasets.image_folder_dataset import ImageFolderHandDataset, default_focal_intrinsics
from bmc_mmpose.datasets.transforms.load_detected_keypoints import LoadDetectedKeypoints2D
from bmc_mmpose.geometry.skeleton import RHD_TO_FREIHAND
from bmc_mmpose.testing import dataset_fixtures as fx

from bmc_mmpose.testing.dataset_checks import check_contract


def _hand(rng, offset=(100., 80.), conf=None):
    kpts = rng.uniform(0, 60, (21, 2)) + np.asarray(offset)
    conf = rng.uniform(0.3, 1.0, 21) if conf is None else np.asarray(conf, np.float64)
    return kpts, conf


def _triplets(kpts, conf):
    return [[float(u), float(v), float(c)] for (u, v), c in zip(kpts, conf)]


def _openpose_flat(kpts, conf):
    return [float(x) for (u, v), c in zip(kpts, conf) for x in (u, v, c)]


# ------------------------------------------------------------------------------------------------------------
# readers
# ------------------------------------------------------------------------------------------------------------
def test_plain_format_loads_with_missing_and_thresholded_joints(tmp_path):
    rng = np.random.RandomState(0)
    kpts, conf = _hand(rng)
    rows = _triplets(kpts, conf)
    rows[3] = None  # missing joint
    rows[7] = [float(kpts[7, 0]), float(kpts[7, 1])]  # no confidence given -> 1
    rows[9][2] = 0.05  # below the threshold used below
    left_kpts, left_conf = _hand(rng, offset=(10., 10.))
    data = dict(format=PLAIN_FORMAT, keypoint_order='freihand', images={
        'training/rgb/00000001.jpg': dict(keypoints=rows, hand='right'),
        'both.png': [dict(keypoints=_triplets(kpts, conf)),
                     dict(keypoints=_triplets(left_kpts, left_conf), hand='left', image_size=[320, 240])],
    })
    path = tmp_path / 'det.json'
    path.write_text(json.dumps(data))
    dets = load_detections(path)
    assert len(dets) == 2
    det = dets.get('training/rgb/00000001.jpg', 'right')
    weights = det.weights(min_confidence=0.1)
    expected = conf.astype(np.float32).copy()
    expected[3], expected[7], expected[9] = 0., 1., 0.
    np.testing.assert_allclose(weights, expected, rtol=1e-6)
    assert np.isnan(det.keypoints[3]).all() and np.all(det.keypoints_filled()[3] == 0)
    np.testing.assert_allclose(det.keypoints[7], kpts[7], rtol=1e-6)
    # two hands for one image, the left one with its image size
    assert set(dets.sides('both.png')) == {'right', 'left'}
    assert dets.get('both.png', 'left').image_size == (320, 240)
    assert dets.get('both.png').hand == ('right' if conf.sum() > left_conf.sum() else 'left')
    # key lookup: any trailing part of the path, with or without extension
    assert dets.find_key('/data/freihand/training/rgb/00000001.jpg') == 'training/rgb/00000001.jpg'
    assert dets.find_key('/data/freihand/training/rgb/00000002.jpg') is None
    assert dets.find_key('/x/both.png', image_root='/x') == 'both.png'
    assert dets.find_key('/x/y/both.png', image_root='/x') is None


def test_plain_format_keypoint_order_conversion(tmp_path):
    rng = np.random.RandomState(1)
    kpts, conf = _hand(rng)
    rhd_order = np.empty_like(kpts)
    rhd_order[np.asarray(RHD_TO_FREIHAND)] = kpts  # ours = theirs[PERM]  <=>  theirs[PERM] = ours
    path = tmp_path / 'rhd.json'
    rhd_conf = np.empty_like(conf)
    rhd_conf[np.asarray(RHD_TO_FREIHAND)] = conf
    path.write_text(json.dumps(dict(format=PLAIN_FORMAT, keypoint_order='rhd',
                                    images={'a.png': dict(keypoints=_triplets(rhd_order, rhd_conf))})))
    det = load_detections(path).get('a.png', 'right')
    np.testing.assert_allclose(det.keypoints, kpts, rtol=1e-6)
    np.testing.assert_allclose(det.confidence, conf, rtol=1e-6)


def test_openpose_folder_and_single_file(tmp_path):
    rng = np.random.RandomState(2)
    weak, weak_conf = _hand(rng, conf=np.full(21, 0.2))
    strong, strong_conf = _hand(rng)
    strong_conf[[4, 8]] = 0.
    strong[[4, 8]] = 0.  # OpenPose writes undetected joints as 0, 0, 0
    left, left_conf = _hand(rng, offset=(200., 50.))
    folder = tmp_path / 'openpose'
    folder.mkdir()
    frame = dict(version=1.3, people=[
        dict(person_id=[-1], pose_keypoints_2d=[], hand_right_keypoints_2d=_openpose_flat(weak, weak_conf),
             hand_left_keypoints_2d=[]),
        dict(person_id=[-1], pose_keypoints_2d=[], hand_right_keypoints_2d=_openpose_flat(strong, strong_conf),
             hand_left_keypoints_2d=_openpose_flat(left, left_conf)),
    ])
    (folder / 'img_0001_keypoints.json').write_text(json.dumps(frame))
    (folder / 'img_0002_keypoints.json').write_text(json.dumps(dict(version=1.3, people=[])))
    dets = load_detections(folder)
    assert set(dets.keys()) == {'img_0001', 'img_0002'}
    right = dets.get('img_0001', 'right')
    np.testing.assert_allclose(right.keypoints_filled(), np.where(strong_conf[:, None] > 0, strong, 0), rtol=1e-6)
    weights = right.weights()
    assert weights[4] == 0 and weights[8] == 0
    np.testing.assert_allclose(np.delete(weights, [4, 8]), np.delete(strong_conf, [4, 8]), rtol=1e-6)
    np.testing.assert_allclose(dets.get('img_0001', 'left').keypoints, left, rtol=1e-6)
    assert dets.get('img_0002') is None  # nobody detected
    # OpenPose keys are image stems: the image path matches without its extension
    assert dets.find_key('/images/img_0001.jpg') == 'img_0001'
    single = load_detections(folder / 'img_0001_keypoints.json')
    assert single.keys() == ['img_0001']


def test_reader_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.json'):
        load_detections(tmp_path / 'nope.json')
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps(dict(format='something/else')))
    with pytest.raises(ValueError, match='bad.json.*unknown detections format'):
        load_detections(bad)
    short = tmp_path / 'short.json'
    short.write_text(json.dumps(dict(format=PLAIN_FORMAT, images={'a.png': dict(keypoints=[[1, 2, 0.5]] * 20)})))
    with pytest.raises(ValueError, match=r"short.json.*'a.png'.*20 entries"):
        load_detections(short)
    side = tmp_path / 'side.json'
    entry = dict(keypoints=[[1, 2, 1]] * 21, hand='middle')
    side.write_text(json.dumps(dict(format=PLAIN_FORMAT, images={'a.png': entry})))
    with pytest.raises(ValueError, match='hand'):
        load_detections(side)


def test_writer_round_trip(tmp_path):
    rng = np.random.RandomState(3)
    kpts = rng.uniform(0, 100, (3, 21, 2))
    conf = rng.uniform(0, 1, (3, 21))
    conf[1, 5] = 0.
    path = write_detections(tmp_path / 'sub' / 'out.json', ['a.png', 'b/c.png', 'a.png'], kpts, conf,
                            hands=['right', 'right', 'left'], image_sizes=[(100, 90), None, (100, 90)])
    assert json.loads(path.read_text())['format'] == PLAIN_FORMAT
    dets = load_detections(path)
    np.testing.assert_allclose(dets.get('b/c.png', 'right').keypoints_filled()[[0, 6]], kpts[1, [0, 6]], atol=1e-3)
    assert dets.get('b/c.png', 'right').weights()[5] == 0
    np.testing.assert_allclose(dets.get('a.png', 'left').weights(), conf[2], atol=1e-5)
    with pytest.raises(ValueError, match='two right hands'):
        write_detections(tmp_path / 'x.json', ['a', 'a'], kpts[:2], conf[:2])


def test_path_key_candidates_order():
    assert path_key_candidates('/r/a/b.jpg')[:4] == ['/r/a/b.jpg', 'r/a/b.jpg', 'a/b.jpg', 'b.jpg']
    assert path_key_candidates('/r/a/b.jpg', image_root='/r') == ['a/b.jpg', 'a/b']


# ------------------------------------------------------------------------------------------------------------
# transform
# ------------------------------------------------------------------------------------------------------------
def _results(img_path, mirrored=False, width=320):
    return dict(img_path=img_path, img_id=0, sample_idx=0, mirrored=mirrored, ori_shape=(240, width),
                keypoints=np.full((1, 21, 2), 7., np.float32), keypoints_visible=np.ones((1, 21), np.float32),
                bbox=np.array([[1., 2., 3., 4.]], np.float32))


@pytest.fixture
def det_file(tmp_path):
    rng = np.random.RandomState(4)
    right, right_conf = _hand(rng)
    left, left_conf = _hand(rng, offset=(30., 40.))
    right_conf[2] = 0.  # missing
    right_conf[6] = 0.1
    path = write_detections(tmp_path / 'det.json', ['color/00001.png', 'color/00001.png', 'color/00002.png'],
                            np.stack([right, left, right]), np.stack([right_conf, left_conf, right_conf]),
                            hands=['right', 'left', 'right'])
    return str(path), right, right_conf, left, left_conf


def test_transform_replaces_label_by_detection(det_file):
    path, right, right_conf, _, _ = det_file
    out = LoadDetectedKeypoints2D(path, min_confidence=0.2, keep_original_as='keypoints_label')(
        _results('/data/rhd/training/color/00001.png'))
    expected_w = np.where(right_conf >= 0.2, right_conf, 0.).astype(np.float32)
    np.testing.assert_allclose(out['keypoints_visible'][0], expected_w, atol=1e-5)
    used = expected_w > 0
    np.testing.assert_allclose(out['keypoints'][0][used], right[used], atol=1e-3)
    assert np.all(out['keypoints'][0][~used] == 0)
    assert out['keypoints'].shape == (1, 21, 2) and out['keypoints'].dtype == np.float32
    assert np.all(out['keypoints_label'] == 7.)
    np.testing.assert_array_equal(out['bbox'], [[1., 2., 3., 4.]])  # box kept by default


def test_transform_unweighted_mode_gives_binary_weights(det_file):
    path, right, right_conf, _, _ = det_file
    out = LoadDetectedKeypoints2D(path, min_confidence=0.2, confidence_as_weight=False)(
        _results('/data/rhd/training/color/00001.png'))
    expected_w = (right_conf >= 0.2).astype(np.float32)  # the missing joint (conf 0) and joint 6 (0.1) stay 0
    np.testing.assert_array_equal(out['keypoints_visible'][0], expected_w)
    assert expected_w[2] == 0 and expected_w[6] == 0 and expected_w.sum() == 19


def test_transform_mirrors_left_hands_and_boxes(det_file):
    path, _, _, left, left_conf = det_file
    out = LoadDetectedKeypoints2D(path, bbox_from_detections=True)(
        _results('/data/rhd/training/color/00001.png', mirrored=True, width=320))
    expected = left.copy()
    expected[:, 0] = 319. - expected[:, 0]
    np.testing.assert_allclose(out['keypoints'][0], expected, atol=1e-3)
    np.testing.assert_allclose(out['keypoints_visible'][0], left_conf, atol=1e-5)
    np.testing.assert_allclose(out['bbox'][0], np.r_[expected.min(0), expected.max(0)], atol=1e-3)


def test_transform_missing_entry_error_or_zero_weight(det_file):
    path = det_file[0]
    with pytest.raises(KeyError, match=r'det.json.*00003.png'):
        LoadDetectedKeypoints2D(path)(_results('/data/rhd/training/color/00003.png'))
    # the entry exists, but only with a right hand, and the sample is a (mirrored) left hand
    with pytest.raises(KeyError, match='no left hand'):
        LoadDetectedKeypoints2D(path)(_results('/data/rhd/training/color/00002.png', mirrored=True))
    out = LoadDetectedKeypoints2D(path, on_missing='zero_weight')(_results('/data/color/00003.png'))
    assert np.all(out['keypoints_visible'] == 0) and np.all(out['keypoints'] == 0)
    with pytest.raises(RuntimeError, match='before HandCropAffine'):
        LoadDetectedKeypoints2D(path)(dict(_results('/x/color/00001.png'), transformed_keypoints=np.zeros((1, 21, 2))))
    with pytest.raises(ValueError, match='on_missing'):
        LoadDetectedKeypoints2D(path, on_missing='ignore')


def test_confidences_reach_the_packed_labels_in_an_rhd_pipeline(tmp_path):
    """RHD (odd ids are mirrored left hands) + detections -> HandCropAffine -> PackHand3DInputs."""
    fx.write_synthetic_rhd(tmp_path / 'rhd', 'training', num_samples=4, seed=5)
    plain = Rhd3DDataset(str(tmp_path / 'rhd'), 'training', supervision='2d')
    rng = np.random.RandomState(6)
    keys, kpts, conf, hands = [], [], [], []
    for i in range(len(plain)):
        info = plain.get_data_info(i)
        uv = info['keypoints'][0].astype(np.float64).copy()
        if info['mirrored']:  # detections refer to the image as stored
            uv[:, 0] = 319. - uv[:, 0]
        keys.append('training/color/%05d.png' % info['img_id'])
        kpts.append(uv + rng.normal(0, 1.0, uv.shape))
        conf.append(rng.uniform(0.1, 1.0, 21))
        hands.append('left' if info['mirrored'] else 'right')
    conf[0][5] = 0.
    path = write_detections(tmp_path / 'det.json', keys, np.stack(kpts), np.stack(conf), hands)
    pipeline = [dict(type='LoadImage'), dict(type='LoadDetectedKeypoints2D', detections_file=str(path)),
                dict(type='HandCropAffine', input_size=(64, 64), padding=1.4), dict(type='PackHand3DInputs')]
    ds = Rhd3DDataset(str(tmp_path / 'rhd'), 'training', supervision='2d', pipeline=pipeline)
    assert any(plain.get_data_info(i)['mirrored'] for i in range(len(plain)))
    for i in range(len(ds)):
        info = plain.get_data_info(i)
        packed = ds[i]['data_samples']
        np.testing.assert_allclose(packed.gt_instance_labels.keypoint_weights.numpy()[0], conf[i], atol=1e-5)
        # the detection lives in the (mirrored) annotation frame: within the 1 px noise of the label
        err = np.abs(packed.gt_instances.keypoints[0] - info['keypoints'][0])
        assert np.all(err[conf[i] > 0] < 6.), err.max()
        assert packed.gt_instance_labels.has_3d[0] == 0


# ------------------------------------------------------------------------------------------------------------
# image folder dataset
# ------------------------------------------------------------------------------------------------------------
@pytest.fixture
def image_folder(tmp_path):
    root = tmp_path / 'images'
    (root / 'sub').mkdir(parents=True)
    sizes = {'a.jpg': (160, 120), 'sub/b.png': (100, 200), 'c.png': (90, 90)}
    rng = np.random.RandomState(7)
    for name, (w, h) in sizes.items():
        cv2.imwrite(str(root / name), rng.randint(0, 255, (h, w, 3)).astype(np.uint8))
    a, a_conf = _hand(rng, offset=(20., 20.))
    b, b_conf = _hand(rng, offset=(10., 50.))
    a_conf[0] = 0.05
    det = write_detections(tmp_path / 'det.json', ['a.jpg', 'sub/b.png'], np.stack([a, b]),
                           np.stack([a_conf, b_conf]), hands=['right', 'left'])
    return root, str(det), sizes, dict(a=(a, a_conf), b=(b, b_conf))


def test_image_folder_dataset_contract(image_folder):
    root, det, sizes, truth = image_folder
    ds = ImageFolderHandDataset(str(root), det, min_confidence=0.1, on_missing='skip')
    assert len(ds) == 2 and ds.skip_counts['no detection'] == 1
    infos = {info['img_path'][len(str(root)) + 1:]: info for info in (ds.get_data_info(i) for i in range(len(ds)))}
    for info in infos.values():
        check_contract(info)
        assert info['has_3d'][0] == 0 and info['has_3d_eval'][0] == 0 and info['ref_bone_length'][0] == 0
        assert info['dataset_name'] == 'image_folder'
    a, a_conf = truth['a']
    info = infos['a.jpg']
    np.testing.assert_allclose(info['cam_K'], default_focal_intrinsics(160, 120), atol=1e-4)
    assert info['cam_K'][0, 0] == 160. and info['cam_K'][0, 2] == 80. and info['cam_K'][1, 2] == 60.
    assert not info['mirrored'] and info['keypoints_visible'][0, 0] == 0
    np.testing.assert_allclose(info['keypoints_visible'][0, 1:], a_conf[1:], atol=1e-5)
    np.testing.assert_allclose(info['keypoints'][0, 1:], a[1:], atol=1e-3)
    np.testing.assert_allclose(info['bbox'][0], np.r_[a[1:].min(0), a[1:].max(0)], atol=1e-3)
    # left hand: mirrored to a right hand, K mirrored with it
    b, b_conf = truth['b']
    info = infos['sub/b.png']
    assert info['mirrored']
    np.testing.assert_allclose(info['keypoints'][0, :, 0], 99. - b[:, 0], atol=1e-3)
    np.testing.assert_allclose(info['cam_K'][0, 2], 99. - 50., atol=1e-4)


def test_image_folder_dataset_missing_and_intrinsics(image_folder, tmp_path):
    root, det, _, _ = image_folder
    with pytest.raises(KeyError, match=r'det.json.*c.png'):
        ImageFolderHandDataset(str(root), det)
    ds = ImageFolderHandDataset(str(root), det, on_missing='zero_weight', cam_K=[[500, 0, 40], [0, 500, 30],
                                                                                 [0, 0, 1]])
    assert len(ds) == 3
    zero = [ds.get_data_info(i) for i in range(3) if ds.get_data_info(i)['img_path'].endswith('c.png')][0]
    assert np.all(zero['keypoints_visible'] == 0)
    np.testing.assert_array_equal(zero['bbox'][0], [0, 0, 89, 89])  # whole image without a detection
    assert zero['cam_K'][0, 0] == 500
    k_file = tmp_path / 'K.json'
    k_file.write_text(json.dumps({'a.jpg': [[300, 0, 1], [0, 300, 2], [0, 0, 1]]}))
    ds = ImageFolderHandDataset(str(root), det, on_missing='skip', hand='right', cam_K_file=str(k_file))
    assert len(ds) == 1 and ds.get_data_info(0)['cam_K'][0, 0] == 300  # hand='right' drops the left-hand image


# ------------------------------------------------------------------------------------------------------------
# detector simulator
# ------------------------------------------------------------------------------------------------------------
def test_simulator_is_deterministic_and_confidence_tracks_error(tmp_path):
    rng = np.random.RandomState(8)
    gt = rng.uniform(20, 100, (200, 21, 2))
    a = simulate_detections(gt, seed=3, outlier_prob=0.1, drop_prob=0.1)
    b = simulate_detections(gt, seed=3, outlier_prob=0.1, drop_prob=0.1)
    c = simulate_detections(gt, seed=4, outlier_prob=0.1, drop_prob=0.1)
    np.testing.assert_array_equal(a.keypoints, b.keypoints)
    np.testing.assert_array_equal(a.confidence, b.confidence)
    assert not np.allclose(np.nan_to_num(a.keypoints), np.nan_to_num(c.keypoints))
    # dropped joints: no keypoint, confidence 0; rates near the requested ones
    assert np.all(np.isnan(a.keypoints[a.dropped])) and np.all(a.confidence[a.dropped] == 0)
    assert 0.07 < a.dropped.mean() < 0.13 and 0.06 < a.outlier.mean() < 0.12
    assert np.all((a.confidence >= 0) & (a.confidence <= 1))
    # confidence decreases with the error (rank correlation over detected joints), outliers mostly low
    det = ~a.dropped
    err_rank = np.argsort(np.argsort(a.error[det]))
    conf_rank = np.argsort(np.argsort(a.confidence[det]))
    assert np.corrcoef(err_rank, conf_rank)[0, 1] < -0.3
    assert np.median(a.confidence[a.outlier]) < 0.1 < np.median(a.confidence[det & ~a.outlier])
    # error is measured in pixels and outliers are far (>= 0.15 hand sizes)
    size = hand_sizes(gt)[:, None].repeat(21, 1)
    assert np.all(a.error[a.outlier] > 0.1 * size[a.outlier])
    # written and read back
    keys = [f'{i:05d}.png' for i in range(len(gt))]
    path = write_simulated_detections(tmp_path / 'sim.json', keys, a, image_sizes=[(128, 128)] * len(gt))
    dets = load_detections(path)
    np.testing.assert_allclose(np.stack([dets.get(k, 'right').weights() for k in keys]), a.confidence, atol=1e-5)


def test_simulator_noise_free_is_exact_and_errors():
    gt = np.random.RandomState(9).uniform(0, 50, (4, 21, 2))
    sim = simulate_detections(gt, noise_std=0., outlier_prob=0., drop_prob=0., conf_noise=0., conf_scale=1.)
    np.testing.assert_allclose(sim.keypoints, gt, atol=1e-4)
    np.testing.assert_allclose(sim.confidence, 1.)
    with pytest.raises(ValueError, match='keypoints_2d'):
        simulate_detections(gt[:, :20])
    with pytest.raises(ValueError, match='drop_prob'):
        simulate_detections(gt, drop_prob=1.5)


def test_hand_detection_weights_ignore_non_finite():
    kpts = np.zeros((21, 2), np.float32)
    kpts[1] = np.nan
    det = HandDetection(kpts, np.full(21, 0.5, np.float32))
    w = det.weights()
    assert w[1] == 0 and np.all(np.delete(w, 1) == 0.5)


def test_image_folder_dataset_packs_confidences(image_folder):
    root, det, _, truth = image_folder
    pipeline = [dict(type='LoadImage'), dict(type='HandCropAffine', input_size=(64, 64), padding=1.4),
                dict(type='PackHand3DInputs')]
    ds = ImageFolderHandDataset(str(root), det, on_missing='skip', pipeline=pipeline)
    for i in range(len(ds)):
        packed = ds[i]
        labels = packed['data_samples'].gt_instance_labels
        name = 'a' if packed['data_samples'].metainfo['img_path'].endswith('a.jpg') else 'b'
        np.testing.assert_allclose(labels.keypoint_weights.numpy()[0], truth[name][1], atol=1e-5)
        assert packed['inputs'].shape == (3, 64, 64) and labels.has_3d[0] == 0
        # the crop is centred on the detected hand: its joints land inside the 64 px input
        assert np.all((labels.keypoints_2d.numpy() > 0) & (labels.keypoints_2d.numpy() < 64))
