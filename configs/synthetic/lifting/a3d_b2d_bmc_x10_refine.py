# Copyright (c) bmc_mmpose authors. All rights reserved.
# Not in the paper: + L_BMC with 10x the paper's weights in training, then the test-time BMC refinement of
# a3d_b2d_refine.py (its own loss and settings; training is a3d_b2d_bmc_x10.py's, unchanged).
_base_ = ['./a3d_b2d_refine.py']
model = dict(head=dict(loss_bmc=dict(type='BMCLoss', limits='literature', lambda_bl=1.0, lambda_rb=1.0,
                                     lambda_a=0.1)))
