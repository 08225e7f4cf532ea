# Copyright (c) bmc_mmpose authors. All rights reserved.
# Not in the paper: a3d_b2d_pseudo_uv.py (labelling refinement that moves the 2D too, for noisy input 2D) with
# confidence-weighted pseudo-labels (a3d_b2d_pseudo_conf.py).
_base_ = ['./a3d_b2d_pseudo_uv.py']
lifting_proxy = dict(pseudo_labels=dict(weighting='bmc_residual'))
