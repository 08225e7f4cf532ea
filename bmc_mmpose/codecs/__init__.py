# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Keypoint codecs registered in MMPose's ``KEYPOINT_CODECS`` registry."""
from .hand25d_codec import Hand25DCodec

__all__ = ['Hand25DCodec']
