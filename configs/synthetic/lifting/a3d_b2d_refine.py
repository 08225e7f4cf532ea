# Copyright (c) bmc_mmpose authors. All rights reserved.
# Not in the paper: 3D_A + 2D_B, then test-time BMC refinement of each lifted hand (Hand25DHead.refine_with_bmc:
# Adam steps on the hand's own L_BMC over its relative depths, the 2D held, the refined root recomputed without
# gradient). Training is 3D_A + 2D_B's, unchanged. The runner replaces the limits by those computed from B's
# training 3D (paper Tab. 6 "computed"), as for the training loss. Steps and term weights were chosen on a
# validation split of B at exact 2D (tools/analysis_tools/analyze_lifting_bmc.py --parts refine_sweep; the
# test split played no part): fewer steps than convergence, and L_A weighted as much as L_BL and L_RB.
_base_ = ['./a3d_b2d.py']
bmc_refine = dict(
    steps=100, lr=0.01, loss=dict(type='BMCLoss', limits='literature', lambda_bl=0.1, lambda_rb=0.1, lambda_a=0.1))
model = dict(test_cfg=dict(bmc_refine=bmc_refine))
