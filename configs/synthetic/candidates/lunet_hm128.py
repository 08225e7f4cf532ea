# Copyright (c) bmc_mmpose authors. All rights reserved.
# Model candidate (see ./r18_reg64.py): the main job's model as trained by ../proxy/a3d_b3d.py, at 128 px input
# (the paper's crop size): 32 x 32 heatmaps, 4x the FLOPs.
_base_ = ['../proxy/a3d_b3d.py']

input_size = (128, 128)
model = dict(head=dict(input_size=input_size))
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
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=val_pipeline))
