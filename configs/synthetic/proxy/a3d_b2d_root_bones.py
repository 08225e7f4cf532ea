# Copyright (c) bmc_mmpose authors. All rights reserved.
# Not in the paper: 3D_A + 2D_B (as a3d_b2d.py) with the refiner starting from the root depth pooled over all 20
# bones with the kinematic template's proportions (Hand25DHead(root_solver='bones')) instead of Iqbal et al.'s
# two-joint closed form, whose error on the reference bone rescales the whole hand; the baseline of
# a3d_b2d_bmc_root_bones.py.
_base_ = ['./a3d_b2d.py']
model = dict(head=dict(root_solver='bones', bone_lengths='template'))
