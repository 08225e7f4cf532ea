# Copyright (c) bmc_mmpose authors. All rights reserved.
# Model candidate for the synthetic proxy, measured on 3D_A + 3D_B (../proxy/a3d_b3d.py, every label of both
# domains) with a short schedule: the 2D error it reaches on domain B's held-out images bounds what the weakly
# supervised rows can reach with the same model and budget. This one: the main job's former model, ResNet-18 from
# scratch, global pooling + one linear layer (the paper's regression read-out), 64 px input (the main job's
# LightUNet and heatmap read-out replaced here).
_base_ = ['../proxy/a3d_b3d.py']

model = dict(
    backbone=dict(_delete_=True, type='ResNet', depth=18, init_cfg=None),
    head=dict(in_channels=512, readout=dict(_delete_=True, type='RegressionReadout2p5D'), loss_heatmap=None))

max_iters = 800
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=100),
    dict(type='MultiStepLR', by_epoch=False, milestones=[int(max_iters * 0.75)], gamma=0.1),
]
default_hooks = dict(checkpoint=dict(interval=max_iters))
