# Copyright (c) bmc_mmpose authors. All rights reserved.
__version__ = '0.1.0'
