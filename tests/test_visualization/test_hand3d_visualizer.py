# Copyright (c) bmc_mmpose authors. All rights reserved.
import os
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
from mmengine.structures import InstanceData

from bmc_mmpose.visualization import Hand3DVisualizer, draw_hand3d_figure
from mmpose.structures import PoseDataSample

K = np.array([[500.0, 0.0, 112.0], [0.0, 500.0, 112.0], [0.0, 0.0, 1.0]])


def _hand(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(scale=30.0, size=(21, 3)) + np.array([0.0, 0.0, 600.0])


def _project(points):
    hom = points @ K.T
    return hom[:, :2] / hom[:, 2:3]


def _sample(img_path, with_gt=True):
    hand = _hand()
    ds = PoseDataSample(metainfo=dict(img_path=str(img_path)))
    pred = InstanceData()
    pred.keypoints = _project(hand)[None]
    pred.keypoint_scores = np.ones((1, 21))
    pred.keypoints_3d = hand[None]
    pred.bboxes = np.array([[0, 0, 224, 224.0]])
    ds.pred_instances = pred
    if with_gt:
        gt = InstanceData()
        gt.keypoints = _project(hand + 2.0)[None]
        gt.keypoints_visible = np.ones((1, 21))
        gt.keypoints_3d = (hand + 2.0)[None]
        gt.has_3d_eval = np.ones(1)
        gt.bboxes = np.array([[0, 0, 224, 224.0]])
        ds.gt_instances = gt
    return ds


def test_draw_hand3d_figure_panels():
    image = np.full((224, 224, 3), 255, np.uint8)
    hand = _hand()
    out = draw_hand3d_figure(image, _project(hand), hand, gt_3d=hand + 5.0)
    assert out.dtype == np.uint8 and out.ndim == 3 and out.shape[2] == 3
    assert out.shape[1] > 2.5 * out.shape[0]  # three panels side by side
    # finger colours appear in each third of the image (overlay, camera view, top view)
    thumb = np.array([0.85, 0.1, 0.1]) * 255
    width = out.shape[1] // 3
    for panel in range(3):
        part = out[:, panel * width:(panel + 1) * width].astype(float)
        assert (np.abs(part - thumb).sum(-1) < 40).sum() > 20, f'panel {panel} shows no thumb'
    with pytest.raises(ValueError, match='kpts_3d'):
        draw_hand3d_figure(image, _project(hand), hand[:20])
    # degenerate input (all joints in one point, NaN gt) still renders
    assert draw_hand3d_figure(image, np.zeros((21, 2)), np.zeros((21, 3)), gt_3d=np.full((21, 3), np.nan)).size


def test_visualizer_with_pose_visualization_hook(tmp_path):
    """The path of `tools/test.py --show-dir`: PoseVisualizationHook.after_test_iter -> add_datasample(**kwargs)."""
    from mmpose.engine.hooks import PoseVisualizationHook
    img_path = tmp_path / '00000001.jpg'
    cv2.imwrite(str(img_path), np.full((224, 224, 3), 128, np.uint8))
    vis = Hand3DVisualizer.get_instance('hand3d_vis_test', save_dir=str(tmp_path / 'vis'))
    assert isinstance(vis, Hand3DVisualizer)
    hook = PoseVisualizationHook(enable=True, out_dir='show')
    runner = SimpleNamespace(work_dir=str(tmp_path), timestamp='ts', test_evaluator=SimpleNamespace(dataset_meta=None))
    hook.after_test_iter(runner, 0, {}, [_sample(img_path)])
    written = sorted(os.listdir(tmp_path / 'ts' / 'show'))
    assert written == ['00000001_0.jpg']
    drawn = cv2.imread(str(tmp_path / 'ts' / 'show' / written[0]))
    assert drawn.shape[1] > 2.5 * drawn.shape[0]


def test_add_datasample_accepts_hook_kwargs(tmp_path):
    vis = Hand3DVisualizer(name='hand3d_vis_kwargs', always_draw_gt=True)
    image = np.zeros((224, 224, 3), np.uint8)
    out_file = tmp_path / 'x.png'
    drawn = vis.add_datasample('x', image, _sample('a/b.jpg'), draw_gt=False, draw_heatmap=True, draw_bbox=True,
                               kpt_thr=0.3, show_kpt_idx=False, out_file=str(out_file))
    assert out_file.exists() and drawn.shape[2] == 3
    sample = _sample('a/b.jpg', with_gt=False)
    del sample.pred_instances.keypoints_3d
    with pytest.raises(KeyError, match='keypoints_3d'):
        vis.add_datasample('x', image, sample, out_file=str(out_file))
