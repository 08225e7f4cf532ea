# Copyright (c) bmc_mmpose authors. All rights reserved.
# What every hand dataset config shares: the 128x128 crop pipelines of the paper (Sec. 5: crop around the hand,
# scale / shift / in-plane rotation and colour augmentation for training) and the loader settings. The dataset
# files (rhd.py, freihand.py, ho3d.py, rhd3d_fh2d*.py) inherit this file and add only their datasets:
#   pipeline={{_base_.train_pipeline}}   # or {{_base_.val_pipeline}}
# A config that changes `input_size` redefines both pipelines (see configs/synthetic/).
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
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False))
test_dataloader = val_dataloader
