# Copyright (c) bmc_mmpose authors. All rights reserved.
# Row "+ L_BMC": 3D_A + 2D_B + BMC with the paper's weights (supp. Sec. 8). The runner replaces the limits by those
# computed from B's training 3D (paper Tab. 6 "computed").
_base_ = ['./a3d_b2d.py']
model = dict(head=dict(loss_bmc=dict(type='BMCLoss', limits='literature', lambda_bl=0.1, lambda_rb=0.1,
                                     lambda_a=0.01)))
