# Copyright (c) bmc_mmpose authors. All rights reserved.
# Weight variant: + L_BMC with 100x the paper's weights.
_base_ = ['./a3d_b2d_bmc.py']
model = dict(head=dict(loss_bmc=dict(lambda_bl=10.0, lambda_rb=10.0, lambda_a=1.0)))
