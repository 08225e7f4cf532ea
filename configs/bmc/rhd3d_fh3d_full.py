# Copyright (c) bmc_mmpose authors. All rights reserved.
# Paper Tab. 7 / supp. Tab. 4 (R = FH) "3D_RHD + 3D_FH": full FreiHAND training set with 3D labels + RHD 3D.
_base_ = ['./rhd3d_fh2d_nobmc_full.py']
freihand_all_3d = dict(
    type='FreiHand3DDataset', data_root='data/FreiHAND_pub_v2/', split='all', versions=(0, 1, 2, 3), supervision='3d',
    pipeline=[])
train_dataloader = dict(dataset=dict(datasets=[{{_base_.rhd_train}}, freihand_all_3d]))
