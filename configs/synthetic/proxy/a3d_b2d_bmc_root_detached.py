# Copyright (c) bmc_mmpose authors. All rights reserved.
# Not in the paper: + L_BMC (as a3d_b2d_bmc.py) on the refined hand, but without gradient into the root depth
# (Hand25DHead(bmc_root_depth='refined_detached')): BMC shapes uv and z_r and cannot move Z_root. Tests why BMC
# hurt in the proxy: through the refiner it pulled domain B's root depth down to satisfy the palm terms.
_base_ = ['./a3d_b2d_bmc.py']
model = dict(head=dict(bmc_root_depth='refined_detached'))
