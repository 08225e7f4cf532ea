# Copyright (c) bmc_mmpose authors. All rights reserved.
from .checkpoint import (ALLOWED_CHECKPOINT_GLOBALS, CheckpointFit, CheckpointLoadError, CheckpointMismatchError,
                         check_checkpoint_fit, checkpoint_fit, load_checkpoint_file, load_model_weights,
                         load_runner_checkpoints_strictly, safe_checkpoint_loading)
from .config_options import load_config, parse_cfg_options
from .distributed import finish_distributed, setup_distributed_without_cuda

__all__ = [
    'ALLOWED_CHECKPOINT_GLOBALS', 'CheckpointFit', 'CheckpointLoadError', 'CheckpointMismatchError',
    'check_checkpoint_fit', 'checkpoint_fit', 'load_checkpoint_file', 'load_model_weights',
    'load_runner_checkpoints_strictly', 'safe_checkpoint_loading', 'load_config', 'parse_cfg_options',
    'finish_distributed', 'setup_distributed_without_cuda'
]
