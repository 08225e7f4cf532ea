# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Evaluation: numpy metric functions, registered METRICS, and CodaLab submission files."""
from . import functional, submission  # noqa: F401
from .metrics import Hand3DMetric, HandPlausibilityMetric, SubmissionWriter
from .submission import add_submission_writer

__all__ = ['Hand3DMetric', 'HandPlausibilityMetric', 'SubmissionWriter', 'add_submission_writer']
