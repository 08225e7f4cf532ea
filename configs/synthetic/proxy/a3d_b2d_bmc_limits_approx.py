# Copyright (c) bmc_mmpose authors. All rights reserved.
# CPU proxy of paper Tab. 6 "Approximated": BMC limits from domain A's 3D (the fully labelled domain) instead of B's.
_base_ = ['./a3d_b2d_bmc.py']
model = dict(head=dict(loss_bmc=dict(limits={{_base_.approximated_limits}})))
