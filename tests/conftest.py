# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Suite-wide switches read from the environment (``.ci/run`` sets ``BMC_CI=1``).

- ``BMC_CI=1`` or ``BMC_RUN_SLOW=1``: the ``slow`` tests run too (``setup.cfg`` deselects them by default, so
  that a developer's ``pytest tests -q`` stays fast).
- ``BMC_CI=1`` or ``BMC_REQUIRE_REAL_SAMPLES=1``: a test that would skip because ``../shared/data/real_samples``
  is missing fails instead, so CI cannot pass green without the real-data checks.
"""
import os
import re
from pathlib import Path

import pytest

#: ``shared/data/real_samples`` beside the repository (CI clones the repo with ``shared/`` next to it).
REAL_SAMPLES = Path(__file__).resolve().parents[1] / '..' / 'shared' / 'data' / 'real_samples'
#: What the suite's real-sample skips say (``real samples not found at ...``, ``real RHD samples not found ...``).
_REAL_SAMPLES_SKIP = re.compile(r'real (\w+ )?samples not found')


def _flag(name: str) -> bool:
    return os.environ.get(name, '').strip().lower() in ('1', 'true', 'yes')


def run_slow_tests() -> bool:
    return _flag('BMC_CI') or _flag('BMC_RUN_SLOW')


def require_real_samples() -> bool:
    return _flag('BMC_CI') or _flag('BMC_REQUIRE_REAL_SAMPLES')


def pytest_configure(config):
    if run_slow_tests() and config.option.markexpr == 'not slow':
        config.option.markexpr = 'slow or not slow'


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not (report.skipped and require_real_samples() and call.excinfo is not None):
        return
    message = str(call.excinfo.value)
    if _REAL_SAMPLES_SKIP.search(message):
        report.outcome = 'failed'
        report.longrepr = (f'{item.nodeid}: the real samples are required here (BMC_CI / BMC_REQUIRE_REAL_SAMPLES '
                           f'is set) but the test would skip: {message}')
