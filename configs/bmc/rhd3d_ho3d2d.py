# Copyright (c) bmc_mmpose authors. All rights reserved.
# Paper Tab. 7 / supp. Tab. 4 (R = HO-3D) "+ L_BMC": rhd3d_ho3d2d_nobmc.py with BMC; limits computed from HO-3D's
# training 3D.
_base_ = ['./rhd3d_ho3d2d_nobmc.py']
bmc_limits = 'data/bmc_limits/ho3d_train.json'
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
