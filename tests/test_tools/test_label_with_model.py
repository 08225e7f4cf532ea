# Copyright (c) bmc_mmpose authors. All rights reserved.
"""tools/data/label_with_model.py: a tiny model labels images / a dataset; the file feeds the detections readers."""

import cv2
import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

from bmc_mmpose.apis import inference_hand3d, init_hand3d_model
from bmc_mmpose.datasets import Rhd3DDataset
from bmc_mmpose.datasets.detections import load_detections
from bmc_mmpose.datasets.image_folder_dataset import ImageFolderHandDataset
from bmc_mmpose.datasets.transforms.load_detected_keypoints import LoadDetectedKeypoints2D  # noqa: F401
from bmc_mmpose.testing import dataset_fixtures as fx
from bmc_mmpose.testing.small_hand3d_config import small_config

from .tiny_setup import REPO, run_tool
from bmc_mmpose.testing.tool_modules import load_tool

TOOL = REPO / 'tools' / 'data' / 'label_with_model.py'


@pytest.fixture(scope='module')
def tiny_model(tmp_path_factory):
    """A small config file and a checkpoint whose head spreads its keypoints over the crop."""
    root = tmp_path_factory.mktemp('label_model')
    cfg_path = root / 'small.py'
    cfg_path.write_text(''.join(f'{k} = {v!r}\n' for k, v in small_config().items()))
    torch.manual_seed(0)
    model = init_hand3d_model(str(cfg_path))
    with torch.no_grad():
        bias = torch.randn(21, 3, generator=torch.Generator().manual_seed(1)) * 0.25
        bias[:, 2] = 0.
        model.head.readout.fc.bias.copy_(bias.flatten())
    ckpt = root / 'tiny.pth'
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    return cfg_path, ckpt


def _load_tool():
    return load_tool(TOOL)


def test_label_image_folder_round_trip(tiny_model, tmp_path):
    cfg_path, ckpt = tiny_model
    images = tmp_path / 'images'
    (images / 'sub').mkdir(parents=True)
    rng = np.random.RandomState(0)
    for name, (h, w) in {'a.jpg': (96, 128), 'sub/b.png': (80, 80)}.items():
        cv2.imwrite(str(images / name), cv2.GaussianBlur(rng.randint(0, 255, (h, w, 3)).astype(np.uint8), (5, 5), 2))
    out = tmp_path / 'det.json'
    proc = run_tool([str(TOOL), str(cfg_path), str(ckpt), '--images', str(images), '--out', str(out), '--hand',
                     'left'], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    dets = load_detections(out)
    assert sorted(dets.keys()) == ['a.jpg', 'sub/b.png']
    model = init_hand3d_model(str(cfg_path), str(ckpt))
    for key in dets.keys():
        det = dets.get(key, 'left')
        res = inference_hand3d(model, str(images / key), hand_side='left', plausibility_limits=None)
        np.testing.assert_allclose(det.keypoints, res['keypoints_2d'], atol=2e-3)
        np.testing.assert_allclose(det.weights(), 1.0)  # Hand25DHead scores every joint 1
        assert det.image_size == (res['image_shape'][1], res['image_shape'][0])
    # the file is a training set: left hands come back mirrored into right hands
    ds = ImageFolderHandDataset(str(images), str(out))
    info = [ds.get_data_info(i) for i in range(len(ds)) if ds.get_data_info(i)['img_path'].endswith('a.jpg')][0]
    assert info['mirrored']
    expected = dets.get('a.jpg', 'left').keypoints.copy()
    expected[:, 0] = 127. - expected[:, 0]
    np.testing.assert_allclose(info['keypoints'][0], expected, atol=1e-3)


def test_label_dataset_round_trip_with_mirrored_samples(tiny_model, tmp_path):
    cfg_path, ckpt = tiny_model
    rhd, data_cfg = fx.write_rhd_2d_dataset_config(tmp_path, num_samples=4, seed=3)
    out = tmp_path / 'det.json'
    _load_tool().main([str(cfg_path), str(ckpt), '--dataset-config', str(data_cfg), '--out', str(out),
                       '--batch-size', '3'])
    dets = load_detections(out)
    assert sorted(dets.keys()) == ['training/color/%05d.png' % i for i in range(4)]
    # the model's predictions in the dataset's (mirrored) annotation frame
    init_default_scope('mmpose')
    model = init_hand3d_model(str(cfg_path), str(ckpt))
    pipeline = small_config()['test_dataloader']['dataset']['pipeline']
    ds = Rhd3DDataset(**{k: v for k, v in rhd.items() if k != 'type'}, pipeline=pipeline, test_mode=True)
    with torch.no_grad():
        preds = model.test_step(pseudo_collate([ds[i] for i in range(len(ds))]))
    assert any(p.metainfo['mirrored'] for p in preds) and not all(p.metainfo['mirrored'] for p in preds)
    # reading the file back with LoadDetectedKeypoints2D restores exactly those predictions
    loader = [dict(type='LoadImage'), dict(type='LoadDetectedKeypoints2D', detections_file=str(out))]
    ds_det = Rhd3DDataset(**{k: v for k, v in rhd.items() if k != 'type'}, pipeline=loader)
    for i, pred in enumerate(preds):
        res = ds_det[i]
        assert res['mirrored'] == pred.metainfo['mirrored']
        np.testing.assert_allclose(res['keypoints'][0], pred.pred_instances.keypoints[0], atol=2e-3)
        np.testing.assert_allclose(res['keypoints_visible'][0], pred.pred_instances.keypoint_scores[0], atol=1e-5)


def test_label_tool_argument_errors(tiny_model, tmp_path):
    cfg_path, ckpt = tiny_model
    tool = _load_tool()
    with pytest.raises(FileNotFoundError, match='not a directory'):
        tool.main([str(cfg_path), str(ckpt), '--images', str(tmp_path / 'none'), '--out', str(tmp_path / 'o.json')])
    data_cfg = tmp_path / 'data.py'
    data_cfg.write_text("train_dataloader = dict(dataset=dict(type='CombinedDataset', datasets=[]))\n")
    with pytest.raises(ValueError, match='datasets.0'):
        tool.main([str(cfg_path), str(ckpt), '--dataset-config', str(data_cfg), '--out', str(tmp_path / 'o.json')])
    with pytest.raises(KeyError, match='val_dataloader'):
        tool.main([str(cfg_path), str(ckpt), '--dataset-config', str(data_cfg), '--dataset-key',
                   'val_dataloader.dataset', '--out', str(tmp_path / 'o.json')])
