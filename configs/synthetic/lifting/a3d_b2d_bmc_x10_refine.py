# Copyright (c) bmc_mmpose authors. All rights reserved.
# Not in the paper: + L_BMC with 10x the paper's weights in training, then test-time BMC refinement with the
# training loss (Hand25DHead.refine_with_bmc; only the ratios of the term weights matter there, see a3d_b2d_refine.py).
_base_ = ['./a3d_b2d_bmc_x10.py']
model = dict(test_cfg=dict(bmc_refine=dict(steps=200, lr=0.01)))
