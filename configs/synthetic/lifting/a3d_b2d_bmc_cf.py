# Copyright (c) bmc_mmpose authors. All rights reserved.
# Placement variant: + L_BMC on the joints placed with the two-joint closed-form root depth (detached, no refiner),
# as the first probe did, and that closed form also as the refiner's start (root_solver).
_base_ = ['./a3d_b2d_bmc.py']
model = dict(head=dict(bmc_root_depth='closed_form', root_solver='closed_form'))
