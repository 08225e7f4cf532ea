# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Inference API: build a model, predict the 3D hands in images (PyTorch or onnxruntime), export to ONNX."""
from .crop_network import CROP_NETWORK_INPUTS, CROP_NETWORK_OUTPUTS, Hand3DCropNetwork, export_onnx
from .inference import inference_hand3d, init_hand3d_model, plausibility_report
from .predictor import BACKENDS, Hand3DPredictor, default_intrinsics
from .smoothing import OneEuroFilter

__all__ = [
    'BACKENDS', 'CROP_NETWORK_INPUTS', 'CROP_NETWORK_OUTPUTS', 'Hand3DCropNetwork', 'Hand3DPredictor', 'OneEuroFilter',
    'default_intrinsics', 'export_onnx', 'inference_hand3d', 'init_hand3d_model', 'plausibility_report'
]
