# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Evaluate a bmc_mmpose checkpoint with MMEngine's Runner (same CLI as MMPose's tools/test.py).

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out results.pkl] [--show-dir DIR]
        [--dump-submission freihand|ho3d [--submission-file pred.zip]] [--cfg-options ...] [--launcher ...]
        [--trust-checkpoint] [--allow-partial-checkpoint]

The checkpoint is read weights-only and must fit the model exactly (``bmc_mmpose/utils/checkpoint.py``):
``--trust-checkpoint`` reads a trusted legacy file with full unpickling, ``--allow-partial-checkpoint`` evaluates
a checkpoint that fits only in part.

Metrics (JSON and a PCK-curve PNG) go to the work dir. ``--dump-submission`` writes the CodaLab file of the
FreiHAND or HO-3D evaluation split (the config's test dataloader must point at that split).
"""
import argparse
import json
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # this checkout's bmc_mmpose first

from bmc_mmpose.utils.cli import load_config  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description='Evaluate a bmc_mmpose model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the directory to save the evaluation results')
    parser.add_argument('--out', help='the file to save predictions and metrics (.pkl / .json)')
    parser.add_argument('--show-dir', help='directory where visualised predictions are saved')
    parser.add_argument('--show', action='store_true', help='display the prediction results')
    parser.add_argument('--interval', type=int, default=1, help='visualise every n-th sample')
    parser.add_argument('--wait-time', type=float, default=1, help='the interval of show (s)')
    parser.add_argument('--dump-submission', choices=['freihand', 'ho3d'],
                        help='also write the CodaLab submission file of this benchmark')
    parser.add_argument('--submission-file', help='where to write it (default: WORK_DIR/pred_<kind>.zip)')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='read the checkpoint with torch.load(weights_only=False): runs code '
                        'pickled in it, so only for a legacy checkpoint whose origin you trust')
    parser.add_argument('--allow-partial-checkpoint', action='store_true',
                        help='evaluate even if the checkpoint does not fit the model (missing, unexpected or '
                        'differently shaped weights keep their initial values)')
    parser.add_argument('--cfg-options', nargs='+', default=None, metavar='KEY=VALUE',
                        help='override settings in the config')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg, args):
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint {args.checkpoint!r} does not exist')
    cfg.load_from = args.checkpoint
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
    if args.out:
        cfg.test_evaluator = list(cfg.test_evaluator) if isinstance(cfg.test_evaluator, (list, tuple)) \
            else [cfg.test_evaluator]
        cfg.test_evaluator.append(dict(type='DumpResults', out_file_path=args.out))
    if args.dump_submission:
        from bmc_mmpose.evaluation.submission import add_submission_writer
        out_file = args.submission_file or osp.join(cfg.work_dir, f'pred_{args.dump_submission}.zip')
        add_submission_writer(cfg, args.dump_submission, out_file)
    return cfg


def main():
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    cfg = merge_args(cfg, args)

    from mmengine.runner import Runner

    from bmc_mmpose.utils import (finish_distributed, load_runner_checkpoints_strictly, safe_checkpoint_loading,
                                  setup_distributed_without_cuda)
    setup_distributed_without_cuda(cfg, args.launcher)
    with safe_checkpoint_loading(trusted=args.trust_checkpoint):
        runner = Runner.from_cfg(cfg)
        load_runner_checkpoints_strictly(runner, allow_partial=args.allow_partial_checkpoint)
        metrics = runner.test()
    from mmengine.dist import is_main_process
    if is_main_process() and metrics:
        # All evaluators' numbers in one machine-readable file (tools/experiments/run_proxy_experiments.py reads it).
        path = osp.join(cfg.work_dir, 'test_metrics.json')
        with open(path, 'w') as f:
            json.dump({k: float(v) if isinstance(v, (int, float)) else str(v) for k, v in metrics.items()}, f,
                      indent=1)
        print(f'metrics written to {path}', flush=True)
    finish_distributed()


if __name__ == '__main__':
    main()
