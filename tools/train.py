# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Train a bmc_mmpose model with MMEngine's Runner (same CLI as MMPose's tools/train.py).

    python tools/train.py configs/bmc/rhd3d_fh2d.py [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--cfg-options key=value ...] [--launcher none|pytorch|slurm] [--trust-checkpoint]

Checkpoints (``load_from``, ``--resume``) are read weights-only (``bmc_mmpose/utils/checkpoint.py``);
``--trust-checkpoint`` reads a trusted legacy file with full unpickling.

Multi-GPU / multi-node: tools/dist_train.sh (torchrun) or tools/slurm_train.sh. Without CUDA, torchrun
trains with the gloo backend (see bmc_mmpose/utils/distributed.py).
"""
import argparse
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # this checkout's bmc_mmpose first

from bmc_mmpose.utils.cli import load_config  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description='Train a bmc_mmpose model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint; without a path, resume from the latest checkpoint in the work dir')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='read checkpoints (load_from, --resume) with torch.load(weights_only=False): runs code '
                        'pickled in them, so only for legacy checkpoints whose origin you trust')
    parser.add_argument('--amp', action='store_true', default=False,
                        help='enable automatic mixed precision training')
    parser.add_argument('--no-validate', action='store_true', help='do not evaluate checkpoints during training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the learning rate by actual batch size / `auto_scale_lr.base_batch_size`')
    parser.add_argument('--show-dir', help='directory where visualised validation results are saved')
    parser.add_argument('--show', action='store_true', help='display validation results')
    parser.add_argument('--interval', type=int, default=1, help='visualise every n-th sample')
    parser.add_argument('--wait-time', type=float, default=1, help='the interval of show (s)')
    parser.add_argument(
        '--cfg-options', nargs='+', default=None, metavar='KEY=VALUE',
        help='override settings in the config, e.g. model.backbone.depth=18 train_dataloader.batch_size=8')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg, args):
    """Apply the command-line switches to the config (as MMPose's train.py does)."""
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
        cfg.default_hooks.checkpoint.pop('save_best', None)
        cfg.default_hooks.checkpoint.pop('rule', None)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if optim_wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise ValueError(f'--amp needs optim_wrapper.type OptimWrapper, got {optim_wrapper!r}')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise FileNotFoundError(f'--resume {args.resume!r}: no such checkpoint file')
        cfg.resume = True
        cfg.load_from = args.resume
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg:
            raise KeyError('--auto-scale-lr needs `auto_scale_lr = dict(base_batch_size=...)` in the config')
        cfg.auto_scale_lr.enable = True
    if args.show or args.show_dir:
        hook = cfg.default_hooks.get('visualization')
        if hook is None:
            raise KeyError('--show/--show-dir need `default_hooks.visualization` in the config')
        hook.enable = True
        hook.interval = args.interval
        hook.wait_time = args.wait_time
        hook.show = args.show
        if args.show_dir:
            hook.out_dir = args.show_dir
    return cfg


def main():
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    cfg = merge_args(cfg, args)

    from mmengine.runner import Runner

    from bmc_mmpose.utils import finish_distributed, safe_checkpoint_loading, setup_distributed_without_cuda
    setup_distributed_without_cuda(cfg, args.launcher)
    with safe_checkpoint_loading(trusted=args.trust_checkpoint):
        runner = Runner.from_cfg(cfg)
        runner.train()
    finish_distributed()


if __name__ == '__main__':
    main()
