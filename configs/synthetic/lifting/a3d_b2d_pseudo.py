# Copyright (c) bmc_mmpose authors. All rights reserved.
# Not in the paper: BMC through pseudo-labels. Train 3D_A + 2D_B, lift B's training hands from their 2D, refine each
# with L_BMC (the test-time refinement of a3d_b2d_refine.py), train again from the initial weights with these hands
# as 3D labels (their 2D stays the 2D the user has). B's true 3D is never read. No refinement at test time here.
_base_ = ['./a3d_b2d_refine.py']
lifting_proxy = dict(pseudo_labels={{_base_.bmc_refine}})  # one round (the default of train())
model = dict(test_cfg=dict(_delete_=True, flip_test=False))
