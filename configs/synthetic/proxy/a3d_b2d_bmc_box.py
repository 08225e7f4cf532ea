# Copyright (c) bmc_mmpose authors. All rights reserved.
# CPU proxy of paper Tab. 5 "Independent": + L_BMC with per-angle min/max boxes instead of the (flexion, abduction)
# hulls (limits computed from B, as the + L_BMC row).
_base_ = ['./a3d_b2d_bmc.py']
model = dict(head=dict(loss_bmc=dict(angle_limits='box')))
