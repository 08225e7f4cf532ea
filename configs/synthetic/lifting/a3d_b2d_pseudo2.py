# Copyright (c) bmc_mmpose authors. All rights reserved.
# Not in the paper: a3d_b2d_pseudo.py with two rounds (the second round's labels come from the first round's model).
_base_ = ['./a3d_b2d_pseudo.py']
lifting_proxy = dict(pseudo_labels=dict(rounds=2))
