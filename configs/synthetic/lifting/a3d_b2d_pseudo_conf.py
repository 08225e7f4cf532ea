# Copyright (c) bmc_mmpose authors. All rights reserved.
# Not in the paper: a3d_b2d_pseudo.py with each pseudo-label weighted by its confidence, the L_BMC the hand keeps
# after its refinement (bmc_mmpose.utils.lifting_proxy.bmc_residual_confidence: median / (median + residual),
# mean 1): a hand the refinement cannot make plausible was lifted badly, so it teaches the second training less.
_base_ = ['./a3d_b2d_pseudo.py']
lifting_proxy = dict(pseudo_labels=dict(weighting='bmc_residual'))
