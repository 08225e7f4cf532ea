# Copyright (c) bmc_mmpose authors. All rights reserved.
# Model candidate (see ./r18_reg64.py): the main job's model, LightUNet (our small encoder-decoder, stride-4 output)
# with the head's latent 2.5D heatmap read-out (soft-argmax for u, v; softmax-weighted depth map for z_r) straight
# on its 16 x 16 map (no deconvolutions), 64 px input; the short schedule of ./r18_reg64.py.
_base_ = ['../proxy/a3d_b3d.py']

max_iters = 800
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=100),
    dict(type='MultiStepLR', by_epoch=False, milestones=[int(max_iters * 0.75)], gamma=0.1),
]
default_hooks = dict(checkpoint=dict(interval=max_iters))
