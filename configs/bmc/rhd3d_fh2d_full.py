# Copyright (c) bmc_mmpose authors. All rights reserved.
# Paper Tab. 7 / supp. Tab. 4 (R = FH) "+ L_BMC": rhd3d_fh2d_nobmc_full.py with BMC; limits computed from the
# full FreiHAND training set's 3D.
_base_ = ['./rhd3d_fh2d_nobmc_full.py', '../_base_/models/bmc_loss_paper.py']
model = dict(head=dict(loss_bmc={{_base_.bmc_loss_freihand_all}}))
