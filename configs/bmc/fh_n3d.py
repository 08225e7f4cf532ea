# Copyright (c) bmc_mmpose authors. All rights reserved.
# Supp. Tab. 5 / paper Fig. 5 "+" (with BMC): fh_n3d_nobmc.py with the BMC loss (limits computed from FreiHAND's
# training 3D, as in the paper's setting where the limits are given).
_base_ = ['./fh_n3d_nobmc.py']
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
