# Copyright (c) bmc_mmpose authors. All rights reserved.
# Row "3D_A + 2D_B": A's 3D plus B's 2D (the input 2D of B's hands is also their 2D label).
_base_ = ['./a3d.py']
lifting_proxy = dict(use_b=True)
