# Copyright (c) bmc_mmpose authors. All rights reserved.
"""The suite's CI switches (tests/conftest.py): slow tests run and missing real samples fail under BMC_CI=1."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

_TESTS = '''
import pytest

def test_fast():
    pass

@pytest.mark.slow
def test_slow():
    pass

def test_needs_real_samples():
    pytest.skip('real samples not found at /nowhere (CI provides shared/ beside the repo)')

def test_other_skip():
    pytest.skip('no GPU here')
'''


def _run_suite(tmp_path: Path, **env_vars) -> str:
    """Run a four-test suite under the repository's conftest.py and pytest options; pytest's summary line."""
    suite = tmp_path / 'suite'
    (suite / 'tests').mkdir(parents=True)
    shutil.copy(REPO / 'tests' / 'conftest.py', suite / 'tests' / 'conftest.py')
    shutil.copy(REPO / 'setup.cfg', suite / 'setup.cfg')
    (suite / 'tests' / 'test_switches.py').write_text(_TESTS)
    env = {k: v for k, v in os.environ.items() if k not in ('BMC_CI', 'BMC_RUN_SLOW', 'BMC_REQUIRE_REAL_SAMPLES')}
    env.update(env_vars)
    proc = subprocess.run([sys.executable, '-m', 'pytest', 'tests', '-q', '-rfs'], cwd=suite, env=env,
                          capture_output=True, text=True, timeout=120)
    return proc.stdout.strip().splitlines()[-1]


def test_default_run_deselects_slow_and_skips_without_real_samples(tmp_path):
    summary = _run_suite(tmp_path)
    assert '1 passed' in summary and '2 skipped' in summary and '1 deselected' in summary, summary
    assert 'failed' not in summary


@pytest.mark.parametrize('env', [dict(BMC_CI='1'), dict(BMC_RUN_SLOW='1', BMC_REQUIRE_REAL_SAMPLES='1')])
def test_ci_runs_slow_tests_and_fails_without_real_samples(tmp_path, env):
    summary = _run_suite(tmp_path, **env)
    assert '1 failed' in summary and '2 passed' in summary and '1 skipped' in summary, summary
    assert 'deselected' not in summary


def test_ci_script_sets_the_switch():
    text = (REPO / '.ci' / 'run').read_text()
    assert 'export BMC_CI=1' in text
    assert '.venv/bin/python -m pytest tests -q' in text  # README command (b)
