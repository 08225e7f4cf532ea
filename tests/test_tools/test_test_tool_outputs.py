# Copyright (c) bmc_mmpose authors. All rights reserved.
"""tools/test.py end to end: --dump-submission freihand / ho3d (the zip read back: count and order), --out,
--show-dir, and a torchrun evaluation in which two ranks see every sample exactly once."""
import re
import json
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

from bmc_mmpose.apis import init_hand3d_model
from bmc_mmpose.evaluation.submission import read_freihand_submission, read_ho3d_submission
from bmc_mmpose.testing.dataset_fixtures import write_synthetic_freihand, write_synthetic_ho3d
from mmpose.registry import DATASETS
from bmc_mmpose.testing.small_hand3d_config import write_tiny_config, write_tiny_data
from .tiny_setup import REPO, run_tool

NUM_EVAL = 5  # odd: under torchrun the two ranks get 3 and 2 (the configs' samplers use round_up=False)


@pytest.fixture(scope='module')
def eval_setup(tmp_path_factory):
    root = tmp_path_factory.mktemp('eval_data')
    data = write_tiny_data(root / 'train')
    write_synthetic_freihand(root / 'fh_eval', num_unique=NUM_EVAL, seed=11, evaluation=True)
    write_synthetic_ho3d(root / 'ho3d_eval', 'evaluation', num_frames=NUM_EVAL, seed=12)
    return root, data


def _config(tmp_path: Path, data, dataset: dict, evaluator: str, more: str = '') -> Path:
    extra = more + f"""
test_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(_delete_=True, **{dataset!r}, test_mode=True, pipeline=_pipeline))
test_evaluator = {evaluator}
"""
    return write_tiny_config(tmp_path / 'cfg.py', data, mixed=False, extra=extra)


def _checkpoint(cfg_path: Path, path: Path) -> Path:
    torch.manual_seed(0)
    model = init_hand3d_model(str(cfg_path), keep_bmc_loss=True)
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return path


def _predictions_one_by_one(cfg_path: Path, ckpt: Path) -> np.ndarray:
    """(N, 21, 3) mm: the model's 3D prediction of every test sample, in dataset order, one sample at a time."""
    init_default_scope('mmpose')
    model = init_hand3d_model(str(cfg_path), str(ckpt))
    cfg = Config.fromfile(str(cfg_path))
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    out = []
    with torch.no_grad():
        for i in range(len(dataset)):
            sample = model.test_step(pseudo_collate([dataset[i]]))[0]
            out.append(np.asarray(sample.pred_instances.keypoints_3d).reshape(21, 3))
    return np.stack(out)


def test_freihand_submission_out_and_show_dir(eval_setup, tmp_path):
    root, data = eval_setup
    dataset = dict(type='FreiHand3DDataset', data_root=str(root / 'fh_eval'), split='evaluation')
    cfg = _config(tmp_path, data, dataset, "[dict(type='Hand3DMetric')]")
    ckpt = _checkpoint(cfg, tmp_path / 'model.pth')
    work, zip_path, out = tmp_path / 'work', tmp_path / 'pred_fh.zip', tmp_path / 'preds.pkl'
    proc = run_tool([str(REPO / 'tools/test.py'), str(cfg), str(ckpt), '--work-dir', str(work), '--dump-submission',
                     'freihand', '--submission-file', str(zip_path), '--out', str(out), '--show-dir',
                     str(tmp_path / 'vis')], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]

    joints, verts = read_freihand_submission(str(zip_path))
    assert joints.shape == (NUM_EVAL, 21, 3) and len(verts) == NUM_EVAL
    np.testing.assert_allclose(joints, _predictions_one_by_one(cfg, ckpt), atol=0.05)  # mm; json rounding

    with open(out, 'rb') as f:
        dumped = pickle.load(f)
    assert len(dumped) == NUM_EVAL
    assert sorted(int(d['img_id']) for d in dumped) == list(range(NUM_EVAL))

    images = [p for p in (tmp_path / 'vis').rglob('*') if p.suffix.lower() in ('.png', '.jpg')]
    assert len(images) == NUM_EVAL, sorted(str(p) for p in images)

    metrics = json.loads((work / 'test_metrics.json').read_text())
    assert any(k.startswith('hand3d/') for k in metrics), metrics


def test_ho3d_submission_count_and_order(eval_setup, tmp_path):
    root, data = eval_setup
    dataset = dict(type='HO3DDataset', data_root=str(root / 'ho3d_eval'), split='evaluation')
    cfg = _config(tmp_path, data, dataset, '[]')
    ckpt = _checkpoint(cfg, tmp_path / 'model.pth')
    zip_path = tmp_path / 'pred_ho3d.zip'
    proc = run_tool([str(REPO / 'tools/test.py'), str(cfg), str(ckpt), '--work-dir', str(tmp_path / 'work'),
                     '--dump-submission', 'ho3d', '--submission-file', str(zip_path)], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    joints, verts = read_ho3d_submission(str(zip_path))
    assert joints.shape == (NUM_EVAL, 21, 3) and len(verts) == NUM_EVAL
    np.testing.assert_allclose(joints, _predictions_one_by_one(cfg, ckpt), atol=0.05)


@pytest.mark.slow
def test_torchrun_evaluation_two_ranks_every_sample_once(eval_setup, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).parent))  # the config imports rank_report_hook
    root, data = eval_setup
    dataset = dict(type='FreiHand3DDataset', data_root=str(root / 'fh_eval'), split='evaluation')
    hook = """
custom_imports = dict(imports=['bmc_mmpose', 'rank_report_hook'], allow_failed_imports=False)
custom_hooks = [dict(type='RankReportHook')]
"""
    cfg = _config(tmp_path, data, dataset, "[dict(type='Hand3DMetric')]", more=hook)
    ckpt = _checkpoint(cfg, tmp_path / 'model.pth')
    out = tmp_path / 'preds.pkl'
    proc = run_tool(['-m', 'torch.distributed.run', '--nproc_per_node=2', '--master_port=29541',
                     str(REPO / 'tools/test.py'), str(cfg), str(ckpt), '--launcher', 'pytorch', '--work-dir',
                     str(tmp_path / 'work'), '--out', str(out)],
                    cwd=tmp_path, env=dict(PYTHONPATH=f'{REPO}:{Path(__file__).parent}'))
    assert proc.returncode == 0, proc.stderr[-4000:]
    log = proc.stdout + proc.stderr
    reports = sorted(re.findall(r'rank-report (\w+ rank=\d+ world_size=\d+ samples=\d+)', log))
    assert reports == ['test rank=0 world_size=2 samples=3', 'test rank=1 world_size=2 samples=2'], reports
    with open(out, 'rb') as f:
        dumped = pickle.load(f)
    assert sorted(int(d['img_id']) for d in dumped) == list(range(NUM_EVAL))
