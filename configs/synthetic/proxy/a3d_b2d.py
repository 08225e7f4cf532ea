# Copyright (c) bmc_mmpose authors. All rights reserved.
# CPU proxy of paper Tab. 2 "3D_RHD + 2D_FH": 3D of domain A + 2D of domain B, no BMC.
_base_ = ['./a3d_b2d_bmc.py']
model = dict(head=dict(loss_bmc=None))
