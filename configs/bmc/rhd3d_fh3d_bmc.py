# Copyright (c) bmc_mmpose authors. All rights reserved.
# Paper Tab. 2 "3D_RHD + 3D_FH + L_BMC" (fully supervised + BMC as a regulariser).
_base_ = ['./rhd3d_fh3d.py', '../_base_/models/bmc_loss_paper.py']
model = dict(head=dict(loss_bmc={{_base_.bmc_loss_freihand_train}}))
