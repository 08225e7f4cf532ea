# Copyright (c) bmc_mmpose authors. All rights reserved.
from .residual_mlp import ResidualMLP

__all__ = ['ResidualMLP']
