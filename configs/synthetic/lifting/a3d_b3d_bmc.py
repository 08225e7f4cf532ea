# Copyright (c) bmc_mmpose authors. All rights reserved.
# supp. Tab. 5 analogue: + L_BMC with the 3D labels of all of B's hands.
_base_ = ['./a3d_b2d_bmc.py']
lifting_proxy = dict(b3d='all')
