# Copyright (c) bmc_mmpose authors. All rights reserved.
from .hand3d_metric import Hand3DMetric
from .plausibility_metric import HandPlausibilityMetric
from .submission_writer import SubmissionWriter

__all__ = ['Hand3DMetric', 'HandPlausibilityMetric', 'SubmissionWriter']
