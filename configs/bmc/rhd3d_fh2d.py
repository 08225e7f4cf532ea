# Copyright (c) bmc_mmpose authors. All rights reserved.
# FLAGSHIP. Paper Tab. 2 "+ L_BMC" (= Tab. 4 "+ L_A", Tab. 5 "Dependent", Tab. 6 "Computed"): 3D_RHD + 2D_FH with
# the biomechanical constraints (lambda_BL 0.1, lambda_RB 0.1, lambda_A 0.01, hull angle limits; supp. Sec. 8).
# Limits computed from the 3D of FreiHAND's training part (the paper's "computed" limits): see
# ../_base_/models/bmc_loss_paper.py.
_base_ = ['./rhd3d_fh2d_nobmc.py', '../_base_/models/bmc_loss_paper.py']
model = dict(head=dict(loss_bmc={{_base_.bmc_loss_freihand_train}}))
