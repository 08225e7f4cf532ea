# Copyright (c) bmc_mmpose authors. All rights reserved.
# Paper Tab. 2 / Tab. 4 row "3D_RHD + 2D_FH" (weak supervision, no BMC): RHD with 3D labels + FreiHAND 'train'
# part with 2D labels only, 1:1 per batch; validation on the FreiHAND 'val' part (paper: 20.92 mm 3D error).
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/bmc_resnet50.py', '../_base_/schedules/sgd_70e.py',
    '../_base_/datasets/rhd3d_fh2d.py'
]
