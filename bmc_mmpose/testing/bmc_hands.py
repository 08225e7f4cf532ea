# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Former name of :mod:`bmc_mmpose.testing.hands`, kept for the import lines of the model tests."""
from .hands import degenerate_hands, load_rhd_real_hands, random_fk_hands, real_samples_dir, sample_dependent_angles

__all__ = ['sample_dependent_angles', 'random_fk_hands', 'degenerate_hands', 'real_samples_dir',
           'load_rhd_real_hands']
