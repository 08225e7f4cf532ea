# Copyright (c) bmc_mmpose authors. All rights reserved.
"""tools/analysis_tools/evaluate_lifted.py: pseudo-label errors against a dataset's own 3D labels."""
import json
from pathlib import Path

import numpy as np
import pytest

from bmc_mmpose.datasets.lifted import write_lifted
from bmc_mmpose.geometry.camera_numpy import mirror_points_3d
from bmc_mmpose.testing.dataset_fixtures import write_rhd_2d_dataset_config
from bmc_mmpose.testing.tool_modules import load_tool

REPO = Path(__file__).resolve().parents[2]


def _tool():
    return load_tool(REPO / 'tools' / 'analysis_tools' / 'evaluate_lifted.py')


def _labelled_hands(data_cfg: Path):
    """(key, side, 3D label in the dataset's right-hand frame) of every sample, the dataset built with 3D."""
    from bmc_mmpose.utils.cli import dataset_config_at
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS
    init_default_scope('mmpose')
    cfg = dataset_config_at(str(data_cfg), 'train_dataloader.dataset')
    cfg.update(pipeline=[], supervision='3d')
    dataset = DATASETS.build(cfg)
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        key = str(Path(info['img_path']).relative_to(cfg.data_root))
        side = 'left' if info['mirrored'] else 'right'
        yield key, side, np.asarray(info['keypoints_3d'], np.float64).reshape(21, 3)


def test_errors_are_scale_free_root_relative_and_weighted(tmp_path):
    """Lifted hands = labels moved by 21 mm in depth at one joint (right hands only), at twice the size and shifted
    as a whole: right hands are off by exactly 1 mm in Z and 3D, left hands (mirrored back into the stored frame in
    the file) by 0; the residual weights of the right hands are lower, so the weighted error is lower."""
    import bmc_mmpose  # noqa: F401
    _, data_cfg = write_rhd_2d_dataset_config(tmp_path, num_samples=4)
    images = {}
    for key, side, label in _labelled_hands(data_cfg):
        hand = label.copy()
        if side == 'right':
            hand[5, 2] += 21.0  # index MCP; not the root, not on the reference bone (9 -> 10)
        hand = 2.0 * hand + [3.0, -4.0, 100.0]
        stored = mirror_points_3d(hand) if side == 'left' else hand  # the file holds hands as the image is stored
        images.setdefault(key, {})[side] = dict(keypoints_3d_mm=stored.tolist(),
                                                bmc_residual=3.0 if side == 'right' else 1.0)
    sides = [s for sides in images.values() for s in sides]
    assert sorted(set(sides)) == ['left', 'right']
    lifted = write_lifted(tmp_path / 'lifted.json', images, ref_bone_mm=40.0)
    out = _tool().main([str(lifted), '--dataset-config', str(data_cfg), '--out', str(tmp_path / 'r.json')])
    num_right = sides.count('right')
    assert out['num_hands'] == len(sides)
    assert out['error_z_mm'] == pytest.approx(num_right / len(sides), abs=1e-6)
    assert out['error_3d_mm'] == pytest.approx(num_right / len(sides), abs=1e-6)
    # residuals 3, 3 (right), 1, 1 (left): m = 1 (the lower middle value), weights m / (m + r) = 1/4 and 1/2, so
    # the weighted error is (2 * 1/4 * 1 mm) / (2 * 1/4 + 2 * 1/2) = 1/3 mm
    assert sides.count('right') == 2 and len(sides) == 4
    expected = 1 / 3
    assert out['weighted_error_3d_mm'] == pytest.approx(expected, abs=1e-6)
    # -1 up to ties: equal errors differ in the last bits, so their ranks split
    assert out['spearman_weight_error_3d'] < -0.8
    assert json.loads((tmp_path / 'r.json').read_text())['num_hands'] == len(sides)


def test_missing_hand_names_the_file(tmp_path):
    import bmc_mmpose  # noqa: F401
    _, data_cfg = write_rhd_2d_dataset_config(tmp_path, num_samples=2)
    key, side, label = next(_labelled_hands(data_cfg))
    lifted = write_lifted(tmp_path / 'lifted.json', {key: {side: dict(keypoints_3d_mm=label.tolist())}},
                          ref_bone_mm=40.0)
    with pytest.raises(KeyError, match=r'lifted\.json'):
        _tool().main([str(lifted), '--dataset-config', str(data_cfg)])
