# Copyright (c) bmc_mmpose authors. All rights reserved.
# Paper Tab. 4 "+ L_BL": 3D_RHD + 2D_FH with the bone-length constraint only.
_base_ = ['./rhd3d_fh2d.py']
model = dict(head=dict(loss_bmc=dict(lambda_rb=0.0, lambda_a=0.0)))
