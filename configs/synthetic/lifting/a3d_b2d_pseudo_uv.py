# Copyright (c) bmc_mmpose authors. All rights reserved.
# Not in the paper: a3d_b2d_pseudo.py whose labelling refinement also moves the 2D (uv_std of a3d_b2d_refine_uv.py),
# for noisy input 2D. The pseudo-labels' depths come from the refined hands; their 2D label stays the input 2D.
_base_ = ['./a3d_b2d_pseudo.py']
lifting_proxy = dict(pseudo_labels=dict(uv_std=32.0))
