# Copyright (c) bmc_mmpose authors. All rights reserved.
# Paper Tab. 4 "+ L_A" (all three constraints): the flagship rhd3d_fh2d.py under its Tab. 4 name.
_base_ = ['./rhd3d_fh2d.py']
