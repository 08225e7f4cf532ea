# Copyright (c) bmc_mmpose authors. All rights reserved.
import numpy as np
import pytest

from bmc_mmpose.evaluation.submission import read_freihand_submission, read_ho3d_submission
from mmpose.registry import METRICS
from bmc_mmpose.testing.hands import random_joint_cloud
from bmc_mmpose.testing.metric_samples import make_sample


@pytest.mark.parametrize('kind', ['freihand', 'ho3d'])
def test_writer_sorts_by_sample_idx_and_round_trips(tmp_path, kind):
    rng = np.random.default_rng(0)
    hands = [random_joint_cloud(rng) for _ in range(5)]
    order = [3, 0, 4, 1, 2]  # results arrive out of order (e.g. several ranks)
    samples = [make_sample(hands[i], hands[i], idx=i, has_3d_eval=False, visible=np.zeros(21)) for i in order]
    writer = METRICS.build(dict(type='SubmissionWriter', kind=kind, out_file=str(tmp_path / 'pred.zip')))
    writer.process({}, samples)
    res = writer.evaluate(len(samples))
    assert res == {'submission/num_samples': 5.0}
    reader = read_freihand_submission if kind == 'freihand' else read_ho3d_submission
    back, verts = reader(str(tmp_path / 'pred.zip'))
    np.testing.assert_allclose(back, np.stack(hands), atol=1e-4)  # float32 predictions, exact in float64
    assert verts[0].shape == (778, 3)


def test_writer_unmirrors_and_checks_kind(tmp_path):
    rng = np.random.default_rng(1)
    hand = random_joint_cloud(rng)
    writer = METRICS.build(dict(type='SubmissionWriter', kind='freihand', out_file=str(tmp_path / 'p.json')))
    writer.process({}, [make_sample(hand, hand, mirrored=True)])
    writer.evaluate(1)
    back, _ = read_freihand_submission(str(tmp_path / 'p.json'))
    np.testing.assert_allclose(back[0], hand * np.array([-1, 1, 1]), atol=1e-4)
    with pytest.raises(ValueError, match='kind'):
        METRICS.build(dict(type='SubmissionWriter', kind='rhd', out_file='x.zip'))
