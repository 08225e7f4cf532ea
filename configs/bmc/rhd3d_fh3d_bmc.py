# Copyright (c) bmc_mmpose authors. All rights reserved.
# Paper Tab. 2 "3D_RHD + 3D_FH + L_BMC" (fully supervised + BMC as a regulariser).
_base_ = ['./rhd3d_fh3d.py']
bmc_limits = 'data/bmc_limits/freihand_train.json'
model = dict(
    head=dict(
        bmc_loss=dict(
            _delete_=True,  # the base has bmc_loss=None
            type='BMCLoss',
            limits=bmc_limits,
            lambda_bl=0.1,
            lambda_rb=0.1,
            lambda_a=0.01,
            angle_limits='hull')))
