# Copyright (c) bmc_mmpose authors. All rights reserved.
# Paper Tab. 7 / supp. Tab. 4 (R = FH) "+ L_BMC": rhd3d_fh2d_nobmc_full.py with BMC; limits computed from the
# full FreiHAND training set's 3D.
_base_ = ['./rhd3d_fh2d_nobmc_full.py']
bmc_limits = 'data/bmc_limits/freihand_all.json'
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
