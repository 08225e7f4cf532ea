# Copyright (c) bmc_mmpose authors. All rights reserved.
# supp. Tab. 5 analogue: + L_BMC with the 3D labels of 100 of B's hands (2D only for the rest).
_base_ = ['./a3d_b2d_bmc.py']
lifting_proxy = dict(b3d=100)
