# Copyright (c) bmc_mmpose authors. All rights reserved.
from .light_unet import LightUNet
from .residual_mlp import ResidualMLP

__all__ = ['LightUNet', 'ResidualMLP']
