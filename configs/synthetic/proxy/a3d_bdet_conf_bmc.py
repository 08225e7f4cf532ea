# Copyright (c) bmc_mmpose authors. All rights reserved.
# Detected-2D proxy row: confidence-weighted detected 2D of domain B (as a3d_bdet_conf.py) + BMC with the computed limits.
_base_ = ['./a3d_bdet_conf.py']
model = dict(
    head=dict(
        loss_bmc=dict(_delete_=True, type='BMCLoss', limits={{_base_.computed_limits}}, lambda_bl=0.1, lambda_rb=0.1,
                      lambda_a=0.01, angle_limits='hull')))
