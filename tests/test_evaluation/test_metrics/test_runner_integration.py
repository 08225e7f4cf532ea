# Copyright (c) bmc_mmpose authors. All rights reserved.
"""End to end through mmengine's Runner.test(): model -> Hand3DMetric + SubmissionWriter + Hand3DVisualizer."""
import copy
import json
import os
from pathlib import Path

import cv2
import numpy as np
from mmengine.dataset import BaseDataset

from bmc_mmpose.evaluation.submission import add_submission_writer, read_freihand_submission
from mmpose.registry import DATASETS

INPUT_SIZE = (64, 64)
K = np.array([[300.0, 0.0, 80.0], [0.0, 300.0, 80.0], [0.0, 0.0, 1.0]], np.float32)


@DATASETS.register_module(name='_TinyHandTestDataset', force=True)
class _TinyHandTestDataset(BaseDataset):
    """Four hands in the data_info format of docs/architecture.md: two with 3D, one 2D-only, one unlabelled."""

    def __init__(self, img_dir: str, **kwargs):
        self.img_dir = img_dir
        super().__init__(ann_file='', serialize_data=False, **kwargs)

    def load_data_list(self):
        rng = np.random.default_rng(0)
        data = []
        for i in range(4):
            xyz = (rng.normal(scale=25.0, size=(21, 3)) + np.array([0, 0, 500.0])).astype(np.float32)
            hom = xyz @ K.T
            uv = (hom[:, :2] / hom[:, 2:]).astype(np.float32)
            path = os.path.join(self.img_dir, f'{i:08d}.jpg')
            cv2.imwrite(path, rng.integers(0, 255, size=(160, 160, 3), dtype=np.uint8))
            has_3d = float(i < 2)
            labelled = i < 3
            data.append(dict(
                img_path=path, img_id=i, sample_idx=i, bbox=np.array([[uv[:, 0].min() - 5, uv[:, 1].min() - 5,
                                                                        uv[:, 0].max() + 5, uv[:, 1].max() + 5]],
                                                                      np.float32),
                bbox_score=np.ones(1, np.float32), keypoints=uv[None] if labelled else np.zeros((1, 21, 2), np.float32),
                keypoints_visible=np.full((1, 21), float(labelled), np.float32),
                keypoints_3d=xyz[None] if has_3d else np.zeros((1, 21, 3), np.float32), cam_K=K.copy(),
                has_3d=np.array([has_3d], np.float32), has_3d_eval=np.array([has_3d], np.float32),
                ref_bone_length=np.array([np.linalg.norm(xyz[9] - xyz[10]) if has_3d else 0.0], np.float32),
                mirrored=(i == 1), dataset_name='tiny'))
        return data


def test_runner_test_loop(tmp_path):
    from mmengine.config import Config
    from mmengine.runner import Runner

    # bmc_mmpose/__init__.py will import every subpackage; importing them here keeps this test independent of that.
    import bmc_mmpose.datasets  # noqa: F401
    import bmc_mmpose.models  # noqa: F401
    import bmc_mmpose.visualization  # noqa: F401
    from bmc_mmpose.testing.small_hand3d_config import small_config

    img_dir = tmp_path / 'imgs'
    img_dir.mkdir()
    cfg = small_config()
    pipeline = copy.deepcopy(cfg['test_dataloader']['dataset']['pipeline'])
    cfg.update(
        work_dir=str(tmp_path / 'work'),
        test_dataloader=dict(batch_size=2, num_workers=0, persistent_workers=False,
                             sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
                             dataset=dict(type='_TinyHandTestDataset', img_dir=str(img_dir), pipeline=pipeline)),
        test_evaluator=[dict(type='Hand3DMetric'), dict(type='HandPlausibilityMetric')],
        test_cfg=dict(),
        default_hooks=dict(visualization=dict(type='PoseVisualizationHook', enable=True, out_dir='show')),
        visualizer=dict(type='Hand3DVisualizer', vis_backends=[dict(type='LocalVisBackend')]),
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
        log_level='WARNING')
    cfg = Config(cfg)
    add_submission_writer(cfg, 'freihand', str(tmp_path / 'sub' / 'pred.zip'))
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    assert metrics['hand3d/num_3d'] == 2 and metrics['hand3d/num_2d_only'] == 1
    assert metrics['hand3d/num_unlabelled'] == 1 and metrics['submission/num_samples'] == 4
    assert 0.0 <= metrics['plausibility/hands_any'] <= 1.0
    assert all(np.isfinite(v) for v in metrics.values())
    # metric files in the work dir (found through the Runner's log file)
    report = json.loads((tmp_path / 'work' / 'hand3d_metrics.json').read_text())
    assert report['metrics']['num_3d'] == 2
    assert (tmp_path / 'work' / 'hand3d_pck.png').exists()
    assert len(json.loads((tmp_path / 'work' / 'hand3d_predictions.json').read_text())) == 4
    # submission in dataset order, mirrored sample mirrored back
    joints, _ = read_freihand_submission(str(tmp_path / 'sub' / 'pred.zip'))
    preds = json.loads((tmp_path / 'work' / 'hand3d_predictions.json').read_text())
    for i, p in enumerate(preds):
        sign = np.array([-1.0, 1, 1]) if p['mirrored'] else np.ones(3)
        np.testing.assert_allclose(joints[p['sample_idx']], np.asarray(p['keypoints_3d_mm']) * sign, atol=1e-2)
    # --show-dir images
    shown = list(Path(tmp_path / 'work').glob('*/show/*.jpg'))
    assert len(shown) == 4
