# Copyright (c) bmc_mmpose authors. All rights reserved.
# Not in the paper: 3D_A + 2D_B, then test-time BMC refinement of each hand's depths (Hand25DHead.refine_with_bmc)
# with the setting chosen for the lifting proxy on its validation split (configs/synthetic/lifting/a3d_b2d_refine.py:
# 100 Adam steps of lr 0.01, the 2D held, L_A weighted as L_BL and L_RB), limits computed from B. Training is
# 3D_A + 2D_B's, unchanged (test it with that row's checkpoint: --from-checkpoint).
_base_ = ['./a3d_b2d.py']
model = dict(test_cfg=dict(bmc_refine=dict(
    steps=100, lr=0.01, loss=dict(type='BMCLoss', limits='data/synthetic/bmc_limits_domain_b.json', lambda_bl=0.1,
                                  lambda_rb=0.1, lambda_a=0.1))))
