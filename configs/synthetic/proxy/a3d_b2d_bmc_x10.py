# Copyright (c) bmc_mmpose authors. All rights reserved.
# Not in the paper: + L_BMC (as a3d_b2d_bmc.py) with 10x the paper's weights (lambda_BL 1, lambda_RB 1, lambda_A 0.1):
# tests whether BMC is simply outweighed by the other terms (the 2D term is in pixels here, see Hand25DHead).
_base_ = ['./a3d_b2d_bmc.py']
model = dict(head=dict(loss_bmc=dict(lambda_bl=1.0, lambda_rb=1.0, lambda_a=0.1)))
