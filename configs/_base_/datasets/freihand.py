# Copyright (c) bmc_mmpose authors. All rights reserved.
# FreiHAND v2 (Zimmermann et al. 2019) read from its original files, 128x128 crops.
# Training on the deterministic 'train' part of the training set (all 4 background versions), validation on the
# 'val' part (green-screen version only; 3,255 hands held out, see below), test on the
# official evaluation split (uses evaluation_xyz.json when present).
_base_ = ['./hand_crop_loaders.py']
data_root = 'data/FreiHAND_pub_v2/'
dataset_type = 'FreiHand3DDataset'
# Deterministic train/val split of FreiHAND's 32,560 training hands (seed 0): 3,255 validation hands leave
# 29,305 training hands, the largest number of 3D-labelled samples in supp. Tab. 5 (num_3d_samples).
freihand_num_val = 3255
supervision = '3d'

train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='train', versions=(0, 1, 2, 3),
                 num_val=freihand_num_val, split_seed=0, supervision=supervision,
                 pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='val', versions=(0, ), num_val=freihand_num_val,
                 split_seed=0, supervision='3d', test_mode=True, pipeline={{_base_.val_pipeline}}))
test_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='evaluation', supervision='3d', test_mode=True,
                 pipeline={{_base_.val_pipeline}}))
