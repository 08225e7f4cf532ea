# Copyright (c) bmc_mmpose authors. All rights reserved.
# HO-3D v3 (Hampali et al. 2020) read from its original files, 128x128 crops. For v2 set data_root to the v2
# folder and version='v2'. The official evaluation split has only the root joint and a box (use
# PackHand3DInputs(extra_instance_keys=('root_3d', 'has_root_3d')) to pass them to a metric) unless the released
# evaluation_xyz.json is present in data_root.
_base_ = ['./hand_crop_loaders.py']
data_root = 'data/HO3D_v3/'
dataset_type = 'HO3DDataset'
version = 'v3'
# The evaluation split's root joint and box reach the metric.
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='HandCropAffine', input_size={{_base_.input_size}}, padding=1.4),
    dict(type='PackHand3DInputs', extra_instance_keys=('root_3d', 'has_root_3d')),
]

train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='train', version=version, supervision='3d',
                 pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='evaluation', version=version, test_mode=True,
                 pipeline=val_pipeline))
test_dataloader = val_dataloader
