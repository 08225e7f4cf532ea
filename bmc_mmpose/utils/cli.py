# Copyright (c) bmc_mmpose authors. All rights reserved.
"""What the command-line tools share: config loading with checked ``--cfg-options``, dataset configs by key,
running another tool of this checkout."""
import os.path as osp
import sys
from typing import List, Optional

from mmengine.config import Config

# The checkout a tool belongs to goes first on sys.path, so that `custom_imports=['bmc_mmpose']` imports *this*
# checkout's package even when the shared venv's editable install points at another clone (tools/install.sh
# re-links the cached venv to whichever checkout ran it last).
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)


def load_config(path: str, cfg_options: Optional[List[str]] = None) -> Config:
    """Load a config and apply ``--cfg-options``; an unknown top-level key is an error naming it
    (``bmc_mmpose.utils.config_options``, shared with tools/inference/demo.py)."""
    from bmc_mmpose.utils.config_options import load_config as load_checked_config
    return load_checked_config(path, cfg_options)


def dataset_config_at(config_path: str, key: str) -> dict:
    """The dataset config at a dotted ``key`` of a config file, list indices allowed.

    E.g. ``train_dataloader.dataset.datasets.1`` (the second source of a ``CombinedDataset``). Raises ``KeyError``
    naming the file, the key and the missing part.
    """
    if not osp.isfile(config_path):
        raise FileNotFoundError(f'config file {config_path!r} does not exist')
    node = Config.fromfile(config_path)
    for part in key.split('.'):
        if isinstance(node, (list, tuple)) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
            continue
        if isinstance(node, (list, tuple)) or part not in node:
            raise KeyError(f'{config_path}: no key {key!r} (missing {part!r})')
        node = node[part]
    return node.copy()


def build_annotation_dataset(config_path: str, key: str):
    """The dataset at ``key`` of a config, built without its pipeline: ``get_data_info(i)`` gives each sample's
    annotations (3D joints, K, reference bone) without loading any image."""
    from mmengine.registry import init_default_scope

    import bmc_mmpose  # noqa: F401  (registers the datasets)
    from mmpose.registry import DATASETS
    init_default_scope('mmpose')
    dataset_cfg = dataset_config_at(config_path, key)
    dataset_cfg.pipeline = []
    return DATASETS.build(dataset_cfg)


def run_tool(tag: str, step: str, args: List[str]) -> float:
    """Run ``python ARGS`` (a tool of this checkout) from the repository root; its wall time in seconds.

    Prints ``[tag] step: command`` before and the time after; a failure ends the calling script with a message
    naming the step and the exit code.
    """
    import subprocess
    import time
    print(f'[{tag}] {step}: {" ".join(args)}', flush=True)
    start = time.time()
    proc = subprocess.run([sys.executable] + list(args), cwd=REPO_ROOT)
    if proc.returncode != 0:
        raise SystemExit(f'[{tag}] step "{step}" failed with exit code {proc.returncode}')
    elapsed = time.time() - start
    print(f'[{tag}] {step} done in {elapsed:.0f} s', flush=True)
    return elapsed


def add_model_loading_args(parser, what: str = 'load') -> None:
    """``--cfg-options``, ``--allow-partial-checkpoint`` and ``--trust-checkpoint``, as the model tools share them.

    Args:
        parser (argparse.ArgumentParser): the tool's parser.
        what (str): the verb the partial-loading help names (``'load'``, ``'export'``, ...).
    """
    parser.add_argument('--cfg-options', nargs='+', default=None, metavar='KEY=VALUE',
                        help='override config settings, e.g. model.backbone.depth=18 model.head.in_channels=512 '
                        '(an unknown top-level key is an error)')
    parser.add_argument('--allow-partial-checkpoint', action='store_true',
                        help=f'{what} even if the checkpoint does not fit the model exactly '
                        '(default: an error naming the keys)')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='read checkpoints with weights_only=False (only legacy files you trust)')
