# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Helpers shared by the bmc_mmpose metrics: reading data samples, finding the work dir, JSON output."""
import json
import logging
import os
import os.path as osp
from typing import Any, Dict, Optional

import numpy as np
from mmengine.logging import MMLogger, print_log


def to_numpy(value: Any, key: str, dtype=np.float64) -> np.ndarray:
    """Convert a tensor/array/list from a data sample to numpy (evaluation time only, not a hot path)."""
    if value is None:
        raise KeyError(f'missing `{key}` in the data sample (see docs/architecture.md)')
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=dtype)


def get_field(container: Optional[dict], key: str, where: str, default: Any = KeyError) -> Any:
    """``container[key]`` with an error naming the container and the contract when it is missing."""
    if container is not None and key in container:
        return container[key]
    if default is KeyError:
        raise KeyError(f'`{where}.{key}` is missing from the data sample; docs/architecture.md lists the keys '
                       f'the model and the pipeline must provide')
    return default


def work_dir_from_logger() -> Optional[str]:
    """The Runner's work dir, found through the current MMLogger's log file (``work_dir/<timestamp>/x.log``).

    Metrics do not get a handle on the Runner; the Runner however creates an MMLogger writing to
    ``<work_dir>/<timestamp>/<timestamp>.log``. Returns None when there is no such file handler (metric used
    outside a Runner).
    """
    try:
        logger = MMLogger.get_current_instance()
    except RuntimeError:
        return None
    for handler in logger.handlers:
        if isinstance(handler, logging.FileHandler):
            return osp.dirname(osp.dirname(osp.abspath(handler.baseFilename)))
    return None


def resolve_out_dir(out_dir: Optional[str], what: str) -> Optional[str]:
    """``out_dir`` if given, else the Runner's work dir, else None (with a log line saying nothing is written)."""
    if out_dir is None:
        out_dir = work_dir_from_logger()
    if out_dir is None:
        print_log(f'{what}: no `out_dir` given and no Runner work dir found; not writing output files',
                  logger='current', level=logging.INFO)
        return None
    os.makedirs(out_dir, exist_ok=True)
    return out_dir


def jsonable(obj: Any) -> Any:
    """Numpy -> plain Python for ``json.dump``; NaN becomes None (JSON has no NaN)."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, (np.floating, float)):
        return None if not np.isfinite(obj) else float(obj)
    if isinstance(obj, (np.integer, )):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def dump_json(obj: Dict, path: str) -> str:
    with open(path, 'w') as f:
        json.dump(jsonable(obj), f, indent=1)
    return path
