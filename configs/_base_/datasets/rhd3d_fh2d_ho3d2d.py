# Copyright (c) bmc_mmpose authors. All rights reserved.
# Mixed weak supervision with HO-3D: RHD 3D + FreiHAND 2D + HO-3D 2D in one loader (per-batch ratio from
# source_ratio, e.g. 2:1:1 -> 32 + 16 + 16 of 64). See rhd3d_fh2d.py for the sampler rules. Validation on the
# HO-3D evaluation split (root + box only unless evaluation_xyz.json is present).
_base_ = ['./hand_crop_loaders.py']
rhd_root = 'data/RHD_published_v2/'
freihand_root = 'data/FreiHAND_pub_v2/'
data_root = 'data/HO3D_v3/'
ho3d_version = 'v3'
batch_size = 64
source_ratio = [2, 1, 1]  # RHD-3D : FreiHAND-2D : HO-3D-2D per batch

# The evaluation split's root joint and box reach the metric.
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='HandCropAffine', input_size={{_base_.input_size}}, padding=1.4),
    dict(type='PackHand3DInputs', extra_instance_keys=('root_3d', 'has_root_3d')),
]

train_dataloader = dict(
    batch_size=batch_size,
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
        pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(
    dataset=dict(type='HO3DDataset', data_root=data_root, split='evaluation', version=ho3d_version,
                 test_mode=True, pipeline=val_pipeline))
test_dataloader = val_dataloader
