# Copyright (c) bmc_mmpose authors. All rights reserved.
"""tools/data/simulate_detections.py: detections of a config's dataset, read back through LoadDetectedKeypoints2D."""
import json
from pathlib import Path

import numpy as np
import pytest

from bmc_mmpose.synthetic import generate_synthetic
from bmc_mmpose.testing.tool_modules import load_tool

REPO = Path(__file__).resolve().parents[2]


def _tool():
    return load_tool(REPO / 'tools' / 'data' / 'simulate_detections.py')


@pytest.fixture(scope='module')
def rhd_config(tmp_path_factory):
    root = tmp_path_factory.mktemp('synthetic_det')
    generate_synthetic(str(root), num_a=10, num_b=4, size=64, seed=5, workers=1)
    config = root / 'config.py'
    config.write_text(f"dataset = dict(type='Rhd3DDataset', data_root='{root / 'domain_a_rhd'}/', "
                      "split='training', hand='auto', image_size=64, pipeline=[])\n")
    return root, config


def test_noise_free_detections_reproduce_the_labels_including_left_hands(rhd_config, tmp_path):
    from mmpose.registry import DATASETS

    from bmc_mmpose.datasets.transforms import LoadDetectedKeypoints2D
    root, config = rhd_config
    out = tmp_path / 'det.json'
    _tool().main([str(config), '--dataset-key', 'dataset', '--out', str(out), '--noise-std', '0',
                  '--outlier-prob', '0', '--drop-prob', '0'])
    entries = json.loads(out.read_text())
    assert entries  # a plain-format file was written
    dataset = DATASETS.build(dict(type='Rhd3DDataset', data_root=f'{root / "domain_a_rhd"}/', split='training',
                                  hand='auto', image_size=64, pipeline=[]))
    load = LoadDetectedKeypoints2D(str(out), image_root=f'{root / "domain_a_rhd"}/')
    mirrored = 0
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        label = np.asarray(info['keypoints']).copy()
        info['ori_shape'] = (64, 64)
        result = load(info)
        np.testing.assert_allclose(result['keypoints'], label, atol=1e-3)  # mirrored back into the right-hand frame
        assert np.all(result['keypoints_visible'] > 0.5)  # zero error: high confidence (times log-normal noise)
        mirrored += bool(info['mirrored'])
    assert mirrored > 0  # the sample holds left hands, so the mirroring was exercised


def test_noisy_detections_drop_joints_and_lower_confidences(rhd_config, tmp_path):
    from bmc_mmpose.datasets.detections import load_detections
    _, config = rhd_config
    out = tmp_path / 'det.json'
    _tool().main([str(config), '--dataset-key', 'dataset', '--out', str(out), '--drop-prob', '0.5', '--seed', '1'])
    detections = load_detections(str(out))
    weights = np.stack([detections.get(key, None).weights() for key in detections.keys()])
    assert 0.3 < (weights == 0).mean() < 0.7
    assert weights.max() <= 1.0


def test_unknown_dataset_key_names_the_key(rhd_config, tmp_path):
    _, config = rhd_config
    with pytest.raises(KeyError, match='train_dataloader'):
        _tool().main([str(config), '--dataset-key', 'train_dataloader.dataset', '--out', str(tmp_path / 'x.json')])
