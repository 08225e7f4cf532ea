# Copyright (c) bmc_mmpose authors. All rights reserved.
import json

import numpy as np
import pytest

from bmc_mmpose.evaluation.functional import pck_auc
from bmc_mmpose.evaluation.metrics import Hand3DMetric
from mmpose.registry import METRICS
from bmc_mmpose.testing.hands import random_joint_cloud
from bmc_mmpose.testing.metric_samples import make_sample


def _run(metric, samples):
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def test_perfect_predictions_and_output_files(tmp_path):
    rng = np.random.default_rng(0)
    hands = [random_joint_cloud(rng) for _ in range(4)]
    metric = METRICS.build(dict(type='Hand3DMetric', out_dir=str(tmp_path)))
    res = _run(metric, [make_sample(h, h.copy(), idx=i) for i, h in enumerate(hands)])
    for name in ('rel', 'aligned', 'abs'):
        assert res[f'hand3d/EPE_{name}_mean'] < 1e-3
        # Procrustes leaves ~1e-13 mm of round-off, which already misses the 0 mm threshold (PCK uses <=, like
        # the official evaluator); that costs at most half of the first of 99 trapezoids.
        assert res[f'hand3d/AUC_{name}'] >= 1.0 - 0.5 / 99 - 1e-12
        assert res[f'hand3d/AUC_{name}_20_50'] == pytest.approx(1.0)
    assert res['hand3d/AUC_rel'] == 1.0 and res['hand3d/AUC_abs'] == 1.0
    assert res['hand3d/Tab2_2d_px'] < 1e-3 and res['hand3d/Tab2_3d_mm'] < 1e-3
    assert res['hand3d/num_3d'] == 4 and res['hand3d/num_unlabelled'] == 0
    report = json.loads((tmp_path / 'hand3d_metrics.json').read_text())
    assert report['metrics']['AUC_rel'] == 1.0
    assert len(report['details']['curves']['aligned']['curve']) == 100
    assert (tmp_path / 'hand3d_pck.png').stat().st_size > 1000
    preds = json.loads((tmp_path / 'hand3d_predictions.json').read_text())
    assert len(preds) == 4 and np.asarray(preds[0]['keypoints_3d_mm']).shape == (21, 3)


def test_translation_error_is_absolute_only(tmp_path):
    rng = np.random.default_rng(1)
    hands = [random_joint_cloud(rng) for _ in range(3)]
    shift = np.array([6.0, 8.0, 0.0], np.float32)  # 10 mm off, same shape
    metric = Hand3DMetric(out_dir=str(tmp_path))
    res = _run(metric, [make_sample(h, h + shift, idx=i) for i, h in enumerate(hands)])
    assert res['hand3d/EPE_abs_mean'] == pytest.approx(10.0, abs=1e-3)
    assert res['hand3d/EPE_abs_median'] == pytest.approx(10.0, abs=1e-3)
    assert res['hand3d/EPE_rel_mean'] < 1e-3 and res['hand3d/EPE_aligned_mean'] < 1e-3
    expected = pck_auc(np.full((3, 21), 10.0))['auc']  # hand value: 1 - (first threshold >= 10) area lost
    assert res['hand3d/AUC_abs'] == pytest.approx(expected, abs=1e-6)
    assert res['hand3d/AUC_abs_20_50'] == pytest.approx(1.0)
    # Tab. 2: shifting in x/y at constant depth moves the 2D projection, not the depth
    assert res['hand3d/Tab2_z_abs_mm'] < 1e-3 and res['hand3d/Tab2_2d_px'] > 1.0


def test_sixty_mm_error_and_scaled_prediction(tmp_path):
    rng = np.random.default_rng(2)
    hand = random_joint_cloud(rng)
    far = hand + np.array([0.0, 0.0, 60.0], np.float32)
    res = _run(Hand3DMetric(out_dir=str(tmp_path)), [make_sample(hand, far)])
    assert res['hand3d/AUC_abs'] == 0.0 and res['hand3d/EPE_abs_mean'] == pytest.approx(60.0, abs=1e-3)
    assert res['hand3d/Tab2_z_abs_mm'] == pytest.approx(60.0, abs=1e-3) and res['hand3d/Tab2_z_mm'] < 1e-3
    # a 20% larger hand: Procrustes removes it, root-relative does not
    big = (hand - hand[0]) * 1.2 + hand[0]
    res = _run(Hand3DMetric(out_dir=str(tmp_path)), [make_sample(hand, big)])
    assert res['hand3d/EPE_aligned_mean'] < 1e-3 and res['hand3d/EPE_rel_mean'] > 1.0


