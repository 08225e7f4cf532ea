# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Compatibility shims for mmengine 0.10.7 / mmpose 1.3.2 on a recent torch.

Applied once when ``bmc_mmpose`` is imported (configs import it through ``custom_imports``), so every tool,
torchrun rank and dataloader worker gets them without environment variables.
"""
import os.path as osp

import torch

_APPLIED = False


def _load_local_checkpoint(filename: str, map_location=None):
    """Load a local checkpoint the way mmengine did before torch 2.6.

    torch >= 2.6 defaults ``torch.load(weights_only=True)``, which cannot unpickle the message hub, the
    optimizer's ``defaultdict`` state or numpy scalars that mmengine stores in its checkpoints, so ``--resume``
    fails on any checkpoint mmengine itself wrote. Local checkpoints are trusted files the user points at, as they
    were with every torch before 2.6.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint file {filename!r} does not exist')
    return torch.load(filename, map_location=map_location, weights_only=False)


def apply_compat_shims() -> None:
    """Install the shims (idempotent)."""
    global _APPLIED
    if _APPLIED:
        return
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(prefixes='', force=True)(_load_local_checkpoint)
    _APPLIED = True
