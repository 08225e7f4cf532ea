# Copyright (c) bmc_mmpose authors. All rights reserved.
# Model candidate (see ./r18_reg64.py): LightUNet (our small encoder-decoder, stride-4 output) with the head's
# latent 2.5D heatmap read-out (soft-argmax for u, v; softmax-weighted depth map for z_r) straight on the
# stride-4 map (no deconvolutions), 128 px input (the paper's crop size): 32 x 32 heatmaps.
_base_ = ['./r18_reg64.py']

input_size = (128, 128)
model = dict(
    backbone=dict(_delete_=True, type='LightUNet', stem_channels=24, stage_channels=(32, 64, 128, 192),
                  out_channels=64),
    head=dict(in_channels=64, mode='heatmap', deconv_out_channels=(), input_size=input_size))
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
