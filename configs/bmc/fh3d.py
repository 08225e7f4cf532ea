# Copyright (c) bmc_mmpose authors. All rights reserved.
# Paper Tab. 3 "w. refinement": fully supervised on FreiHAND 'train' (3D_FH), validated on FreiHAND 'val'.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/models/bmc_resnet50.py', '../_base_/schedules/sgd_70e.py',
    '../_base_/datasets/freihand.py'
]
