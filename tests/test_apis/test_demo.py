# Copyright (c) bmc_mmpose authors. All rights reserved.
import importlib.util
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from bmc_mmpose.apis import init_hand3d_model
from bmc_mmpose.testing.small_hand3d_config import small_config

REPO = Path(__file__).resolve().parents[2]
REAL_SAMPLES = REPO / '..' / 'shared' / 'data' / 'real_samples'


def _demo_module():
    spec = importlib.util.spec_from_file_location('bmc_demo', REPO / 'tools' / 'demo.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_on_real_freihand_image(tmp_path):
    image = REAL_SAMPLES / 'freihand' / '00017620.jpg'
    if not image.exists():
        pytest.skip(f'real samples not found at {REAL_SAMPLES} (CI provides ../shared beside the repo)')
    cfg_path = tmp_path / 'small_cfg.py'
    Config(small_config()).dump(str(cfg_path))
    torch.manual_seed(0)
    model = init_hand3d_model(str(cfg_path))
    ckpt = tmp_path / 'fresh.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)  # a freshly initialised checkpoint
    out = _demo_module().main([str(image), '--config', str(cfg_path), '--checkpoint', str(ckpt), '--out-dir',
                               str(tmp_path / 'out'), '--hand', 'right', '--bbox', '10', '10', '214', '214'])
    png = cv2.imread(out['png'])
    assert png is not None and png.shape[1] > 2.5 * png.shape[0] * 0.9
    data = json.loads(Path(out['json']).read_text())
    assert np.asarray(data['keypoints_3d_mm']).shape == (21, 3)
    assert len(data['joint_angles']) == 15 and 'plausibility' in data
    # the checkpoint was loaded: same predictions as the in-memory model
    from bmc_mmpose.apis import inference_hand3d
    ref = inference_hand3d(model, str(image), bbox=[10, 10, 214, 214])
    np.testing.assert_allclose(np.asarray(data['keypoints_2d_px']), ref['keypoints_2d'], atol=1e-2)


def test_demo_with_a_shipped_config_left_hand(tmp_path):
    """The CLI on an experiment config (ResNet-18 via --cfg-options for speed), left hand, fresh checkpoint."""
    image = REAL_SAMPLES / 'freihand' / '00000355.jpg'
    config = REPO / 'configs' / 'bmc' / 'rhd3d_fh2d.py'
    if not image.exists():
        pytest.skip(f'real samples not found at {REAL_SAMPLES} (CI provides ../shared beside the repo)')
    if not config.exists():
        pytest.skip(f'{config} not found')
    options = {'model.backbone.depth': 18, 'model.head.in_channels': 512}
    torch.manual_seed(0)
    model = init_hand3d_model(str(config), cfg_options=options)
    ckpt = tmp_path / 'fresh.pth'
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    out = _demo_module().main([str(image), '--config', str(config), '--checkpoint', str(ckpt), '--hand', 'left',
                               '--out-dir', str(tmp_path), '--ref-bone-length', '30', '--cfg-options',
                               'model.backbone.depth=18', 'model.head.in_channels=512'])
    assert cv2.imread(out['png']) is not None
    data = json.loads(Path(out['json']).read_text())
    assert data['hand_side'] == 'left' and data['ref_bone_length_mm'] == 30.0
