# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Test support shared by tests, benchmarks and tools, one builder per need:

- ``hands``: random and special hands (template, kinematic, forward-kinematics, joint clouds, degenerate, the real
  RHD samples);
- ``dataset_fixtures``: small datasets in RHD's, FreiHAND's and HO-3D's own formats, written by
  ``bmc_mmpose.datasets.formats``; ``dataset_checks``: the data_info contract's assertions;
- ``hand25d_batches``: packed 2.5D batches for model tests; ``metric_samples``: evaluated samples for metric tests;
- ``small_hand3d_config``: small model configs and tiny training configs;
- ``bmc_loop_reference``: the per-sample loop reference of the BMC loss;
- ``tool_modules``: a script of ``tools/`` imported as a module.
"""
