# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Checkpoints cannot run code and must fit the model: the loader, tools/train.py, tools/test.py, tools/inference/demo.py."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config

from bmc_mmpose.apis import init_hand3d_model
from bmc_mmpose.testing.small_hand3d_config import small_config, write_tiny_config, write_tiny_data
from bmc_mmpose.utils.checkpoint import (CheckpointLoadError, CheckpointMismatchError, checkpoint_fit,
                                         load_checkpoint_file, load_model_weights, safe_checkpoint_loading)
from .tiny_setup import REPO, run_tool


class _Payload:
    """Unpickling this object calls ``open(marker, 'w')``: a harmless stand-in for any code a pickle can run."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return open, (self.marker, 'w')


def _write_malicious_checkpoint(path: Path, marker: Path, state_dict=None) -> Path:
    torch.save(dict(state_dict=state_dict or {}, meta=dict(), extra=_Payload(marker)), path)
    return path


@pytest.fixture(scope='module')
def tiny_data(tmp_path_factory):
    return write_tiny_data(tmp_path_factory.mktemp('ckpt_tiny_data'))


@pytest.fixture
def small_cfg_path(tmp_path):
    path = tmp_path / 'small_cfg.py'
    Config(small_config()).dump(str(path))
    return path


def _demo_main(argv):
    spec = importlib.util.spec_from_file_location('bmc_demo_ckpt', REPO / 'tools' / 'inference' / 'demo.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main(argv)


def _image(tmp_path: Path) -> Path:
    import cv2
    path = tmp_path / 'hand.png'
    cv2.imwrite(str(path), np.random.RandomState(0).randint(0, 255, (96, 96, 3), np.uint8))
    return path


# -- the loader ----------------------------------------------------------------------------------------------
def test_malicious_pickle_is_refused_and_names_file_and_flag(tmp_path):
    marker = tmp_path / 'payload_ran'
    ckpt = _write_malicious_checkpoint(tmp_path / 'evil.pth', marker)
    with pytest.raises(CheckpointLoadError) as err:
        load_checkpoint_file(str(ckpt))
    assert str(ckpt) in str(err.value) and '--trust-checkpoint' in str(err.value)
    assert 'GLOBAL io.open was not an allowed global' in str(err.value)
    assert 'add_safe_globals' not in str(err.value)
    assert not marker.exists()
    # the opt-in really unpickles everything (so the refusal above is what protects)
    load_checkpoint_file(str(ckpt), trusted=True)
    assert marker.exists()


class _GetattrGadget:
    """Unpickles to ``getattr(numpy.ndarray, 'tofile')``: with a general ``getattr`` allowed, a pickle could call
    it on an array and write any file."""

    def __reduce__(self):
        return getattr, (np.ndarray, 'tofile')


def test_getattr_is_limited_to_history_buffer_statistics(tmp_path):
    from mmengine.logging.history_buffer import HistoryBuffer
    path = tmp_path / 'gadget.pth'
    torch.save(dict(state_dict={}, gadget=_GetattrGadget()), path)
    with pytest.raises(CheckpointLoadError, match=r"getattr\(ndarray, 'tofile'\) is not allowed"):
        load_checkpoint_file(str(path))
    torch.save(dict(methods=[HistoryBuffer.mean, HistoryBuffer.min]), path)  # what MMEngine's hub pickles
    assert load_checkpoint_file(str(path))['methods'] == [HistoryBuffer.mean, HistoryBuffer.min]


def test_mmengine_checkpoint_content_loads_weights_only(tmp_path):
    """What MMEngine's CheckpointHook writes: message hub with HistoryBuffers of numpy values, numpy scalars in
    meta, optimizer state, scheduler state."""
    from mmengine.logging import MessageHub
    hub = MessageHub.get_instance('ckpt_safety_test')
    for i in range(3):
        hub.update_scalar('train/loss', np.float64(1.0 / (i + 1)))
        hub.update_scalar('train/lr', 0.01)
    hub.update_info('iter', 3)
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.ones(1, 3)).sum().backward()
    optimizer.step()
    ckpt = dict(meta=dict(epoch=1, iter=3, seed=np.int64(7), dataset_meta=dict(sigmas=np.ones(21, np.float32))),
                state_dict=model.state_dict(), message_hub=hub.state_dict(), optimizer=optimizer.state_dict(),
                param_schedulers=[dict(base_lrs=[0.1], last_step=3)])
    path = tmp_path / 'mmengine_like.pth'
    torch.save(ckpt, path)
    loaded = load_checkpoint_file(str(path))
    assert loaded['meta']['seed'] == 7
    np.testing.assert_array_equal(loaded['message_hub']['log_scalars']['train/loss'].data[0],
                                  [1.0, 0.5, 1.0 / 3])
    torch.testing.assert_close(loaded['state_dict']['weight'], model.weight.detach())


def test_truncated_and_foreign_files_are_named(tmp_path):
    good = tmp_path / 'good.pth'
    torch.save(dict(state_dict=dict(w=torch.ones(3))), good)
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(good.read_bytes()[:200])
    text = tmp_path / 'notes.pth'
    text.write_text('not a checkpoint')
    for path in (truncated, text):
        with pytest.raises(CheckpointLoadError, match=str(path)):
            load_checkpoint_file(str(path))
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        load_checkpoint_file(str(tmp_path / 'missing.pth'))


def test_safe_loading_scope_restores_mmengine_loader(tmp_path):
    from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint
    before = CheckpointLoader._schemes['']
    marker = tmp_path / 'payload_ran'
    ckpt = _write_malicious_checkpoint(tmp_path / 'evil.pth', marker)
    with safe_checkpoint_loading():
        assert CheckpointLoader._schemes[''] is not before
        with pytest.raises(CheckpointLoadError, match='evil.pth'):
            _load_checkpoint(str(ckpt), map_location='cpu')
    assert CheckpointLoader._schemes[''] is before
    assert not marker.exists()


def test_fit_report_lists_missing_unexpected_and_mismatched():
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    state = dict(model.state_dict())
    state.pop('1.bias')
    state['0.weight'] = torch.zeros(5, 3)
    state['2.weight'] = torch.zeros(1)
    fit = checkpoint_fit(model, state)
    assert fit.missing == ['1.bias'] and fit.unexpected == ['2.weight']
    assert fit.mismatched == [('0.weight', (5, 3), (4, 3))]
    assert not fit.exact


def test_load_model_weights_strict_by_default_partial_on_request(tmp_path):
    small = torch.nn.Sequential(torch.nn.Linear(3, 4))
    big = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    path = tmp_path / 'small.pth'
    torch.save(dict(state_dict=small.state_dict()), path)
    with pytest.raises(CheckpointMismatchError) as err:
        load_model_weights(big, str(path))
    assert str(path) in str(err.value) and '1.weight' in str(err.value)
    assert '--allow-partial-checkpoint' in str(err.value)
    load_model_weights(big, str(path), allow_partial=True)
    torch.testing.assert_close(big[0].weight, small[0].weight)


# -- the tools -----------------------------------------------------------------------------------------------
def test_train_refuses_malicious_load_from_and_resume(tiny_data, tmp_path):
    cfg = write_tiny_config(tmp_path / 'tiny.py', tiny_data, mixed=False, max_epochs=1)
    marker = tmp_path / 'payload_ran'
    ckpt = _write_malicious_checkpoint(tmp_path / 'evil.pth', marker)
    for extra in (['--cfg-options', f'load_from={ckpt}'], ['--resume', str(ckpt)]):
        proc = run_tool([str(REPO / 'tools/train.py'), str(cfg), '--work-dir', str(tmp_path / 'w')] + extra,
                        cwd=tmp_path)
        assert proc.returncode != 0, extra
        assert str(ckpt) in proc.stderr and '--trust-checkpoint' in proc.stderr, proc.stderr[-2000:]
        assert not marker.exists(), f'the pickle payload ran through train.py {extra}'


def test_test_tool_refuses_malicious_checkpoint(tiny_data, tmp_path):
    cfg = write_tiny_config(tmp_path / 'tiny.py', tiny_data, mixed=False)
    marker = tmp_path / 'payload_ran'
    ckpt = _write_malicious_checkpoint(tmp_path / 'evil.pth', marker)
    proc = run_tool([str(REPO / 'tools/test.py'), str(cfg), str(ckpt), '--work-dir', str(tmp_path / 'w')],
                    cwd=tmp_path)
    assert proc.returncode != 0
    assert str(ckpt) in proc.stderr and '--trust-checkpoint' in proc.stderr, proc.stderr[-2000:]
    assert not marker.exists()
    # a truncated checkpoint: the error names the file instead of a bare torch/zip error
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(ckpt.read_bytes()[:300])
    proc = run_tool([str(REPO / 'tools/test.py'), str(cfg), str(truncated), '--work-dir', str(tmp_path / 'w')],
                    cwd=tmp_path)
    assert proc.returncode != 0
    assert f"checkpoint '{truncated}' cannot be read" in proc.stderr, proc.stderr[-2000:]


def test_test_tool_refuses_checkpoint_of_another_architecture(tiny_data, tmp_path):
    """A ResNet-18 checkpoint under a ResNet-34 model: non-zero exit naming missing keys; partial on request."""
    cfg = write_tiny_config(tmp_path / 'tiny.py', tiny_data, mixed=False)
    model = init_hand3d_model(str(cfg), keep_bmc_loss=True)
    ckpt = tmp_path / 'r18.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)
    base = [str(REPO / 'tools/test.py'), str(cfg), str(ckpt), '--work-dir', str(tmp_path / 'w'), '--cfg-options',
            'model.backbone.depth=34']
    proc = run_tool(base, cwd=tmp_path)
    assert proc.returncode != 0
    assert str(ckpt) in proc.stderr and 'missing in the checkpoint' in proc.stderr, proc.stderr[-2000:]
    assert 'backbone.layer1.2.' in proc.stderr  # ResNet-34 has 3 blocks in layer1, ResNet-18 two
    assert not (tmp_path / 'w' / 'test_metrics.json').exists()
    proc = run_tool(base + ['--allow-partial-checkpoint'], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / 'w' / 'test_metrics.json').is_file()


def test_demo_refuses_malicious_and_mismatched_checkpoints(small_cfg_path, tmp_path):
    image = _image(tmp_path)
    marker = tmp_path / 'payload_ran'
    evil = _write_malicious_checkpoint(tmp_path / 'evil.pth', marker)
    args = [str(image), '--config', str(small_cfg_path), '--out-dir', str(tmp_path / 'out')]
    with pytest.raises(CheckpointLoadError) as err:
        _demo_main(args + ['--checkpoint', str(evil)])
    assert str(evil) in str(err.value) and '--trust-checkpoint' in str(err.value)
    assert not marker.exists()

    other = torch.nn.Sequential(torch.nn.Linear(3, 4))
    foreign = tmp_path / 'foreign.pth'
    torch.save(dict(state_dict=other.state_dict()), foreign)
    with pytest.raises(CheckpointMismatchError) as err:
        _demo_main(args + ['--checkpoint', str(foreign)])
    assert str(foreign) in str(err.value) and 'backbone.conv1.weight' in str(err.value)
    out = _demo_main(args + ['--checkpoint', str(foreign), '--allow-partial-checkpoint'])
    assert Path(out['json']).is_file()


def test_demo_cli_refuses_malicious_checkpoint(small_cfg_path, tmp_path):
    image = _image(tmp_path)
    marker = tmp_path / 'payload_ran'
    evil = _write_malicious_checkpoint(tmp_path / 'evil.pth', marker)
    proc = run_tool([str(REPO / 'tools/inference/demo.py'), str(image), '--config', str(small_cfg_path), '--checkpoint',
                     str(evil), '--out-dir', str(tmp_path / 'out')], cwd=tmp_path)
    assert proc.returncode != 0
    assert str(evil) in proc.stderr and '--trust-checkpoint' in proc.stderr, proc.stderr[-2000:]
    assert not marker.exists()


def test_demo_rejects_unknown_cfg_options_key(small_cfg_path, tmp_path):
    image = _image(tmp_path)
    with pytest.raises(KeyError, match="unknown config key 'modle.backbone.depth'"):
        _demo_main([str(image), '--config', str(small_cfg_path), '--out-dir', str(tmp_path / 'out'),
                    '--cfg-options', 'modle.backbone.depth=34'])


@pytest.mark.parametrize('K', [['0', '0', '48', '48'], ['80', '-80', '48', '48'], ['nan', '80', '48', '48']])
def test_demo_rejects_bad_intrinsics(small_cfg_path, tmp_path, K):
    image = _image(tmp_path)
    with pytest.raises(ValueError, match='--K'):
        _demo_main([str(image), '--config', str(small_cfg_path), '--out-dir', str(tmp_path / 'out'), '--K'] + K)


def test_demo_rejects_box_outside_the_image(small_cfg_path, tmp_path):
    image = _image(tmp_path)
    with pytest.raises(ValueError, match='no overlap'):
        _demo_main([str(image), '--config', str(small_cfg_path), '--out-dir', str(tmp_path / 'out'), '--bbox',
                    '200', '200', '260', '260'])
