# Copyright (c) bmc_mmpose authors. All rights reserved.
"""End-to-end tests of tools/train.py and tools/test.py on CPU with tiny original-format datasets."""
import re
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import torch

from bmc_mmpose.utils.checkpoint import load_checkpoint_file
from bmc_mmpose.testing.small_hand3d_config import write_tiny_config, write_tiny_data
from .tiny_setup import PYTHON, REPO, run_tool


@pytest.fixture(scope='module')
def tiny_data(tmp_path_factory):
    return write_tiny_data(tmp_path_factory.mktemp('tiny_data'))


def _checkpoint_state(path):
    """A checkpoint the Runner wrote, read as the tools read it (weights-only, MMEngine's allow-list)."""
    return load_checkpoint_file(str(path))


def test_train_validates_and_saves_then_test_tool_scores(tiny_data, tmp_path):
    cfg = write_tiny_config(tmp_path / 'tiny.py', tiny_data, mixed=True, max_epochs=1)
    work = tmp_path / 'work'
    proc = run_tool([str(REPO / 'tools/train.py'), str(cfg), '--work-dir', str(work)], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (work / 'epoch_1.pth').is_file()
    log = proc.stdout + proc.stderr
    for term in ('loss_2d', 'loss_zr', 'loss_zroot', 'loss_bmc'):
        assert term in log, f'{term} is not logged'
    assert 'Epoch(val)' in log and 'hand3d/' in log
    proc = run_tool([str(REPO / 'tools/test.py'), str(cfg), str(work / 'epoch_1.pth'), '--work-dir',
                     str(tmp_path / 'test')], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'hand3d/' in proc.stdout + proc.stderr


def test_resume_after_kill_matches_uninterrupted_run(tiny_data, tmp_path):
    cfg = write_tiny_config(tmp_path / 'tiny.py', tiny_data, mixed=False, max_epochs=3)
    full = tmp_path / 'full'
    proc = run_tool([str(REPO / 'tools/train.py'), str(cfg), '--work-dir', str(full)], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]

    # Kill a second run once its first checkpoint is on disk (last_checkpoint is written after the .pth).
    crashed = tmp_path / 'crashed'
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1')
    run = subprocess.Popen([PYTHON, str(REPO / 'tools/train.py'), str(cfg), '--work-dir', str(crashed)],
                           cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not (crashed / 'last_checkpoint').exists() and run.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    run.send_signal(signal.SIGKILL)
    run.wait()
    assert (crashed / 'epoch_1.pth').is_file()
    assert not (crashed / 'epoch_3.pth').exists(), 'the run finished before it could be killed'

    proc = run_tool([str(REPO / 'tools/train.py'), str(cfg), '--work-dir', str(crashed), '--resume'], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'resumed epoch' in proc.stdout + proc.stderr
    a, b = _checkpoint_state(full / 'epoch_3.pth'), _checkpoint_state(crashed / 'epoch_3.pth')
    assert a['meta']['iter'] == b['meta']['iter'] and a['meta']['epoch'] == b['meta']['epoch'] == 3
    for key, value in a['state_dict'].items():
        torch.testing.assert_close(b['state_dict'][key], value, rtol=1e-5, atol=1e-6, msg=key)
    momenta_a = [s['momentum_buffer'] for s in a['optimizer']['state'].values()]
    momenta_b = [s['momentum_buffer'] for s in b['optimizer']['state'].values()]
    assert len(momenta_a) == len(momenta_b) > 0
    for ma, mb in zip(momenta_a, momenta_b):
        torch.testing.assert_close(mb, ma, rtol=1e-5, atol=1e-6)


def test_torchrun_two_cpu_processes_train_and_validate(tiny_data, tmp_path):
    """Two gloo ranks train and validate; each rank reports world size 2 and half of the 8 validation samples."""
    hook = """
custom_imports = dict(imports=['bmc_mmpose', 'rank_report_hook'], allow_failed_imports=False)
custom_hooks = [dict(type='RankReportHook')]
"""
    cfg = write_tiny_config(tmp_path / 'tiny.py', tiny_data, mixed=True, max_epochs=1, extra=hook)
    work = tmp_path / 'work'
    proc = run_tool(['-m', 'torch.distributed.run', '--nproc_per_node=2', '--master_port=29533',
                     str(REPO / 'tools/train.py'), str(cfg), '--launcher', 'pytorch', '--work-dir', str(work)],
                    cwd=tmp_path, env=dict(PYTHONPATH=f'{REPO}:{Path(__file__).parent}'))
    assert proc.returncode == 0, proc.stderr[-4000:]
    log = proc.stdout + proc.stderr
    assert 'Epoch(val)' in log and (work / 'epoch_1.pth').is_file()
    assert "'backend': 'gloo'" in log
    reports = sorted(re.findall(r'rank-report (\w+ rank=\d+ world_size=\d+ samples=\d+)', log))
    assert reports == ['val rank=0 world_size=2 samples=4', 'val rank=1 world_size=2 samples=4'], reports


def test_unknown_config_key_is_named(tiny_data, tmp_path):
    cfg = write_tiny_config(tmp_path / 'tiny.py', tiny_data)
    proc = run_tool([str(REPO / 'tools/train.py'), str(cfg), '--cfg-options', 'trian_dataloader.batch_size=2'],
                    cwd=tmp_path)
    assert proc.returncode != 0
    assert "unknown config key 'trian_dataloader.batch_size'" in proc.stderr
    assert 'train_dataloader' in proc.stderr  # the suggestion


def test_unknown_component_argument_is_named(tiny_data, tmp_path):
    cfg = write_tiny_config(tmp_path / 'tiny.py', tiny_data)
    proc = run_tool([str(REPO / 'tools/train.py'), str(cfg), '--work-dir', str(tmp_path / 'w'), '--cfg-options',
                     'model.head.no_such_argument=1'], cwd=tmp_path)
    assert proc.returncode != 0
    assert 'no_such_argument' in proc.stderr


def test_missing_data_root_is_named(tiny_data, tmp_path):
    cfg = write_tiny_config(tmp_path / 'tiny.py', tiny_data, mixed=False)
    missing = tmp_path / 'nowhere' / 'RHD'
    proc = run_tool([str(REPO / 'tools/train.py'), str(cfg), '--work-dir', str(tmp_path / 'w'), '--cfg-options',
                     f'train_dataloader.dataset.data_root={missing}'], cwd=tmp_path)
    assert proc.returncode != 0
    assert str(missing) in proc.stderr


def test_missing_annotation_file_is_named(tiny_data, tmp_path):
    import shutil
    data = {k: tmp_path / k for k in tiny_data}
    for k, v in tiny_data.items():
        shutil.copytree(v, data[k])
    (data['rhd'] / 'training' / 'anno_training.pickle').unlink()
    cfg = write_tiny_config(tmp_path / 'tiny.py', data, mixed=False)
    proc = run_tool([str(REPO / 'tools/train.py'), str(cfg), '--work-dir', str(tmp_path / 'w')], cwd=tmp_path)
    assert proc.returncode != 0
    assert 'anno_training.pickle' in proc.stderr


def test_missing_config_and_checkpoint_are_named(tmp_path):
    proc = run_tool([str(REPO / 'tools/train.py'), str(tmp_path / 'nope.py')], cwd=tmp_path)
    assert proc.returncode != 0 and 'nope.py' in proc.stderr
    proc = run_tool([str(REPO / 'tools/train.py'), str(REPO / 'configs/bmc/rhd3d.py'), '--resume',
                     str(tmp_path / 'missing.pth')], cwd=tmp_path)
    assert proc.returncode != 0 and 'missing.pth' in proc.stderr
