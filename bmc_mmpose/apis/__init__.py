# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Inference API: build a model, predict the 3D hand in one image."""
from .inference import default_intrinsics, inference_hand3d, init_hand3d_model

__all__ = ['default_intrinsics', 'inference_hand3d', 'init_hand3d_model']
