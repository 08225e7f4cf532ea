# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Model components registered in MMPose's ``MODELS`` registry (importing this package registers them)."""
from . import backbones, heads, losses, pose_estimators  # noqa: F401
from .backbones import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .pose_estimators import *  # noqa: F401,F403
