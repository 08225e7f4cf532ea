# Copyright (c) bmc_mmpose authors. All rights reserved.
# Root variant of "3D_A + 2D_B": the refiner starts from the two-joint closed form (Iqbal et al.) instead of the root
# pooled over all bones.
_base_ = ['./a3d_b2d.py']
model = dict(head=dict(root_solver='closed_form'))
