# Copyright (c) bmc_mmpose authors. All rights reserved.
from .hand25d_head import DEFAULT_REF_BONE_LENGTH_MM, Hand25DHead

__all__ = ['Hand25DHead', 'DEFAULT_REF_BONE_LENGTH_MM']
