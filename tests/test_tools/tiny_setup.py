# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Running the tools in a subprocess for end-to-end tool tests; the tiny datasets and configs they run on are
built by :mod:`bmc_mmpose.testing.small_hand3d_config`."""
import os
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

from bmc_mmpose.testing.small_hand3d_config import REPO

PYTHON = sys.executable


def run_tool(args: List[str], cwd: Path, env: Optional[dict] = None, timeout: int = 600) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS='1')
    full_env.update(env or {})
    return subprocess.run([PYTHON] + args, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout)
