# Copyright (c) bmc_mmpose authors. All rights reserved.
# Supp. Tab. 5 / paper Fig. 5 "-" (without BMC): FreiHAND only, N hands with 3D labels, the rest 2D only; tested on
# the official evaluation split. N = num_3d_samples; the paper's values: 1, 5, 14, 27, 127, 499, 997, 1993, 3810,
# 7327, 14653, 29305 (its 100 % = 29305 ~ 90 % of the 32,560 hands: the training part without validation, which
# is what split='train' gives with the dataset config's num_val=3255). Change N with
#   --cfg-options train_dataloader.dataset.num_3d_samples=997
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/bmc_resnet50.py', '../_base_/schedules/sgd_70e.py',
    '../_base_/datasets/freihand.py'
]
num_3d_samples = 1993
train_dataloader = dict(dataset=dict(split='train', supervision='3d', num_3d_samples=num_3d_samples))
