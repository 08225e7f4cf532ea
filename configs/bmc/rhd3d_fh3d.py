# Copyright (c) bmc_mmpose authors. All rights reserved.
# Paper Tab. 2 / Tab. 4 "3D_RHD + 3D_FH" (fully supervised synthetic + real; upper bound): FreiHAND 'train' with
# 3D labels.
_base_ = ['./rhd3d_fh2d_nobmc.py']
freihand_train_3d = dict(
    type='FreiHand3DDataset', data_root='data/FreiHAND_pub_v2/', split='train', versions=(0, 1, 2, 3),
    num_val={{_base_.freihand_num_val}}, split_seed=0, supervision='3d', pipeline=[])
train_dataloader = dict(dataset=dict(datasets=[{{_base_.rhd_train}}, freihand_train_3d]))
