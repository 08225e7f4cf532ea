# Copyright (c) bmc_mmpose authors. All rights reserved.
# Paper Tab. 7 / supp. Tab. 4 (R = HO-3D) "+ L_BMC": rhd3d_ho3d2d_nobmc.py with BMC; limits computed from HO-3D's
# training 3D.
_base_ = ['./rhd3d_ho3d2d_nobmc.py', '../_base_/models/bmc_loss_paper.py']
model = dict(head=dict(loss_bmc={{_base_.bmc_loss_ho3d_train}}))
