# Copyright (c) bmc_mmpose authors. All rights reserved.
from .bmc_wrapper_head import BMCRegularizedHead
from .hand25d_head import DEFAULT_REF_BONE_LENGTH_MM, Hand25DHead
from .joints_3d_extractors import (INTERHAND_TO_FREIHAND, JOINTS_3D_EXTRACTORS, BMCJoints, InternetHeadJoints3D,
                                   find_joints_3d_extractor)
from .keypoint_lifter_head import KeypointLifterHead
from .readouts import HeatmapReadout2p5D, KeypointResidualReadout2p5D, RegressionReadout2p5D
from .zroot_refiner import ZRootRefiner

__all__ = [
    'Hand25DHead', 'DEFAULT_REF_BONE_LENGTH_MM', 'BMCRegularizedHead', 'BMCJoints', 'InternetHeadJoints3D',
    'JOINTS_3D_EXTRACTORS', 'INTERHAND_TO_FREIHAND', 'find_joints_3d_extractor', 'KeypointLifterHead',
    'RegressionReadout2p5D', 'HeatmapReadout2p5D', 'KeypointResidualReadout2p5D', 'ZRootRefiner'
]
