# Copyright (c) bmc_mmpose authors. All rights reserved.
from .hand3d_estimator import Hand3DEstimator
from .keypoint_lifter import KeypointLifter, lifter_input_features

__all__ = ['Hand3DEstimator', 'KeypointLifter', 'lifter_input_features']
