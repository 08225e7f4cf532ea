# Copyright (c) bmc_mmpose authors. All rights reserved.
from .compat import apply_compat_shims
from .distributed import finish_distributed, setup_distributed_without_cuda

__all__ = ['apply_compat_shims', 'finish_distributed', 'setup_distributed_without_cuda']
