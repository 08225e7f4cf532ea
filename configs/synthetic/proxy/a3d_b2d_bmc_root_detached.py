# Copyright (c) bmc_mmpose authors. All rights reserved.
# Not in the paper: + L_BMC (as a3d_b2d_bmc.py) on the refined hand, but without gradient into the root depth
# (Hand25DHead(bmc_root_depth='refined_detached')): BMC shapes uv and z_r and cannot move Z_root directly. Tests
# whether BMC hurt in the proxy by pulling domain B's root depth down through the refiner's gradient; measured on
# 2026-11-25 it did not help (3D 70.40 mm vs 70.29 with gradient), and the root depth fell further (README).
_base_ = ['./a3d_b2d_bmc.py']
model = dict(head=dict(bmc_root_depth='refined_detached'))
