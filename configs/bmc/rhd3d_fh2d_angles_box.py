# Copyright (c) bmc_mmpose authors. All rights reserved.
# Paper Tab. 5 "Independent": flexion and abduction limits as independent intervals (min/max box) instead of the
# convex hull ("Dependent" = rhd3d_fh2d.py).
_base_ = ['./rhd3d_fh2d.py']
model = dict(head=dict(loss_bmc=dict(angle_limits='box')))
