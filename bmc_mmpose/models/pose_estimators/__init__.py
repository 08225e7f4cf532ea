# Copyright (c) bmc_mmpose authors. All rights reserved.
from .hand3d_estimator import Hand3DEstimator

__all__ = ['Hand3DEstimator']
