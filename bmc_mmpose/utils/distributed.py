# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Distributed launch on machines without CUDA (gloo) with mmengine's Runner.

mmengine's ``init_dist`` calls ``torch.cuda.set_device`` and wraps the model in DDP with
``device_ids=[LOCAL_RANK]``; both fail without CUDA. On such machines we create the gloo process group
ourselves (the Runner then skips its own ``init_dist``) and ask for a device-less DDP wrapper. On CUDA machines
nothing is changed: the Runner sets up NCCL as usual.
"""
import os

import torch
import torch.distributed as torch_dist
from mmengine.config import Config


def _slurm_env_to_torch_env() -> None:
    """Fill RANK / WORLD_SIZE / LOCAL_RANK / MASTER_* from Slurm variables (srun launch)."""
    os.environ.setdefault('RANK', os.environ['SLURM_PROCID'])
    os.environ.setdefault('WORLD_SIZE', os.environ['SLURM_NTASKS'])
    os.environ.setdefault('LOCAL_RANK', os.environ.get('SLURM_LOCALID', '0'))
    os.environ.setdefault('MASTER_PORT', '29500')
    if 'MASTER_ADDR' not in os.environ:
        import subprocess
        node_list = os.environ['SLURM_NODELIST']
        first = subprocess.getoutput(f'scontrol show hostname {node_list} | head -n1')
        os.environ['MASTER_ADDR'] = first


def setup_distributed_without_cuda(cfg: Config, launcher: str) -> bool:
    """Prepare ``cfg`` and the process group for a CPU-only distributed run.

    Args:
        cfg: the config about to be given to ``Runner.from_cfg`` (edited in place).
        launcher: ``'none'``, ``'pytorch'`` (torchrun) or ``'slurm'``.

    Returns:
        True if a gloo process group was created here.
    """
    if launcher == 'none' or torch.cuda.is_available():
        return False
    if launcher == 'slurm':
        _slurm_env_to_torch_env()
    elif launcher != 'pytorch':
        raise ValueError(f'--launcher {launcher!r} is not supported without CUDA; use pytorch or slurm')
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(backend='gloo', rank=int(os.environ['RANK']),
                                      world_size=int(os.environ['WORLD_SIZE']))
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    wrapper.setdefault('type', 'MMDistributedDataParallel')
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    env_cfg = cfg.setdefault('env_cfg', {})
    env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    return True


def finish_distributed() -> None:
    """Leave the process group cleanly at the end of a run (no-op when none exists).

    Exiting with a live gloo group lets the interpreter destroy its communication threads while they still run,
    which aborts the process ("terminate called without an active exception", SIGABRT) after a successful run; the
    barrier keeps one rank from tearing down while another still talks to it.
    """
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()
