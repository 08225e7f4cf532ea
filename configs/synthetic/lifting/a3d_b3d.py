# Copyright (c) bmc_mmpose authors. All rights reserved.
# Row "3D_A + 3D_B" (upper bound): B's 3D labels for every hand.
_base_ = ['./a3d_b2d.py']
lifting_proxy = dict(b3d='all')
