# Copyright (c) bmc_mmpose authors. All rights reserved.
# Not in the paper: the pseudo-label row (a3d_b2d_pseudo.py), then test-time BMC refinement as in a3d_b2d_refine.py.
_base_ = ['./a3d_b2d_pseudo.py']
model = dict(test_cfg=dict(bmc_refine={{_base_.bmc_refine}}))
