# Copyright (c) bmc_mmpose authors. All rights reserved.
"""tools/experiments/run_lifting_proxy.py and tools/analysis_tools/analyze_lifting_bmc.py on a tiny budget: records, columns, the BMC minimum."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from bmc_mmpose.testing.tool_modules import load_tool

REPO = Path(__file__).resolve().parents[2]


def _load(folder, name):
    return load_tool(REPO / 'tools' / folder / f'{name}.py')


@pytest.fixture(scope='module')
def runner():
    return _load('experiments', 'run_lifting_proxy')


@pytest.fixture(scope='module')
def analysis():
    return _load('analysis_tools', 'analyze_lifting_bmc')


def test_tiny_proxy_run_writes_every_column(runner, tmp_path):
    out = tmp_path / 'proxy.json'
    runner.main(['--rows', 'a3d_b2d', 'a3d_b2d_bmc', '--seeds', '0', '--noise', 'exact', 'det', '--num-a', '300',
                 '--num-b', '300', '--num-test', '50', '--cache-dir', str(tmp_path), '--out', str(out),
                 '--cfg-options', 'lifting_proxy.iters=3', 'lifting_proxy.batch_a=16', 'lifting_proxy.batch_b=16'])
    saved = json.loads(out.read_text())
    assert len(saved['records']) == 4 and saved['generator_version'] >= 1
    for rec in saved['records']:
        for key in ('row', 'config', 'seed', 'noise', 'err3d_mm', 'errz_mm', 'err2d_px', 'root_ratio_median',
                    'viol_bone_length', 'loss_bl', 'train_seconds', 'machine', 'date'):
            assert key in rec, key
        assert np.isfinite(rec['err3d_mm']) and rec['err3d_mm'] > 0
    det = [r for r in saved['records'] if r['noise'] == 'det']
    exact = [r for r in saved['records'] if r['noise'] == 'exact']
    assert det[0]['input_err2d_px'] > 0 and exact[0]['input_err2d_px'] == 0
    table = runner.format_table(saved['records'], ['a3d_b2d', 'a3d_b2d_bmc'], ['exact', 'det'])
    assert table.count('\n') == 5 and 'Tab. 2: + L_BMC' in table


def test_true_hands_are_a_minimum_of_bmc_as_applied(runner, analysis, tmp_path):
    """Exact 2D, true z_r, limits computed from the domain's own 3D: L_BMC is 0 (up to the float32 margin of the
    limits) with the root at its true depth and at the closed-form depth (the placement the head applies), and its
    gradient vanishes there."""
    from bmc_mmpose.models.losses import BMCLoss
    data = runner.ProxyData(0, 'exact', num_a=200, num_b=3000, num_test=200, cache_dir=str(tmp_path))
    bmc = BMCLoss(limits=data.limits)
    uv, K, z_true, root_true = analysis.test_tensors(data)
    for placement in ('true_root', 'closed_form'):
        z = z_true.clone().requires_grad_(True)
        loss = bmc.terms(analysis.place_joints(uv, z, K, placement, root_true))['loss']
        value = loss.detach()
        grad, = torch.autograd.grad(loss.sum(), z)
        # test hands outside the 3000 training hands' limits are rare; their loss is small
        assert float(value.median()) == 0.0 and float(value.mean()) < 1e-3, placement
        assert float(grad.norm(dim=-1).median()) == 0.0, placement


def test_every_lifting_row_config_is_a_runner_row_and_builds(runner):
    configs = sorted(p.stem for p in (REPO / 'configs' / 'synthetic' / 'lifting').glob('*.py'))
    rows = [c for c in configs if not c.startswith('rhd3d_fh2d_lifter')]  # the MMEngine (tools/train.py) configs
    # the MMEngine config starts the refiner from the all-bone root, as the proxy rows
    from mmengine.config import Config
    lifter = Config.fromfile(str(REPO / 'configs' / 'synthetic' / 'lifting' / 'rhd3d_fh2d_lifter.py'))
    assert lifter.model.head.root_solver == runner.load_row('a3d')[0].model.head.root_solver == 'bones'
    assert lifter.train_cfg.max_iters == 2000  # its own schedule, not the image main job's
    assert sorted(runner.ROWS) == rows
    for row in rows:
        cfg, _ = runner.load_row(row)
        model = runner.build_model(cfg, None, [1.0] * 20)
        assert type(model).__name__ == 'KeypointLifter' and model.head.root_solver in ('bones', 'closed_form')
        bmc = cfg.model.head.get('loss_bmc')
        assert (bmc is not None) == ('bmc' in row or row.endswith(('_bl', '_rb', '_a'))), row


def test_rows_that_differ_only_in_test_cfg_share_one_training(runner, tmp_path):
    """a3d_b2d_refine trains exactly as a3d_b2d: run alone or after a3d_b2d (sharing its weights) it gives the same
    record, and the refinement changes the prediction of the same network."""
    common = ['--seeds', '0', '--noise', 'exact', '--num-a', '300', '--num-b', '300', '--num-test', '40',
              '--cache-dir', str(tmp_path), '--cfg-options', 'lifting_proxy.iters=5', 'lifting_proxy.batch_a=16',
              'lifting_proxy.batch_b=16']
    runner.main(['--rows', 'a3d_b2d_refine', '--out', str(tmp_path / 'alone.json')] + common)
    runner.main(['--rows', 'a3d_b2d', 'a3d_b2d_refine', '--out', str(tmp_path / 'shared.json')] + common)
    alone = json.loads((tmp_path / 'alone.json').read_text())['records'][0]
    shared = {r['row']: r for r in json.loads((tmp_path / 'shared.json').read_text())['records']}
    assert shared['a3d_b2d_refine']['err3d_mm'] == alone['err3d_mm']
    assert shared['a3d_b2d_refine']['train_seconds'] == shared['a3d_b2d']['train_seconds']
    assert shared['a3d_b2d_refine']['err3d_mm'] != shared['a3d_b2d']['err3d_mm']


@pytest.mark.parametrize('row', ['a3d_b2d_pseudo', 'a3d_b2d_pseudo_conf'])
def test_pseudo_labels_never_read_b_true_3d(runner, tmp_path, monkeypatch, row):
    """The pseudo-label rows train twice on B's 2D and their own refined lifts: with B's true 3D and scale replaced
    by NaN after the limits were computed, every loss stays finite (train raises on a non-finite loss). The
    confidence-weighted row passes one weight per B hand, mean 1, not all equal; the plain row none."""
    from bmc_mmpose.utils import lifting_proxy
    data = runner.ProxyData(0, 'exact', num_a=200, num_b=200, num_test=20, cache_dir=str(tmp_path))
    data.b['keypoints_3d'][:] = np.nan
    data.b['ref_bone_length'][:] = np.nan
    cfg, _ = runner.load_row(row, {'lifting_proxy.iters': 4, 'lifting_proxy.batch_a': 8,
                                   'lifting_proxy.batch_b': 8, 'lifting_proxy.pseudo_labels.steps': 3})
    model = runner.build_model(cfg, data.limits, data.bone_lengths)
    seen = []
    original = lifting_proxy.training_batch

    def recording_batch(*args):
        seen.append(args[7] if len(args) > 7 else None)
        return original(*args)

    monkeypatch.setattr(lifting_proxy, 'training_batch', recording_batch)
    assert lifting_proxy.train(model, data, dict(cfg.lifting_proxy), seed=0) > 0
    assert not (model.test_cfg or {}).get('bmc_refine')  # the labelling refinement is not left in the model
    second_round = seen[4:]
    assert len(second_round) == 4
    if row == 'a3d_b2d_pseudo':
        assert all(w is None for w in second_round)
    else:
        weights = second_round[0]
        assert weights.shape == (200, ) and abs(weights.mean() - 1.0) < 1e-5 and weights.std() > 0


def test_validation_split_is_other_hands_and_is_never_mixed_with_the_test_split(runner, tmp_path):
    from bmc_mmpose.utils.lifting_proxy import TEST_SEED, VALIDATION_SEED
    assert TEST_SEED != VALIDATION_SEED
    test = runner.ProxyData(0, 'exact', num_a=50, num_b=50, num_test=20, cache_dir=str(tmp_path))
    val = runner.ProxyData(0, 'exact', num_a=50, num_b=50, num_test=20, cache_dir=str(tmp_path),
                           test_seed=VALIDATION_SEED)
    assert not np.allclose(test.test['keypoints_3d'], val.test['keypoints_3d'])
    np.testing.assert_array_equal(test.b['keypoints_3d'], val.b['keypoints_3d'])  # same training hands
    out = tmp_path / 'val.json'
    args = ['--rows', 'a3d', '--seeds', '0', '--noise', 'exact', '--num-a', '100', '--num-b', '100', '--num-test', '20',
            '--cache-dir', str(tmp_path), '--cfg-options', 'lifting_proxy.iters=2', 'lifting_proxy.batch_a=8']
    runner.main(args + ['--split', 'validation', '--out', str(out)])
    assert json.loads(out.read_text())['split'] == 'validation'
    with pytest.raises(SystemExit, match='validation split'):
        runner.main(args + ['--out', str(out)])


def test_confidence_part_reports_signals_on_the_validation_split(analysis, monkeypatch, tmp_path):
    import argparse
    real_load_row = analysis.load_row
    monkeypatch.setattr(analysis, 'load_row', lambda row: real_load_row(
        row, {'lifting_proxy.iters': 3, 'lifting_proxy.batch_a': 16, 'lifting_proxy.batch_b': 16,
              'model.test_cfg.bmc_refine.steps': 5}))
    args = argparse.Namespace(noise='exact', num_a=200, num_b=200, num_test=40, cache_dir=str(tmp_path),
                              refine_row='a3d_b2d_refine')
    out = analysis.part_confidence(args, seed=0)
    from bmc_mmpose.utils.lifting_proxy import VALIDATION_SEED
    assert out['split_seed'] == VALIDATION_SEED and out['err3d_mm_before'] > 0 and out['err3d_mm_after'] > 0
    rho = out['spearman_with_refined_err3d']
    assert set(rho) == {'residual_l_bmc', 'initial_l_bmc', 'displacement'}
    assert all(-1.0 <= v <= 1.0 for v in rho.values())
    quartiles = out['refined_err3d_mm_by_residual_quartile']
    assert len(quartiles) == 4 and all(q is None or q > 0 for q in quartiles)
