# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Losses registered in MMPose's ``MODELS`` registry."""
from .bmc_loss import BMCLoss
from .bone_direction_2d_loss import BoneDirection2DLoss
from .confidence_keypoint_2d_loss import ConfidenceKeypoint2DLoss
from .heatmap_distribution_loss import HeatmapDistributionLoss
from .masked_l1_loss import MaskedL1Loss

__all__ = ['BMCLoss', 'ConfidenceKeypoint2DLoss', 'BoneDirection2DLoss', 'MaskedL1Loss', 'HeatmapDistributionLoss']
