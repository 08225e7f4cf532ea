# Copyright (c) bmc_mmpose authors. All rights reserved.
# Paper Tab. 7 / supp. Tab. 4 (R = HO-3D) "3D_RHD + 3D_HO3D": HO-3D 'train' with 3D labels + RHD 3D.
_base_ = ['./rhd3d_ho3d2d_nobmc.py']
ho3d_train_3d = dict(type='HO3DDataset', data_root='data/HO3D_v3/', split='train', version='v3',
                     supervision='3d', pipeline=[])
train_dataloader = dict(dataset=dict(datasets=[{{_base_.rhd_train}}, ho3d_train_3d]))
