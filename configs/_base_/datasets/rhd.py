# Copyright (c) bmc_mmpose authors. All rights reserved.
# RHD (Zimmermann & Brox 2017) read from its original files; fully 3D supervised, 128x128 crops.
_base_ = ['./hand_crop_loaders.py']
data_root = 'data/RHD_published_v2/'
dataset_type = 'Rhd3DDataset'

train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='training', hand='auto', supervision='3d',
                 pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='evaluation', hand='auto', supervision='3d',
                 test_mode=True, pipeline={{_base_.val_pipeline}}))
test_dataloader = val_dataloader
