# Copyright (c) bmc_mmpose authors. All rights reserved.
"""bmc_mmpose: biomechanical constraints for weakly supervised 3D hand pose, as an MMPose 1.x plugin.

Importing the package registers every component in MMPose's registries (configs do it through
``custom_imports=dict(imports=['bmc_mmpose'])``) and applies the compatibility shims of ``utils/compat.py``.
"""
from .utils.compat import apply_compat_shims
from .version import __version__

apply_compat_shims()

# Importing the subpackages runs their @register_module() decorators.
from . import apis, datasets, evaluation, geometry, limits, models, visualization  # noqa: E402,F401

__all__ = ['__version__']
