# Copyright (c) bmc_mmpose authors. All rights reserved.
# Paper Tab. 2 "3D_RHD" (fully supervised, synthetic only; lower bound): RHD 3D only, validated on FreiHAND 'val'.
# Its test_dataloader (FreiHAND evaluation split) also gives Tab. 7's "3D_RHD" row for R = FH.
_base_ = ['./rhd3d_fh2d_nobmc.py']
train_dataloader = dict(sampler=dict(source_ratio=[1]), dataset=dict(datasets=[{{_base_.rhd_train}}]))
