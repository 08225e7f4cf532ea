# Copyright (c) bmc_mmpose authors. All rights reserved.
from pathlib import Path

import pytest
from mmengine.registry import init_default_scope

import bmc_mmpose.datasets  # noqa: F401  (registers the datasets and transforms)
from bmc_mmpose.testing import hands

#: ``shared/data/real_samples`` beside the repository (CI clones the repo with ``shared/`` next to it).
REAL_SAMPLES = hands.real_samples_dir(Path(__file__).resolve())


@pytest.fixture(autouse=True)
def mmpose_scope():
    """Registry lookups (LoadImage, CombinedDataset, ...) resolve in MMPose's scope, as in the configs."""
    init_default_scope('mmpose')


@pytest.fixture
def real_samples_dir() -> Path:
    for sub in ('rhd/test_rhd.json', 'freihand/test_freihand.json'):
        if not (REAL_SAMPLES / sub).is_file():
            pytest.skip(f'real samples not found at {REAL_SAMPLES.resolve()} ({sub}); they are only present when '
                        'shared/ is checked out next to the repository')
    return REAL_SAMPLES
