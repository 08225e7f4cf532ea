# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Read-outs of the 2.5D hand heads: network features -> raw ``(u, v)`` crop pixels and ``z_r`` per joint.

A read-out is the only part of :class:`~bmc_mmpose.models.heads.Hand25DHead` that differs between the
regression variant of the paper and the latent 2.5D heatmaps of Iqbal et al.; the head re-centres ``z_r`` on the
root joint and does everything after (lifting, losses, prediction).
"""
from .heatmap_readout import HeatmapReadout2p5D
from .keypoint_residual_readout import KeypointResidualReadout2p5D
from .regression_readout import RegressionReadout2p5D

__all__ = ['RegressionReadout2p5D', 'HeatmapReadout2p5D', 'KeypointResidualReadout2p5D']
