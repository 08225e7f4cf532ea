# Copyright (c) bmc_mmpose authors. All rights reserved.
# Not in the paper: + L_BMC (as a3d_b2d_bmc.py) with the root depth pooled over all 20 bones as the refiner's start
# (as a3d_b2d_root_bones.py, same template proportions): the hand BMC sees is then not rescaled by the two-joint
# closed form's error on the reference bone (the fault the lifting proxy found, docs/results/lifting_proxy.md).
_base_ = ['./a3d_b2d_bmc.py']
model = dict(head=dict(root_solver='bones', bone_lengths='template'))
