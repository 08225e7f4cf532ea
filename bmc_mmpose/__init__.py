# Copyright (c) bmc_mmpose authors. All rights reserved.
"""bmc_mmpose: biomechanical constraints for weakly supervised 3D hand pose, as an MMPose 1.x plugin.

Importing the package registers every component in MMPose's registries under names of its own (configs do it
through ``custom_imports=dict(imports=['bmc_mmpose'])``); it replaces nothing of MMPose, MMEngine or torch.
"""
from .version import __version__

# Importing the subpackages runs their @register_module() decorators.
from . import apis, codecs, datasets, evaluation, geometry, limits, models, utils, visualization  # noqa: E402,F401

__all__ = ['__version__']
