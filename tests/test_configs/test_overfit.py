# Copyright (c) bmc_mmpose authors. All rights reserved.
"""The model learns: a ResNet-18 at 64 px overfits 8 original-format RHD samples (the flagship's 3D source)."""
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import bmc_mmpose  # noqa: F401
from bmc_mmpose.testing.dataset_fixtures import write_synthetic_rhd
from mmpose.registry import MODELS

ITERATIONS = 150


@pytest.mark.slow
def test_small_model_overfits_eight_samples(tmp_path):
    from bmc_mmpose.testing.small_hand3d_config import write_tiny_config
    init_default_scope('mmpose')
    torch.manual_seed(0)
    np.random.seed(0)
    rhd = tmp_path / 'rhd'
    write_synthetic_rhd(rhd, split='training', num_samples=8, seed=1, image_size=160)
    cfg = Config.fromfile(str(write_tiny_config(tmp_path / 'tiny.py', dict(rhd=rhd, freihand=rhd), mixed=False)))
    loader_cfg = cfg.train_dataloader
    loader_cfg.update(batch_size=8, num_workers=0, persistent_workers=False,
                      sampler=dict(type='DefaultSampler', shuffle=False))
    batch = next(iter(Runner.build_dataloader(loader_cfg, seed=0)))
    assert len(batch['data_samples']) == 8
    model = MODELS.build(cfg.model)
    model.train()
    optim_wrapper = build_optim_wrapper(model, dict(optimizer=dict(type='Adam', lr=1e-3)))
    history = {'loss_2d': [], 'mpjpe_3d': [], 'loss': []}
    for _ in range(ITERATIONS):
        log_vars = model.train_step(batch, optim_wrapper)
        for key in history:
            history[key].append(float(torch.as_tensor(log_vars[key]).detach()))
    for key, values in history.items():
        assert np.all(np.isfinite(values)), key
    first = {k: np.mean(v[:3]) for k, v in history.items()}
    last = {k: np.mean(v[-10:]) for k, v in history.items()}
    print('overfit first/last:', {k: (round(first[k], 4), round(last[k], 4)) for k in history})
    assert last['loss_2d'] <= 0.5 * first['loss_2d'], (first, last)
    assert last['mpjpe_3d'] <= 0.5 * first['mpjpe_3d'], (first, last)
