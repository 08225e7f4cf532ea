# Copyright (c) bmc_mmpose authors. All rights reserved.
# Not in the paper: a3d_b2d_pseudo_conf.py (confidence-weighted pseudo-labels) with two rounds.
_base_ = ['./a3d_b2d_pseudo_conf.py']
lifting_proxy = dict(pseudo_labels=dict(rounds=2))
