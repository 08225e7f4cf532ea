# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Losses registered in MMPose's ``MODELS`` registry."""
from .bmc_loss import BMCLoss

__all__ = ['BMCLoss']
