# Copyright (c) bmc_mmpose authors. All rights reserved.
# HO-3D v3 (Hampali et al. 2020) read from its original files, 128x128 crops. For v2 set data_root to the v2
# folder and version='v2'. The official evaluation split has only the root joint and a box (use
# PackHand3DInputs(extra_instance_keys=('root_3d', 'has_root_3d')) to pass them to a metric) unless the released
# evaluation_xyz.json is present in data_root.
data_root = 'data/HO3D_v3/'
dataset_type = 'HO3DDataset'
version = 'v3'
input_size = (128, 128)

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
    dict(type='PackHand3DInputs', extra_instance_keys=('root_3d', 'has_root_3d')),
]

train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train', version=version, supervision='3d',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='evaluation', version=version, test_mode=True,
                 pipeline=val_pipeline))
test_dataloader = val_dataloader
