# Copyright (c) bmc_mmpose authors. All rights reserved.
# Not in the paper: BMC through pseudo-labels. Train 3D_A + 2D_B, lift B's training hands from their 2D, refine each
# with L_BMC (the test-time refinement of a3d_b2d_refine.py), train again from the initial weights with these hands
# as 3D labels (their 2D stays the 2D the user has). B's true 3D is never read. The runner replaces the limits by
# those computed from B's training 3D, as for the training loss.
_base_ = ['./a3d_b2d.py']
lifting_proxy = dict(pseudo_labels=dict(
    rounds=1, steps=200, lr=0.01, loss=dict(type='BMCLoss', limits='literature', lambda_bl=0.1, lambda_rb=0.1,
                                            lambda_a=0.01)))