def test_2d_only_and_unlabelled_samples(tmp_path):
    rng = np.random.default_rng(3)
    h3d, h2d, hnone = random_joint_cloud(rng), random_joint_cloud(rng), random_joint_cloud(rng)
    visible = np.ones(21)
    visible[15:] = 0
    pred_2d_only = h2d + 5.0

    def samples(garbage):
        return [
            make_sample(h3d, h3d + 1.0, idx=0),
            make_sample(h2d, pred_2d_only + garbage, pred_2d=None, has_3d_eval=False, visible=visible, idx=1),
            make_sample(hnone, hnone + garbage, has_3d_eval=False, visible=np.zeros(21), idx=2),
        ]

    res = _run(Hand3DMetric(out_dir=str(tmp_path)), samples(0.0))
    assert (res['hand3d/num_3d'], res['hand3d/num_2d_only'], res['hand3d/num_unlabelled']) == (1, 1, 1)
    # 3D metrics only see sample 0: a wild 3D prediction on the 2D-only and unlabelled samples changes nothing
    res2 = _run(Hand3DMetric(out_dir=str(tmp_path)), samples(np.float32(300.0)))
    for key in ('hand3d/EPE_abs_mean', 'hand3d/EPE_rel_mean', 'hand3d/AUC_aligned', 'hand3d/Tab2_z_mm'):
        assert res2[key] == pytest.approx(res[key])
    assert res2['hand3d/EPE_2d_px'] != pytest.approx(res['hand3d/EPE_2d_px'])  # 2D metric sees sample 1
    # ... and the unlabelled sample is written, not scored
    preds = json.loads((tmp_path / 'hand3d_predictions.json').read_text())
    assert [p['labelled_2d'] for p in preds] == [True, True, False]


def test_only_2d_labels_gives_only_2d_metrics(tmp_path):
    rng = np.random.default_rng(4)
    hand = random_joint_cloud(rng)
    res = _run(Hand3DMetric(out_dir=str(tmp_path)), [make_sample(hand, hand, has_3d_eval=False)])
    assert res['hand3d/EPE_2d_px'] < 1e-3 and res['hand3d/AUC_2d'] == pytest.approx(1.0)
    assert not any('EPE_rel' in k or 'Tab2' in k for k in res)
    assert all(np.isfinite(v) for v in res.values())


def test_no_out_dir_outside_runner_writes_nothing(tmp_path, monkeypatch):
    from bmc_mmpose.evaluation.metrics import _common
    monkeypatch.setattr(_common, 'work_dir_from_logger', lambda: None)
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(5)
    hand = random_joint_cloud(rng)
    res = _run(Hand3DMetric(), [make_sample(hand, hand)])
    assert 'hand3d/AUC_aligned' in res
    assert list(tmp_path.iterdir()) == []


def test_per_dataset_breakdown_and_errors(tmp_path):
    rng = np.random.default_rng(6)
    a, b = random_joint_cloud(rng), random_joint_cloud(rng)
    _run(Hand3DMetric(out_dir=str(tmp_path)), [make_sample(a, a, dataset_name='freihand'),
                                                make_sample(b, b + 60.0, idx=1, dataset_name='rhd')])
    report = json.loads((tmp_path / 'hand3d_metrics.json').read_text())
    assert report['per_dataset']['freihand']['AUC_abs'] == pytest.approx(1.0)
    assert report['per_dataset']['rhd']['AUC_abs'] == 0.0
    metric = Hand3DMetric(out_dir=str(tmp_path))
    sample = make_sample(a, a)
    del sample['pred_instances']['keypoints_3d']
    with pytest.raises(KeyError, match='pred_instances.keypoints_3d'):
        metric.process({}, [sample])
