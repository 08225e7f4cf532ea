# Copyright (c) bmc_mmpose authors. All rights reserved.
# Paper Tab. 7 / supp. Tab. 4 (R = HO-3D) "3D_RHD": RHD 3D only, evaluated on HO-3D's evaluation split.
_base_ = ['./rhd3d_ho3d2d_nobmc.py']
train_dataloader = dict(sampler=dict(source_ratio=[1]), dataset=dict(datasets=[{{_base_.rhd_train}}]))
