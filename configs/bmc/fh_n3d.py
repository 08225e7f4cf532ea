# Copyright (c) bmc_mmpose authors. All rights reserved.
# Supp. Tab. 5 / paper Fig. 5 "+" (with BMC): fh_n3d_nobmc.py with the BMC loss (limits computed from FreiHAND's
# training 3D, as in the paper's setting where the limits are given).
_base_ = ['./fh_n3d_nobmc.py', '../_base_/models/bmc_loss_paper.py']
model = dict(head=dict(loss_bmc={{_base_.bmc_loss_freihand_train}}))
