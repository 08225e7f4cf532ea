# Copyright (c) bmc_mmpose authors. All rights reserved.
"""tools/inference/lift_keypoints.py: a detections file in, every hand out, 3D consistent with the 2D it was given."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from bmc_mmpose.testing.tool_modules import load_tool

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / 'configs' / 'synthetic' / 'lifting' / 'a3d.py'


@pytest.fixture(scope='module')
def tool():
    return load_tool(REPO / 'tools' / 'inference' / 'lift_keypoints.py')


@pytest.fixture
def checkpoint(tmp_path):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import bmc_mmpose  # noqa: F401
    from mmpose.registry import MODELS
    init_default_scope('mmpose')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(str(CONFIG)).model)
    with torch.no_grad():  # no 2D correction, a fixed relative depth per joint: the 2D must come back unchanged
        model.head.readout.fc.weight.zero_()
        bias = torch.zeros(21, 3)
        bias[:, 2] = torch.linspace(0.0, 2.0, 21)
        model.head.readout.fc.bias.copy_(bias.flatten())
    path = tmp_path / 'lifter.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return str(path)


def test_round_trip_of_a_detections_file(tool, checkpoint, tmp_path):
    from bmc_mmpose.datasets.detections import write_detections
    from bmc_mmpose.synthetic.keypoint_sampler import sample_keypoint_hands
    hands = sample_keypoint_hands(seed=2, num=3, domain='b', image_size=128)
    kpts = hands['keypoints_2d'].astype(np.float64)
    conf = np.full((3, 21), 0.9)
    conf[2, 2:] = 0.0  # one hand with only two detected joints ... still lifted
    keys = ['a/0.jpg', 'a/0.jpg', 'b/1.jpg']
    kpts_file = kpts.copy()
    kpts_file[1] = kpts[0]
    kpts_file[1, :, 0] = 127.0 - kpts[0, :, 0]  # hand 0 seen in a mirror: a left hand
    dets = tmp_path / 'dets.json'
    write_detections(dets, keys, kpts_file, conf, hands=['right', 'left', 'right'], image_sizes=[(128, 128)] * 3)
    out = tmp_path / 'out' / 'lifted.json'
    result = tool.main([str(CONFIG), checkpoint, '--detections', str(dets), '--out', str(out), '--no-progress'])
    with open(out) as f:
        saved = json.load(f)
    assert saved['format'] == 'bmc_mmpose.lifted/v1' and saved['num_hands'] == 3 and saved['skipped'] == []
    assert sorted(saved['images']) == ['a/0.jpg', 'b/1.jpg'] and sorted(saved['images']['a/0.jpg']) == ['left',
                                                                                                        'right']
    K = np.array([[128.0, 0, 63.5], [0, 128.0, 63.5], [0, 0, 1]])  # default: f = 1.0 * W, centred
    for key, side, i in (('a/0.jpg', 'right', 0), ('a/0.jpg', 'left', 1), ('b/1.jpg', 'right', 2)):
        hand = saved['images'][key][side]
        detected = conf[i] > 0
        np.testing.assert_allclose(np.array(hand['keypoints_2d'])[detected], kpts_file[i][detected], atol=2e-3)
        xyz = np.array(hand['keypoints_3d_mm'])
        proj = xyz @ K.T
        np.testing.assert_allclose((proj[:, :2] / proj[:, 2:])[detected], kpts_file[i][detected], atol=2e-2)
        assert np.all(xyz[:, 2] > 0)
        np.testing.assert_allclose(np.array(hand['keypoints_3d_norm']) * 40.0, xyz, atol=1e-2)
        assert len(hand['joint_angles_rad']) == 15 and set(hand['plausibility']) >= {'plausible', 'loss_bl'}
    # left and right of the same 2D (mirrored) are mirror images in 3D
    left = np.array(saved['images']['a/0.jpg']['left']['keypoints_3d_mm'])
    right = np.array(saved['images']['a/0.jpg']['right']['keypoints_3d_mm'])
    np.testing.assert_allclose(left[:, 1:], right[:, 1:], atol=1e-2)
    np.testing.assert_allclose(left[:, 0], -right[:, 0], atol=1e-2)
    assert result['num_hands'] == 3


def test_hands_without_keypoints_are_skipped_and_a_missing_camera_is_named(tool, checkpoint, tmp_path):
    from bmc_mmpose.datasets.detections import write_detections
    kpts = np.random.default_rng(0).uniform(20, 100, (2, 21, 2))
    conf = np.ones((2, 21))
    conf[1, 1:] = 0.0
    dets = tmp_path / 'dets.json'
    write_detections(dets, ['x', 'y'], kpts, conf, image_sizes=[(128, 128), (128, 128)])
    out = tmp_path / 'o.json'
    result = tool.main([str(CONFIG), checkpoint, '--detections', str(dets), '--out', str(out), '--no-progress'])
    assert result['num_hands'] == 1 and result['skipped'][0]['key'] == 'y'
    write_detections(dets, ['x'], kpts[:1], conf[:1])
    with pytest.raises(ValueError, match="'x'.*image size"):
        tool.main([str(CONFIG), checkpoint, '--detections', str(dets), '--out', str(out), '--no-progress'])


def test_cfg_options_turn_on_the_bmc_refinement(tool, checkpoint, tmp_path):
    """--cfg-options model.test_cfg.bmc_refine...: the same 2D comes back, each hand's BMC terms fall (the fixed
    depths of the checkpoint make implausible hands); an unknown key is an error naming it."""
    from bmc_mmpose.datasets.detections import write_detections
    from bmc_mmpose.synthetic.keypoint_sampler import sample_keypoint_hands
    hands = sample_keypoint_hands(seed=4, num=3, domain='b', image_size=128)
    dets = tmp_path / 'dets.json'
    write_detections(dets, ['a.jpg', 'b.jpg', 'c.jpg'], hands['keypoints_2d'].astype(np.float64), np.ones((3, 21)),
                     hands=['right'] * 3, image_sizes=[(128, 128)] * 3)
    base = [str(CONFIG), checkpoint, '--detections', str(dets), '--no-progress']
    plain = tool.main(base + ['--out', str(tmp_path / 'plain.json')])
    refine = ['model.test_cfg.bmc_refine.steps=100', 'model.test_cfg.bmc_refine.loss.type=BMCLoss',
              'model.test_cfg.bmc_refine.loss.limits=literature']
    refined = tool.main(base + ['--out', str(tmp_path / 'refined.json'), '--cfg-options'] + refine)
    for key in ('a.jpg', 'b.jpg', 'c.jpg'):
        before, after = plain['images'][key]['right'], refined['images'][key]['right']
        np.testing.assert_allclose(after['keypoints_2d'], before['keypoints_2d'], atol=1e-6)
        assert not np.allclose(after['keypoints_3d_norm'], before['keypoints_3d_norm'], atol=1e-3)
        total = {name: hand['plausibility']['loss_bl'] + hand['plausibility']['loss_rb'] +
                 0.1 * hand['plausibility']['loss_a'] for name, hand in (('before', before), ('after', after))}
        assert total['after'] < total['before'], (key, total)
        # the L_BMC kept under the refinement's loss (weights 0.1 / 0.1 / 0.01 here), only when refined
        assert 'bmc_residual' not in before and after['bmc_residual'] >= 0.0
        np.testing.assert_allclose(after['bmc_residual'], 0.1 * (after['plausibility']['loss_bl'] +
                                   after['plausibility']['loss_rb']) + 0.01 * after['plausibility']['loss_a'],
                                   rtol=1e-4, atol=1e-6)
    with pytest.raises(KeyError, match='modle'):
        tool.main(base + ['--out', str(tmp_path / 'x.json'), '--cfg-options', 'modle.test_cfg.x=1'])


def test_dataset_source_writes_pseudo_labels_that_a_training_pipeline_reads(tool, checkpoint, tmp_path):
    """--dataset-config lifts a 2D-only dataset's labels with its own cameras (left hands mirrored by the dataset);
    LoadLiftedKeypoints3D then gives each training sample a 3D label that projects, through the sample's own K,
    onto the sample's 2D label (2D held by the refinement, no 2D correction in this checkpoint): keys, sides,
    mirroring and cameras all agree."""
    from bmc_mmpose.datasets import Rhd3DDataset
    from bmc_mmpose.datasets.lifted import load_lifted
    from bmc_mmpose.testing import dataset_fixtures as fx
    rhd, data_cfg = fx.write_rhd_2d_dataset_config(tmp_path, num_samples=4, seed=3)
    out = tmp_path / 'pseudo.json'
    refine = ['model.test_cfg.bmc_refine.steps=20', 'model.test_cfg.bmc_refine.loss.type=BMCLoss',
              'model.test_cfg.bmc_refine.loss.limits=literature']
    tool.main([str(CONFIG), checkpoint, '--dataset-config', str(data_cfg), '--out', str(out), '--no-progress',
               '--cfg-options'] + refine)
    lifted = load_lifted(out)
    assert len(lifted) == 4
    pipeline = [dict(type='LoadLiftedKeypoints3D', lifted_file=str(out), weighting='bmc_residual')]
    dataset = Rhd3DDataset(**{k: v for k, v in rhd.items() if k != 'type'}, pipeline=pipeline)
    mirrored, weights = [], []
    for i in range(len(dataset)):
        plain = dataset.get_data_info(i)
        assert plain['has_3d'][0] == 0  # a 2D-only dataset ...
        sample = dataset[i]
        weights.append(float(sample['has_3d'][0]))  # ... with a weighted 3D pseudo-label now
        mirrored.append(bool(sample['mirrored']))
        xyz = sample['keypoints_3d'][0].astype(np.float64)
        proj = xyz @ sample['cam_K'].astype(np.float64).T
        labelled = sample['keypoints_visible'][0] > 0
        np.testing.assert_allclose((proj[:, :2] / proj[:, 2:])[labelled], sample['keypoints'][0][labelled],
                                   atol=0.05)
        assert np.all(xyz[:, 2] > 0) and sample['ref_bone_length'][0] == 40.0
    assert any(mirrored) and not all(mirrored)
    assert min(weights) > 0 and abs(np.mean(weights) - 1.0) < 1e-5
