# Copyright (c) bmc_mmpose authors. All rights reserved.
import json
import zipfile

import numpy as np
import pytest

from bmc_mmpose.evaluation.submission import (add_submission_writer, ho3d_joints_from_ours, read_freihand_submission,
                                              read_ho3d_submission, write_freihand_submission,
                                              write_ho3d_submission)
from bmc_mmpose.geometry.skeleton import FREIHAND_TO_MANO


def _predictions(n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(scale=40.0, size=(n, 21, 3)) + np.array([0.0, 0.0, 600.0])


def test_freihand_roundtrip(tmp_path):
    joints = _predictions(5)
    json_path, zip_path = write_freihand_submission(joints, str(tmp_path / 'pred.zip'), expected_len=None)
    with zipfile.ZipFile(zip_path) as zf:
        assert zf.namelist() == ['pred.json']
        payload = json.loads(zf.read('pred.json'))
    # format: [xyz, verts], metres, 21x3 and 778x3 entries
    assert len(payload) == 2 and len(payload[0]) == 5 and len(payload[1]) == 5
    assert np.asarray(payload[0]).shape == (5, 21, 3) and np.asarray(payload[1]).shape == (5, 778, 3)
    np.testing.assert_allclose(np.asarray(payload[0]), joints / 1000.0, rtol=0, atol=1e-15)
    for path in (json_path, zip_path):
        back, verts = read_freihand_submission(path)
        np.testing.assert_allclose(back, joints, rtol=1e-15, atol=1e-12)
        assert len(verts) == 5 and verts[0].shape == (778, 3)
        # root placeholder: every vertex on the predicted wrist (to the written precision of 1e-6 m)
        np.testing.assert_allclose(verts[2], np.broadcast_to(joints[2, 0], (778, 3)), atol=1e-3)


def test_freihand_length_and_mirroring(tmp_path):
    joints = _predictions(3)
    with pytest.raises(ValueError, match='3960'):
        write_freihand_submission(joints, str(tmp_path / 'pred.json'))
    mirrored = np.array([False, True, False])
    path, _ = write_freihand_submission(joints, str(tmp_path / 'pred.json'), mirrored=mirrored, expected_len=None,
                                        make_zip=False, placeholder='zeros')
    back, verts = read_freihand_submission(path)
    np.testing.assert_allclose(back[1], joints[1] * np.array([-1.0, 1.0, 1.0]), atol=1e-12)
    np.testing.assert_allclose(back[[0, 2]], joints[[0, 2]], atol=1e-12)
    assert np.all(verts[0] == 0)
    bad = joints.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match='NaN'):
        write_freihand_submission(bad, str(tmp_path / 'x.json'), expected_len=None)


def test_ho3d_roundtrip_order_and_axes(tmp_path):
    joints = _predictions(4, seed=1)
    json_path, zip_path = write_ho3d_submission(joints, str(tmp_path / 'ho3d' / 'pred.zip'))
    with open(json_path) as f:
        xyz = np.asarray(json.load(f)[0])
    # MANO order, OpenGL axes (z negative in front of the camera), metres; checked joint by joint against the
    # table of docs/datasets.md §3.4: HO-3D index 1 = index MCP (ours 5), 13 = thumb base (ours 1), 16 = thumb tip.
    assert (xyz[..., 2] < 0).all()
    ho3d_from_table = [0, 5, 6, 7, 9, 10, 11, 17, 18, 19, 13, 14, 15, 1, 2, 3, 4, 8, 12, 16, 20]
    assert list(FREIHAND_TO_MANO) == ho3d_from_table
    for ho3d_idx, ours_idx in enumerate(ho3d_from_table):
        expected = joints[:, ours_idx] * np.array([1.0, -1.0, -1.0]) / 1000.0
        np.testing.assert_allclose(xyz[:, ho3d_idx], expected, atol=1e-15)
    np.testing.assert_allclose(ho3d_joints_from_ours(joints), xyz, atol=1e-15)
    for path in (json_path, zip_path):
        back, _ = read_ho3d_submission(path)
        np.testing.assert_allclose(back, joints, rtol=1e-15, atol=1e-12)
    with pytest.raises(ValueError, match='v2 expects 11524'):
        write_ho3d_submission(joints, str(tmp_path / 'p.json'), version='v2')


def test_add_submission_writer():
    cfg = dict(test_evaluator=dict(type='Hand3DMetric'))
    add_submission_writer(cfg, 'freihand', 'w/pred.zip')
    assert [m['type'] for m in cfg['test_evaluator']] == ['Hand3DMetric', 'SubmissionWriter']
    cfg = dict(test_evaluator=[dict(type='Hand3DMetric')])
    add_submission_writer(cfg, 'ho3d', 'w/pred.zip', version='v3')
    assert cfg['test_evaluator'][-1] == dict(type='SubmissionWriter', kind='ho3d', out_file='w/pred.zip', version='v3')
    cfg = dict(test_evaluator=dict(type='Evaluator', metrics=dict(type='Hand3DMetric')))
    add_submission_writer(cfg, 'freihand', 'p.zip')
    assert len(cfg['test_evaluator']['metrics']) == 2
    with pytest.raises(ValueError, match='kind'):
        add_submission_writer(cfg, 'rhd', 'p.zip')
