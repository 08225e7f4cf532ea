# Copyright (c) bmc_mmpose authors. All rights reserved.
# Paper Tab. 6 "Approximated": BMC limits computed from RHD's 3D instead of FreiHAND's ("Computed" =
# rhd3d_fh2d.py). Create the file with the limits tool from RHD's training 3D (configs/bmc/README.md).
_base_ = ['./rhd3d_fh2d.py']
model = dict(head=dict(loss_bmc=dict(limits='data/bmc_limits/rhd_train.json')))
