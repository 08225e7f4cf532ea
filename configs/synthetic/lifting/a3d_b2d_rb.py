# Copyright (c) bmc_mmpose authors. All rights reserved.
# Row "+ L_RB alone": 3D_A + 2D_B + one BMC term at its paper weight.
_base_ = ['./a3d_b2d_bmc.py']
model = dict(head=dict(loss_bmc=dict(lambda_bl=0.0, lambda_rb=0.1, lambda_a=0.0)))
