# Copyright (c) bmc_mmpose authors. All rights reserved.
import numpy as np
import pytest
import torch

from bmc_mmpose.evaluation.metrics import HandPlausibilityMetric
from bmc_mmpose.testing.hands import random_joint_cloud
from bmc_mmpose.testing.metric_samples import make_sample


class _FakeBMCLoss:
    """Stands in for BMCLoss.terms with known violations: hand i violates bone i (if i < 20) only."""

    def __init__(self):
        self.seen = None

    def terms(self, joints):
        self.seen = joints
        batch = joints.shape[0]
        bl = torch.zeros(batch, 20, dtype=torch.bool)
        bl[0, :2] = True
        ja = torch.zeros(batch, 15, dtype=torch.bool)
        ja[1, 0] = True
        return dict(loss_bl=torch.arange(batch, dtype=torch.float32), loss_rb=torch.zeros(batch),
                    loss_a=torch.ones(batch), violation_bone_length=bl,
                    violation_root_curvature=torch.zeros(batch, 4, dtype=torch.bool),
                    violation_root_angle=torch.zeros(batch, 4, dtype=torch.bool), violation_joint_angle=ja)


def test_aggregation_with_known_violations():
    rng = np.random.default_rng(0)
    hands = [random_joint_cloud(rng) for _ in range(4)]
    metric = HandPlausibilityMetric(eval_gt=True)
    fake = _FakeBMCLoss()
    metric._loss = fake
    metric.process({}, [make_sample(h, h, idx=i) for i, h in enumerate(hands)])
    res = metric.evaluate(4)
    # scale-normalised input: bone 9->10 of the prediction has length 1
    np.testing.assert_allclose(torch.linalg.norm(fake.seen[:, 9] - fake.seen[:, 10], dim=-1).numpy(), 1.0,
                               rtol=1e-5)
    assert res['plausibility/hands_bone_length'] == pytest.approx(0.25)
    assert res['plausibility/elements_bone_length'] == pytest.approx(2 / 80)
    assert res['plausibility/hands_joint_angle'] == pytest.approx(0.25)
    assert res['plausibility/elements_joint_angle'] == pytest.approx(1 / 60)
    assert res['plausibility/hands_root_angle'] == 0.0
    assert res['plausibility/hands_any'] == pytest.approx(0.5)
    assert res['plausibility/loss_bl'] == pytest.approx(1.5) and res['plausibility/loss_a'] == 1.0
    assert res['plausibility/gt_num_hands'] == 4.0 and 'plausibility/gt_hands_any' in res


def test_with_real_bmc_loss():
    from bmc_mmpose.models.losses import bmc_loss as bmc
    rng = np.random.default_rng(1)
    hands = [random_joint_cloud(rng) for _ in range(3)]
    metric = HandPlausibilityMetric()
    metric.process({}, [make_sample(h, h, idx=i) for i, h in enumerate(hands)])
    res = metric.evaluate(3)
    assert isinstance(metric.bmc_loss, bmc.BMCLoss)
    # random point clouds are not hands: they must violate the limits
    assert res['plausibility/hands_any'] > 0
    assert all(0.0 <= v <= 1.0 for k, v in res.items() if '/hands_' in k or '/elements_' in k)


def test_shape_only_ignores_a_wrong_global_scale():
    """A plausible hand predicted 30 % too large (as a root-depth error makes it) breaks the bone-length limits as
    predicted, but not with ``shape_only=True``, which judges the hand divided by its own reference bone."""
    from bmc_mmpose.limits import compute_bmc_limits
    from bmc_mmpose.synthetic import DOMAIN_B_POSES, sample_hands
    hands, _ = sample_hands(np.random.default_rng(2), 400, DOMAIN_B_POSES, 128)
    limits = compute_bmc_limits(hands).to_dict()
    samples = [make_sample(h, 1.3 * h, idx=i) for i, h in enumerate(hands[:20])]  # the limits contain these hands
    as_predicted = HandPlausibilityMetric(limits=limits, eval_gt=False)
    shape_only = HandPlausibilityMetric(limits=limits, eval_gt=False, shape_only=True)
    for metric in (as_predicted, shape_only):
        metric.process({}, samples)
    assert as_predicted.evaluate(20)['plausibility/elements_bone_length'] > 0.9
    res = shape_only.evaluate(20)
    assert res["plausibility/hands_any"] == 0.0, {k: v for k, v in res.items() if v}
