# Copyright (c) bmc_mmpose authors. All rights reserved.
