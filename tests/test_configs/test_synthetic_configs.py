# Copyright (c) bmc_mmpose authors. All rights reserved.
"""The main-job config and every proxy row parse, build their model, and differ from the proxy base as documented."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

import bmc_mmpose  # noqa: F401  (registers everything, as custom_imports does)
from bmc_mmpose.models import BMCLoss, ConfidenceKeypoint2DLoss
from mmpose.registry import MODELS
from bmc_mmpose.testing.tool_modules import load_tool

init_default_scope('mmpose')

REPO = Path(__file__).resolve().parents[2]
PROXY_DIR = REPO / 'configs' / 'synthetic' / 'proxy'


def _load(path: Path) -> Config:
    cfg = Config.fromfile(str(path))
    bmc = cfg.model.head.get('loss_bmc')
    if bmc is not None and bmc.limits != 'literature' and not (REPO / bmc.limits).is_file():
        bmc.limits = 'literature'  # the computed limits exist only after the data is generated
    return cfg


def _proxy_runner():
        return load_tool(REPO / 'tools' / 'experiments' / 'run_proxy_experiments.py')


def test_proxy_rows_match_the_runner():
    assert sorted(_proxy_runner().ROWS) == sorted(p.stem for p in PROXY_DIR.glob('*.py'))


def test_proxy_table_marks_rows_tested_from_another_checkpoint(tmp_path):
    runner = _proxy_runner()
    for row, timing in (('a3d', {'train': 612.4, 'test': 20.0}), ('a3d_b2d_bmc', {'checkpoint': 'x/iter_2000.pth'})):
        (tmp_path / row / 'test').mkdir(parents=True)
        (tmp_path / row / 'test' / 'test_metrics.json').write_text('{"hand3d/Tab2_3d_mm": 61.25}')
        (tmp_path / row / 'timing.json').write_text(json.dumps(timing))
    lines = runner.format_table(str(tmp_path), ['a3d', 'a3d_b2d', 'a3d_b2d_bmc']).splitlines()
    assert lines[2].startswith(f'| {runner.ROWS["a3d"]} |') and '61.25' in lines[2] and lines[2].endswith('| 612 |')
    assert 'not run' in lines[3]
    assert lines[4].endswith('| tested `x/iter_2000.pth` |') and '61.25' in lines[4]


def test_proxy_runner_rejects_a_bad_checkpoint_option():
    proc = subprocess.run([sys.executable, str(REPO / 'tools' / 'experiments' / 'run_proxy_experiments.py'), '--from-checkpoint',
                           'a3d_b2d_bmc=no/such.pth'], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 2
    assert "--from-checkpoint 'a3d_b2d_bmc=no/such.pth'" in proc.stderr and 'existing checkpoint' in proc.stderr


def test_proxy_runner_redirects_data_paths(tmp_path):
    runner = _proxy_runner()
    tree = dict(a='data/synthetic/domain_b_freihand/', b=['data/synthetic/x.json', ('data/synthetic/y', 3)],
                c='data/synthetic_other/z', d='work_dirs/data/synthetic/w', e=1.5)
    out = runner.redirect_paths(tree, 'data/gap05')
    assert out == dict(a='data/gap05/domain_b_freihand/', b=['data/gap05/x.json', ('data/gap05/y', 3)],
                       c='data/synthetic_other/z', d='work_dirs/data/synthetic/w', e=1.5)
    row = 'configs/synthetic/proxy/a3d_b2d_bmc.py'
    assert runner.config_for(row, 'data/synthetic/', str(tmp_path)) == row  # the default folder: the config itself
    copy = Config.fromfile(runner.config_for(row, 'data/gap05', str(tmp_path)))
    original = Config.fromfile(str(REPO / row))
    assert 'data/synthetic/' not in copy.pretty_text
    assert [d.data_root for d in copy.train_dataloader.dataset.datasets] == [
        'data/gap05/domain_a_rhd/', 'data/gap05/domain_b_freihand/']
    assert copy.model.head.loss_bmc.limits == copy.val_evaluator[1].limits == 'data/gap05/bmc_limits_domain_b.json'
    assert copy.test_dataloader.dataset.data_root == 'data/gap05/domain_b_freihand/'
    assert copy.model.backbone == original.model.backbone and copy.train_cfg == original.train_cfg


def test_proxy_runner_prepares_pseudo_labels_once(tmp_path, monkeypatch):
    """The pseudo-label row's file: a lifter trained, then B's training 2D labels lifted with BMC refinement under
    B's computed limits, into the data folder the row's config reads (redirected for another folder)."""
    runner = _proxy_runner()
    monkeypatch.setattr(runner, 'REPO', str(tmp_path))
    calls = []

    def fake_run(step, args):
        calls.append(args)
        if args[0] == 'tools/train.py':
            work_dir = tmp_path / args[args.index('--work-dir') + 1]
            work_dir.mkdir(parents=True)
            (work_dir / 'last_checkpoint').write_text('w/lifter/iter_2000.pth\n')
        else:
            (tmp_path / args[args.index('--out') + 1]).write_text('{}')
        return 1.0

    monkeypatch.setattr(runner, 'run', fake_run)
    monkeypatch.setattr(runner, 'config_for', lambda config, data_dir, work_dir: config)
    (tmp_path / 'data' / 'other').mkdir(parents=True)
    out = runner.prepare_pseudo_labels('data/other', 'w')
    assert out == 'data/other/pseudo_labels_domain_b.json' and (tmp_path / out).is_file()
    train, lift = calls
    assert train == ['tools/train.py', 'configs/synthetic/lifting/rhd3d_fh2d_lifter.py', '--work-dir', 'w/lifter']
    assert lift[:3] == ['tools/inference/lift_keypoints.py', train[1], 'w/lifter/iter_2000.pth']
    assert lift[lift.index('--dataset-key') + 1] == 'train_dataloader.dataset.datasets.1'  # B's training part
    assert lift[lift.index('--limits') + 1] == 'data/other/bmc_limits_domain_b.json'
    assert 'model.test_cfg.bmc_refine.loss.limits=data/other/bmc_limits_domain_b.json' in lift
    assert 'model.test_cfg.bmc_refine.steps=100' in lift
    assert runner.prepare_pseudo_labels('data/other', 'w') == out and len(calls) == 2  # present: not redone
    row = Config.fromfile(str(REPO / 'configs' / 'synthetic' / 'proxy' / 'a3d_b2d_pseudo.py'))
    lifted = row.train_dataloader.dataset.datasets[1].pipeline[0]
    assert lifted.type == 'LoadLiftedKeypoints3D' and lifted.weighting == 'bmc_residual'
    assert lifted.lifted_file == 'data/synthetic/pseudo_labels_domain_b.json'


def test_proxy_runner_needs_its_own_data_dir_for_another_gap():
    proc = subprocess.run([sys.executable, str(REPO / 'tools' / 'experiments' / 'run_proxy_experiments.py'), '--gap', '0.5'],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 2 and '--gap 0.5 needs its own --data-dir' in proc.stderr


@pytest.mark.parametrize('name', sorted(p.stem for p in PROXY_DIR.glob('*.py')))
def test_proxy_config_builds(name):
    cfg = _load(PROXY_DIR / f'{name}.py')
    main = Config.fromfile(str(REPO / 'configs' / 'synthetic' / 'rhd3d_fh2d_synthetic.py'))
    # every row trains the main job's model, with the proxy's longer schedule (lr x0.1 at 75 % as the main job)
    assert cfg.train_cfg.max_iters == 10000 and main.train_cfg.max_iters == 5000
    assert cfg.param_scheduler[-1].milestones == [7500] and cfg.model.backbone == main.model.backbone
    assert cfg.model.head.readout == main.model.head.readout and cfg.model.head.input_size == main.model.head.input_size
    assert cfg.test_dataloader.dataset == main.test_dataloader.dataset  # every row is evaluated on the same images
    sources = cfg.train_dataloader.dataset.datasets
    assert len(sources) == len(cfg.train_dataloader.sampler.source_ratio) == (1 if name == 'a3d' else 2)
    assert sources[0] == main.train_dataloader.dataset.datasets[0]  # domain A, 3D, unchanged
    if len(sources) == 2:
        assert sources[1].supervision == ('3d' if name.startswith('a3d_b3d') else '2d')
        detected = [t for t in sources[1].pipeline if t.type == 'LoadDetectedKeypoints2D']
        assert bool(detected) == name.startswith('a3d_bdet')
        if detected:
            assert detected[0].confidence_as_weight == (name != 'a3d_bdet')
    head = MODELS.build(cfg.model).head
    has_bmc = name.endswith('bmc') or '_bmc_' in name or name in ('a3d_b2d_bl', 'a3d_b2d_bl_rb')
    assert (head.loss_bmc is not None) == has_bmc
    if has_bmc:
        assert isinstance(head.loss_bmc, BMCLoss)
        weights = (head.loss_bmc.lambda_bl, head.loss_bmc.lambda_rb, head.loss_bmc.lambda_a)
        expected = {'a3d_b2d_bl': (0.1, 0., 0.), 'a3d_b2d_bl_rb': (0.1, 0.1, 0.), 'a3d_b2d_bmc_x10': (1., 1., 0.1)}
        assert weights == pytest.approx(expected.get(name, (0.1, 0.1, 0.01)))
    assert head.loss_bmc is None or head.loss_bmc.angle_limits == ('box' if name == 'a3d_b2d_bmc_box' else 'hull')
    expected_root_depth = {'a3d_b2d_bmc_cf': 'closed_form', 'a3d_b2d_bmc_root_detached': 'refined_detached'}
    assert head.bmc_root_depth == expected_root_depth.get(name, 'refined')
    assert isinstance(head.loss_2d, ConfidenceKeypoint2DLoss) == name.startswith('a3d_bdet_conf')
    refine = cfg.model.test_cfg.get('bmc_refine')
    assert bool(refine) == (name == 'a3d_b2d_refine')
    if refine:  # the computed limits, as the plausibility metrics use
        assert refine.loss.limits == cfg.val_evaluator[1].limits


def test_proxy_runner_writes_every_seed_as_json(tmp_path):
    """``--seeds``: one folder per seed; the table shows the mean and both values; the JSON one record per seed."""
    runner = _proxy_runner()
    for seed, value in ((0, 60.0), (1, 50.0)):
        folder = tmp_path / f'seed{seed}' / 'a3d_b2d'
        (folder / 'test').mkdir(parents=True)
        (folder / 'test' / 'test_metrics.json').write_text(json.dumps({'hand3d/Tab2_3d_mm': value}))
        (folder / 'timing.json').write_text(json.dumps({'train': 100.0 + seed, 'test': 5.0}))
    line = runner.format_table(str(tmp_path), ['a3d_b2d'], seeds=[0, 1]).splitlines()[2]
    assert '[2 of 2 seeds]' in line and '55.00 (60.00, 50.00)' in line and line.endswith('| 100, 101 |')
    out = tmp_path / 'proxy.json'
    runner.write_json(str(out), str(tmp_path), seeds=[0, 1], command='test')
    data = json.loads(out.read_text())
    assert [(r['row'], r['seed'], r['columns']['3D mm'], r['train_seconds']) for r in data['records']] == [
        ('a3d_b2d', 0, 60.0, 100.0), ('a3d_b2d', 1, 50.0, 101.0)]
    assert data['records'][0]['config'] == 'configs/synthetic/proxy/a3d_b2d.py'
    assert data['machine'] and data['date'].endswith('Z') and data['records'][0]['columns']['2D px'] is None
    assert data['records'][0]['max_iters'] is None  # no dumped training config in this fixture
    # without --seeds: seed and iterations of the config as trained (tools/train.py dumps it into the row's folder)
    row_dir = tmp_path / 'single' / 'a3d_b2d'
    (row_dir / 'test').mkdir(parents=True)
    (row_dir / 'test' / 'test_metrics.json').write_text(json.dumps({'hand3d/Tab2_3d_mm': 70.0}))
    (row_dir / 'a3d_b2d.py').write_text('randomness = dict(seed=7)\ntrain_cfg = dict(max_iters=1000)\n')
    record = runner.collect_records(str(tmp_path / 'single'))[0]
    assert (record['seed'], record['max_iters'], record['columns']['3D mm']) == (7, 1000, 70.0)


@pytest.mark.parametrize('name', sorted(p.stem for p in (REPO / 'configs' / 'synthetic' / 'candidates').glob('*.py')))
def test_candidate_config_builds(name):
    """Each model candidate trains on both domains' 3D labels with its own model and the proxy's evaluation."""
    cfg = _load(REPO / 'configs' / 'synthetic' / 'candidates' / f'{name}.py')
    head = MODELS.build(cfg.model).head
    assert cfg.train_dataloader.dataset.datasets[1].supervision == '3d' and head.loss_bmc is None
    # the dense heatmap loss needs heatmaps: on for the heatmap read-outs, off for the regression one
    assert (head.loss_heatmap is not None) == (type(head.readout).__name__ == 'HeatmapReadout2p5D')


def test_root_bones_rows_differ_only_in_the_root_solver():
    for name in ('a3d_b2d', 'a3d_b2d_bmc'):
        base = _load(PROXY_DIR / f'{name}.py')
        bones = _load(PROXY_DIR / f'{name}_root_bones.py' if name == 'a3d_b2d' else PROXY_DIR / 'a3d_b2d_bmc_root_bones.py')
        assert bones.model.head.pop('root_solver') == 'bones' and bones.model.head.pop('bone_lengths') == 'template'
        assert bones.model == base.model and bones.train_dataloader == base.train_dataloader
        assert bones.train_cfg == base.train_cfg
