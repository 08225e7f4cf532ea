# Copyright (c) bmc_mmpose authors. All rights reserved.
# Model candidate for the synthetic proxy, trained as ../proxy/a3d_b3d.py (3D_A + 3D_B, every label of both domains,
# the proxy's schedule): the 2D error it reaches on domain B's held-out images bounds what the weakly supervised rows
# can reach with the same model and budget. This one: ResNet-18 from scratch, global pooling + one linear layer (the
# paper's regression read-out), 64 px input, in place of the main job's LightUNet and heatmap read-out (whose
# candidate is ../proxy/a3d_b3d.py itself).
_base_ = ['../proxy/a3d_b3d.py']

model = dict(
    backbone=dict(_delete_=True, type='ResNet', depth=18, init_cfg=None),
    head=dict(in_channels=512, readout=dict(_delete_=True, type='RegressionReadout2p5D'), loss_heatmap=None))
