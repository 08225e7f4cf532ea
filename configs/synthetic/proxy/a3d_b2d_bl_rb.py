# Copyright (c) bmc_mmpose authors. All rights reserved.
# CPU proxy of paper Tab. 4 "+ L_RB": bone length and root bones, no joint angles.
_base_ = ['./a3d_b2d_bmc.py']
model = dict(head=dict(loss_bmc=dict(lambda_a=0.0)))
