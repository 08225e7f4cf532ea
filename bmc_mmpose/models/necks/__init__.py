# Copyright (c) bmc_mmpose authors. All rights reserved.
from .zroot_refiner import ZRootRefiner

__all__ = ['ZRootRefiner']
