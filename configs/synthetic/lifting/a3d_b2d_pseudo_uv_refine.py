# Copyright (c) bmc_mmpose authors. All rights reserved.
# Not in the paper: the pseudo-label row a3d_b2d_pseudo_uv.py, then test-time BMC refinement of depths and 2D.
_base_ = ['./a3d_b2d_pseudo_uv.py']
model = dict(test_cfg=dict(bmc_refine={{_base_.lifting_proxy.pseudo_labels}}))
