# Copyright (c) bmc_mmpose authors. All rights reserved.
"""The limits file format, loader/writer and the shipped literature limits."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from bmc_mmpose.geometry import hand_joint_angles, points_in_hulls
from bmc_mmpose.limits import SHIPPED_LIMITS, BMCLimits, load_bmc_limits, save_bmc_limits
from bmc_mmpose.limits.literature import build_literature_limits
from bmc_mmpose.testing.hands import load_rhd_real_hands

REAL_SAMPLES = Path(__file__).resolve().parents[2] / '..' / 'shared' / 'data' / 'real_samples'


def test_save_load_round_trip(tmp_path):
    limits = load_bmc_limits('literature')
    path = save_bmc_limits(limits, tmp_path / 'sub' / 'limits.json')
    loaded = load_bmc_limits(path)
    for name in ('bone_length_min', 'bone_length_max', 'root_curvature_min', 'root_curvature_max',
                 'root_angle_min', 'root_angle_max', 'hulls', 'boxes'):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(limits, name))
    expected = (limits.source, limits.version, 'scale_normalised', 'freihand')
    assert (loaded.source, loaded.version, loaded.unit, loaded.joint_order) == expected
    assert loaded.meta == limits.meta
    from_dict = load_bmc_limits(json.loads(path.read_text()))
    np.testing.assert_array_equal(from_dict.hulls, limits.hulls)
    assert load_bmc_limits(limits) is limits


def test_clear_errors_for_bad_input(tmp_path):
    data = load_bmc_limits('literature').to_dict()
    with pytest.raises(FileNotFoundError, match='neither a shipped limit set'):
        load_bmc_limits('no_such_limits')
    bad = dict(data, bone_length={'min': [0.0] * 19, 'max': [1.0] * 20})
    with pytest.raises(ValueError, match='bone_length_min'):
        load_bmc_limits(bad)
    missing = {k: v for k, v in data.items() if k != 'joint_angle_hulls'}
    path = tmp_path / 'missing.json'
    path.write_text(json.dumps(missing))
    with pytest.raises(KeyError, match='missing.json.*joint_angle_hulls'):
        load_bmc_limits(path)
    with pytest.raises(ValueError, match='format_version'):
        load_bmc_limits(dict(data, format_version=99))
    swapped = dict(data, root_angle={'min': data['root_angle']['max'], 'max': data['root_angle']['min']})
    with pytest.raises(ValueError, match='root_angle_min exceeds'):
        load_bmc_limits(swapped)
    flat_boxes = BMCLimits(**{k: getattr(load_bmc_limits('literature'), k) for k in (
        'bone_length_min', 'bone_length_max', 'root_curvature_min', 'root_curvature_max', 'root_angle_min',
        'root_angle_max', 'hulls')}, boxes=load_bmc_limits('literature').boxes.reshape(15, 4))
    assert flat_boxes.boxes.shape == (15, 2, 2)


def test_shipped_literature_file_is_the_documented_build():
    shipped = load_bmc_limits(SHIPPED_LIMITS['literature'])
    built = build_literature_limits()
    assert shipped.to_dict() == json.loads(json.dumps(built.to_dict()))
    assert shipped.num_hull_points == 10
    assert len(shipped.meta['references']) >= 4 and len(shipped.meta['bone_length_reasons']) == 20


def test_literature_hulls_are_convex_ccw_and_inside_their_boxes():
    limits = load_bmc_limits('literature')
    hulls = limits.hulls
    edges = np.roll(hulls, -1, axis=1) - hulls
    turn = edges[:, :, 0] * np.roll(edges, -1, axis=1)[:, :, 1] - edges[:, :, 1] * np.roll(edges, -1, axis=1)[:, :, 0]
    assert (turn >= -1e-12).all()  # CCW and convex (collinear vertices allowed)
    assert (hulls >= limits.boxes[:, None, 0] - 1e-12).all() and (hulls <= limits.boxes[:, None, 1] + 1e-12).all()
    centre = torch.from_numpy(limits.boxes.mean(axis=1))[None]
    assert points_in_hulls(centre, torch.from_numpy(hulls)).all()


def test_real_rhd_hands_lie_within_every_literature_limit():
    hands = load_rhd_real_hands(REAL_SAMPLES / 'rhd' / 'test_rhd.json')
    if hands is None:
        pytest.skip(f'real samples not found at {REAL_SAMPLES} (CI provides shared/ beside the repo)')
    limits = load_bmc_limits('literature')
    angles = hand_joint_angles(torch.from_numpy(hands))
    assert points_in_hulls(angles, torch.from_numpy(limits.hulls)).all()
