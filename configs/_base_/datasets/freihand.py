# Copyright (c) bmc_mmpose authors. All rights reserved.
# FreiHAND v2 (Zimmermann et al. 2019) read from its original files, 128x128 crops.
# Training on the deterministic 'train' part of the training set (all 4 background versions), validation on the
# 'val' part (green-screen version only; 3,255 hands held out, see below), test on the
# official evaluation split (uses evaluation_xyz.json when present).
data_root = 'data/FreiHAND_pub_v2/'
dataset_type = 'FreiHand3DDataset'
input_size = (128, 128)
# Deterministic train/val split of FreiHAND's 32,560 training hands (seed 0): 3,255 validation hands leave
# 29,305 training hands, the largest number of 3D-labelled samples in supp. Tab. 5 (num_3d_samples).
freihand_num_val = 3255
supervision = '3d'

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='HandCropAffine', input_size=input_size, padding=1.4, scale_factor=0.25, shift_factor=0.1,
         rotate_factor=45., rotate_prob=0.6),
    dict(type='HandColorJitter', brightness=0.4, contrast=0.4, saturation=0.4, hue=0.05),
    dict(type='PackHand3DInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='HandCropAffine', input_size=input_size, padding=1.4),
    dict(type='PackHand3DInputs'),
]

train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train', versions=(0, 1, 2, 3),
                 num_val=freihand_num_val, split_seed=0, supervision=supervision, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='val', versions=(0, ), num_val=freihand_num_val,
                 split_seed=0, supervision='3d', test_mode=True, pipeline=val_pipeline))
test_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='evaluation', supervision='3d', test_mode=True,
                 pipeline=val_pipeline))
