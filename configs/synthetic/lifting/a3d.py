# Copyright (c) bmc_mmpose authors. All rights reserved.
# Keypoint-lifting proxy (tools/experiments/run_lifting_proxy.py), row "3D_A": a residual-MLP lifter (Martinez et al. 2017) with
# the 2.5D head's lifting, trained on domain A's 3D alone. Every other row inherits this file and changes one thing.
# root_solver='bones': the refiner starts from the root depth pooled over all 20 bones (the runner sets the expected
# proportions to domain A's mean hand) instead of the two-joint closed form, which turned small relative-depth errors
# of joints 9 / 10 into large errors of the hand's size (docs/results/lifting_proxy.md).
model = dict(
    type='KeypointLifter',
    backbone=dict(type='ResidualMLP', in_channels=3 * 21 + 2, hidden_channels=256, num_blocks=2, dropout=0.0),
    head=dict(
        type='KeypointLifterHead',
        in_channels=256,
        input_size=(128, 128),
        zroot_refiner=dict(type='ZRootRefiner'),
        root_solver='bones'),
    test_cfg=dict(flip_test=False))

# What the runner trains on: A's 3D always; B's hands when use_b (2D-only unless b3d is 'all' or a count of B
# hands whose 3D is used); Adam, lr divided by 10 after 75 % of the iterations.
lifting_proxy = dict(use_b=False, b3d='none', iters=1500, batch_a=128, batch_b=128, lr=1e-3)
