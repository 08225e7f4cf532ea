# Copyright (c) bmc_mmpose authors. All rights reserved.
# Not in the paper: 3D_A + 2D_B, then test-time BMC refinement of each lifted hand (Hand25DHead.refine_with_bmc:
# 200 Adam steps on the hand's own L_BMC over its relative depths, the 2D held, the refined root recomputed
# without gradient). Training is 3D_A + 2D_B's, unchanged. The runner replaces the limits by those computed from
# B's training 3D (paper Tab. 6 "computed"), as for the training loss.
_base_ = ['./a3d_b2d.py']
model = dict(test_cfg=dict(bmc_refine=dict(
    steps=200, lr=0.01, loss=dict(type='BMCLoss', limits='literature', lambda_bl=0.1, lambda_rb=0.1,
                                  lambda_a=0.01))))
