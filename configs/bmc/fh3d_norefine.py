# Copyright (c) bmc_mmpose authors. All rights reserved.
# Paper Tab. 3 "w/o refinement": as fh3d.py but Z_root is the closed form alone (its L1 loss then trains the 2D /
# z_r predictions through the closed form).
_base_ = ['./fh3d.py']
model = dict(head=dict(zroot_refiner=None))
