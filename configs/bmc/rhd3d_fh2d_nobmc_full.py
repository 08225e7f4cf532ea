# Copyright (c) bmc_mmpose authors. All rights reserved.
# Paper Tab. 7 / supp. Tab. 4 (R = FH) "+ 2D_FH": trained on the full FreiHAND training set (split 'all', 2D
# only) + RHD 3D; evaluated on the official evaluation split (the test loader; scores from the submission file
# or evaluation_xyz.json). Validation also runs on the evaluation split ('val' is part of the training data here).
_base_ = ['./rhd3d_fh2d_nobmc.py']
freihand_all_2d = dict(
    type='FreiHand3DDataset', data_root='data/FreiHAND_pub_v2/', split='all', versions=(0, 1, 2, 3), supervision='2d',
    pipeline=[])
train_dataloader = dict(dataset=dict(datasets=[{{_base_.rhd_train}}, freihand_all_2d]))
val_dataloader = dict(dataset=dict(split='evaluation'))
