# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Every experiment config parses and builds; the backbone is a one-line swap (ResNet-18, MobileNetV2, HRNet)."""
import copy
import re
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import bmc_mmpose  # noqa: F401  (registers everything, as custom_imports does)
from bmc_mmpose.models import BMCLoss, Hand3DEstimator, ZRootRefiner
from bmc_mmpose.testing.hand25d_batches import make_hand_batch
from mmpose.registry import MODELS

init_default_scope('mmpose')

REPO = Path(__file__).resolve().parents[2]
CONFIG_DIR = REPO / 'configs' / 'bmc'
CONFIGS = sorted(p.name for p in CONFIG_DIR.glob('*.py'))
NO_BMC = {'rhd3d.py', 'rhd3d_fh2d_nobmc.py', 'rhd3d_fh3d.py', 'fh3d.py', 'fh3d_norefine.py', 'rhd3d_fh2d_nobmc_full.py',
          'rhd3d_fh3d_full.py', 'rhd3d_ho3d.py', 'rhd3d_ho3d2d_nobmc.py', 'rhd3d_ho3d3d.py', 'fh_n3d_nobmc.py'}


def load_config(name: str) -> Config:
    """Load a config; BMC limits files that the user has not generated yet are replaced by the shipped set."""
    cfg = Config.fromfile(str(CONFIG_DIR / name))
    bmc = cfg.model.head.get('loss_bmc')
    if bmc is not None and not Path(bmc.limits).is_file() and not (REPO / bmc.limits).is_file():
        bmc.limits = 'literature'
    return cfg


def test_there_is_a_config_for_every_paper_table():
    assert len(CONFIGS) >= 20
    for required in ('rhd3d.py', 'rhd3d_fh2d_nobmc.py', 'rhd3d_fh2d.py', 'rhd3d_fh3d.py', 'rhd3d_fh3d_bmc.py',
                     'fh3d.py', 'fh3d_norefine.py', 'rhd3d_fh2d_bl.py', 'rhd3d_fh2d_bl_rb.py', 'rhd3d_fh2d_bl_rb_a.py',
                     'rhd3d_fh2d_angles_box.py', 'rhd3d_fh2d_limits_rhd.py', 'fh_n3d.py', 'fh_n3d_nobmc.py'):
        assert required in CONFIGS


def test_readme_maps_every_config_and_only_existing_ones():
    readme = (CONFIG_DIR / 'README.md').read_text()
    named = set(re.findall(r'`([a-z0-9_]+\.py)`', readme)) - {'default_runtime.py'}
    assert set(CONFIGS) <= named, f'configs missing from README: {set(CONFIGS) - named}'
    assert named <= set(CONFIGS) | {'bmc_resnet50.py', 'sgd_70e.py'}, f'README names unknown configs: ' \
        f'{named - set(CONFIGS)}'


@pytest.mark.parametrize('name', CONFIGS)
def test_config_builds(name):
    cfg = load_config(name)
    assert cfg.default_scope == 'mmpose' and 'bmc_mmpose' in cfg.custom_imports.imports
    # Sec. 4 schedule
    assert cfg.optim_wrapper.optimizer.type == 'SGD' and cfg.optim_wrapper.optimizer.lr == pytest.approx(5e-3)
    assert cfg.train_cfg.max_epochs == 70
    assert cfg.param_scheduler[0].step_size == 30 and cfg.param_scheduler[0].gamma == pytest.approx(0.1)
    assert cfg.model.test_cfg.flip_test is False
    model = MODELS.build(cfg.model)
    assert isinstance(model, Hand3DEstimator)
    head = model.head
    assert (head.loss_bmc is None) == (name in NO_BMC)
    assert (head.zroot_refiner is None) == (name == 'fh3d_norefine.py')
    if head.zroot_refiner is not None:
        assert isinstance(head.zroot_refiner, ZRootRefiner)
    if head.loss_bmc is not None:
        assert isinstance(head.loss_bmc, BMCLoss)
        expected = dict(rhd3d_fh2d_bl=(0.1, 0., 0.), rhd3d_fh2d_bl_rb=(0.1, 0.1, 0.)).get(name[:-3], (0.1, 0.1, 0.01))
        assert (head.loss_bmc.lambda_bl, head.loss_bmc.lambda_rb, head.loss_bmc.lambda_a) == expected
        assert head.loss_bmc.angle_limits == ('box' if name == 'rhd3d_fh2d_angles_box.py' else 'hull')
    readout = 'HeatmapReadout2p5D' if name == 'rhd3d_fh2d_heatmap.py' else 'RegressionReadout2p5D'
    assert type(head.readout).__name__ == readout
    assert (head.loss_2d.loss_weight, head.loss_zr.loss_weight, head.loss_zroot.loss_weight) == (1., 5., 1.)


SWAPS = {
    'resnet18': (dict(_delete_=True, type='ResNet', depth=18, init_cfg=None), 512),
    'mobilenetv2': (dict(_delete_=True, type='MobileNetV2', widen_factor=1., out_indices=(7, ), init_cfg=None), 1280),
    # a light HRNet (HRNet-W18-small-like: one module per stage, two blocks per branch) keeps the test fast
    'hrnet_w18_small': (dict(
        _delete_=True,
        type='HRNet',
        in_channels=3,
        extra=dict(
            stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK', num_blocks=(2, ), num_channels=(64, )),
            stage2=dict(num_modules=1, num_branches=2, block='BASIC', num_blocks=(2, 2), num_channels=(18, 36)),
            stage3=dict(
                num_modules=1, num_branches=3, block='BASIC', num_blocks=(2, 2, 2), num_channels=(18, 36, 72)),
            stage4=dict(
                num_modules=1,
                num_branches=4,
                block='BASIC',
                num_blocks=(2, 2, 2, 2),
                num_channels=(18, 36, 72, 144))),
        init_cfg=None), 18),
}


@pytest.mark.parametrize('backbone', sorted(SWAPS))
@pytest.mark.parametrize('mode', ['regression', 'heatmap'])
def test_backbone_swap_forward_and_loss(backbone, mode):
    """The flagship with another backbone: one config line (+ the head's in_channels), forward + loss + predict."""
    cfg = load_config('rhd3d_fh2d.py')
    backbone_cfg, channels = copy.deepcopy(SWAPS[backbone])  # merging consumes `_delete_`
    size = 64  # small input keeps the test fast
    deconv = () if backbone.startswith('hrnet') else (32, )  # HRNet already gives a 1/4-resolution map
    cfg.merge_from_dict(dict(model=dict(backbone=backbone_cfg, head=dict(
        in_channels=channels, input_size=(size, size),
        readout=dict(type='HeatmapReadout2p5D', deconv_out_channels=deconv) if mode == 'heatmap' else dict(
            type='RegressionReadout2p5D')))))
    model = MODELS.build(cfg.model)
    inputs, samples, _ = make_hand_batch(2, input_size=(size, size), has_3d=[True, False])
    data = model.data_preprocessor(dict(inputs=list(inputs), data_samples=samples), training=True)
    losses = model(**data, mode='loss')
    assert {'loss_2d', 'loss_zr', 'loss_zroot', 'loss_bmc'} <= set(losses)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    total.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(dict(inputs=list(inputs), data_samples=samples), training=False)
        results = model(**data, mode='predict')
    assert results[0].pred_instances.keypoints_3d.shape == (1, 21, 3)
