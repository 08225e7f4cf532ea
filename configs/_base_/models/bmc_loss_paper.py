# Copyright (c) bmc_mmpose authors. All rights reserved.
# The BMC loss as the paper trains it (supp. Sec. 8): lambda_BL 0.1, lambda_RB 0.1, lambda_A 0.01, hull angle
# limits, and limits computed from the 3D of the weakly labelled dataset's training part (Tab. 6 "Computed").
# A config adds it with
#   _base_ = ['./<the same experiment without BMC>.py', '../_base_/models/bmc_loss_paper.py']
#   model = dict(head=dict(loss_bmc={{_base_.bmc_loss_freihand_train}}))
# `_delete_` replaces the base's `loss_bmc=None`. Create the limits files with tools/data/compute_bmc_limits.py
# (configs/bmc/README.md) or use `limits='literature'` for the shipped literature limits.
_paper_bmc_loss = dict(_delete_=True, type='BMCLoss', lambda_bl=0.1, lambda_rb=0.1, lambda_a=0.01,
                       angle_limits='hull')
bmc_loss_freihand_train = dict(_paper_bmc_loss, limits='data/bmc_limits/freihand_train.json')
bmc_loss_freihand_all = dict(_paper_bmc_loss, limits='data/bmc_limits/freihand_all.json')
bmc_loss_ho3d_train = dict(_paper_bmc_loss, limits='data/bmc_limits/ho3d_train.json')
