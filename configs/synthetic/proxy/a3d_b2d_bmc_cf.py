# Copyright (c) bmc_mmpose authors. All rights reserved.
# Not in the paper: + L_BMC (as a3d_b2d_bmc.py) applied to the hand placed with the *closed-form* root depth instead
# of the refined one (Hand25DHead(bmc_root_depth='closed_form')), so that the refiner's root-depth error on domain B,
# which scales the hand in x and y, is not read by BMC as wrong bone lengths.
_base_ = ['./a3d_b2d_bmc.py']
model = dict(head=dict(bmc_root_depth='closed_form'))
