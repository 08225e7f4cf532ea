# Copyright (c) bmc_mmpose authors. All rights reserved.
# CPU proxy, third row of paper Tab. 6: the shipped literature limits (bmc_mmpose/limits/literature.json), no data.
_base_ = ['./a3d_b2d_bmc.py']
model = dict(head=dict(loss_bmc=dict(limits='literature')))
