# Copyright (c) bmc_mmpose authors. All rights reserved.
# Mixed weak supervision with HO-3D: RHD 3D + FreiHAND 2D + HO-3D 2D in one loader (per-batch ratio from
# source_ratio, e.g. 2:1:1 -> 32 + 16 + 16 of 64). See rhd3d_fh2d.py for the sampler rules. Validation on the
# HO-3D evaluation split (root + box only unless evaluation_xyz.json is present).
rhd_root = 'data/RHD_published_v2/'
freihand_root = 'data/FreiHAND_pub_v2/'
data_root = 'data/HO3D_v3/'
ho3d_version = 'v3'
input_size = (128, 128)
batch_size = 64
source_ratio = [2, 1, 1]  # RHD-3D : FreiHAND-2D : HO-3D-2D per batch

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
    batch_size=batch_size,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='MultiSourceSampler', batch_size=batch_size, source_ratio=source_ratio, shuffle=True),
    dataset=dict(
        type='CombinedDataset',
        metainfo=dict(from_file='{{ fileDirname }}/hand21_metainfo.py'),
        datasets=[
            dict(type='Rhd3DDataset', data_root=rhd_root, split='training', hand='auto', supervision='3d',
                 pipeline=[]),
            dict(type='FreiHand3DDataset', data_root=freihand_root, split='all', versions=(0, 1, 2, 3),
                 supervision='2d', pipeline=[]),
            dict(type='HO3DDataset', data_root=data_root, split='train', version=ho3d_version, supervision='2d',
                 pipeline=[]),
        ],
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(type='HO3DDataset', data_root=data_root, split='evaluation', version=ho3d_version,
                 test_mode=True, pipeline=val_pipeline))
test_dataloader = val_dataloader
