# Copyright (c) bmc_mmpose authors. All rights reserved.
# RHD (Zimmermann & Brox 2017) read from its original files; fully 3D supervised, 128x128 crops.
data_root = 'data/RHD_published_v2/'
dataset_type = 'Rhd3DDataset'
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
    dict(type='PackHand3DInputs'),
]

train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='training', hand='auto', supervision='3d',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='evaluation', hand='auto', supervision='3d',
                 test_mode=True, pipeline=val_pipeline))
test_dataloader = val_dataloader
