# Copyright (c) bmc_mmpose authors. All rights reserved.
# CPU proxy of paper Tab. 2 "3D_RHD": 3D labels of domain A only, no BMC.
_base_ = ['./a3d_b2d_bmc.py']
model = dict(head=dict(loss_bmc=None))
train_dataloader = dict(sampler=dict(source_ratio=[1]), dataset=dict(datasets=[{{_base_.domain_a_train}}]))
