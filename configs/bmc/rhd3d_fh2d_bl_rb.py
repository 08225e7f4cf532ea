# Copyright (c) bmc_mmpose authors. All rights reserved.
# Paper Tab. 4 "+ L_RB": bone length + root bones (palm), no joint-angle constraint.
_base_ = ['./rhd3d_fh2d.py']
model = dict(head=dict(loss_bmc=dict(lambda_a=0.0)))
