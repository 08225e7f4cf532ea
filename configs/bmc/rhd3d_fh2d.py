# Copyright (c) bmc_mmpose authors. All rights reserved.
# FLAGSHIP. Paper Tab. 2 "+ L_BMC" (= Tab. 4 "+ L_A", Tab. 5 "Dependent", Tab. 6 "Computed"): 3D_RHD + 2D_FH with
# the biomechanical constraints (lambda_BL 0.1, lambda_RB 0.1, lambda_A 0.01, hull angle limits; supp. Sec. 8).
# Limits computed from the 3D of FreiHAND's training part (the paper's "computed" limits); create the file with
# the limits tool (configs/bmc/README.md) or set `limits='literature'` for the shipped literature limits.
_base_ = ['./rhd3d_fh2d_nobmc.py']
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
