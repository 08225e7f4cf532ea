# Copyright (c) bmc_mmpose authors. All rights reserved.
# Not in the paper: as a3d_b2d_refine.py, and the 2D moves too (uv_std, crop px: a Gaussian prior on the shift in
# units of the expected 2D error), for noisy input 2D. uv_std and the steps were chosen on B's validation split at
# 5 px input noise.
_base_ = ['./a3d_b2d_refine.py']
bmc_refine = dict(uv_std=32.0)
model = dict(test_cfg=dict(bmc_refine=bmc_refine))
