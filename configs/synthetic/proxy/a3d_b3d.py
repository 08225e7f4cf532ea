# Copyright (c) bmc_mmpose authors. All rights reserved.
# CPU proxy of paper Tab. 2 "3D_RHD + 3D_FH" (the upper bound): 3D labels of both domains, no BMC.
_base_ = ['./a3d_b3d_bmc.py']
model = dict(head=dict(loss_bmc=None))
