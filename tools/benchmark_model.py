# Copyright (c) bmc_mmpose authors. All rights reserved.
"""CPU inference throughput of the full BMC model versus its bare backbone, side by side.

"Full" is ``Hand3DEstimator.predict``: backbone + ``Hand25DHead`` (2.5D output) + closed-form Z-root + refiner +
3D lifting + joint angles + decoding to per-sample numpy ``pred_instances`` in original-image coordinates.
"Backbone" is ``model.backbone(inputs)`` alone. Both see the same preprocessed input; timings alternate between
the two in every round, in swapped order every other round (so load changes on a shared machine hit both). The
fastest round ("best", least disturbed by other processes) and the median round are reported.
Target (issue 5): the head, Z-root, refiner and decoding add at most 10 % to the backbone time.

Example::

    python tools/benchmark_model.py configs/bmc/rhd3d_fh2d.py --batch-sizes 1 32 --rounds 7
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's bmc_mmpose first
import bmc_mmpose  # noqa: F401,E402  (registers the components)
from bmc_mmpose.testing.hand25d_batches import make_hand_batch  # noqa: E402
from mmpose.registry import MODELS  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', nargs='?', default='configs/bmc/rhd3d_fh2d.py', help='model config')
    parser.add_argument('--batch-sizes', type=int, nargs='+', default=[1, 32])
    parser.add_argument('--rounds', type=int, default=7, help='alternating timing rounds (median reported)')
    parser.add_argument('--iters', type=int, default=0,
                        help='forward passes per round (default: 20 for batch 1, 3 for larger batches)')
    parser.add_argument('--threads', type=int, default=0, help='torch threads (0 = leave the default)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        help='key=value overrides, e.g. model.head.mode=heatmap')
    return parser.parse_args()


def _timed(fn, iters: int) -> float:
    start = time.perf_counter()
    for _ in range(iters):
        fn()
    return (time.perf_counter() - start) / iters


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    init_default_scope('mmpose')
    cfg = Config.fromfile(args.config)
    cfg.merge_from_dict(args.cfg_options)
    bmc = cfg.model.head.get('bmc_loss')
    if bmc is not None and not Path(bmc.limits).is_file():
        bmc.limits = 'literature'  # the loss is not used at inference; only its construction needs limits
    model = MODELS.build(cfg.model).eval()
    size = tuple(cfg.model.head.input_size)
    print(f'config: {args.config}  head mode: {cfg.model.head.mode}  input {size[0]}x{size[1]}  '
          f'torch threads: {torch.get_num_threads()}  device: cpu')
    print(f'{"batch":>5} | {"round":>6} | {"backbone ms":>11} | {"full ms":>9} | {"backbone img/s":>14} | '
          f'{"full img/s":>10} | {"overhead":>8}')
    for batch_size in args.batch_sizes:
        raw, samples, _ = make_hand_batch(batch_size, input_size=size, seed=batch_size)
        with torch.no_grad():
            data = model.data_preprocessor(dict(inputs=list(raw), data_samples=samples), training=False)
            inputs = data['inputs']

            def backbone():
                model.backbone(inputs)

            def full():
                model.predict(inputs, data['data_samples'])

            iters = args.iters or (20 if batch_size == 1 else 3)
            backbone(), full()  # warm-up
            t_backbone, t_full = [], []
            for i in range(args.rounds):
                if i % 2:
                    t_full.append(_timed(full, iters))
                    t_backbone.append(_timed(backbone, iters))
                else:
                    t_backbone.append(_timed(backbone, iters))
                    t_full.append(_timed(full, iters))
        for label, reduce in (('best', min), ('median', statistics.median)):
            tb, tf = reduce(t_backbone), reduce(t_full)
            print(f'{batch_size:>5} | {label:>6} | {tb * 1e3:>11.2f} | {tf * 1e3:>9.2f} | {batch_size / tb:>14.1f} | '
                  f'{batch_size / tf:>10.1f} | {100 * (tf / tb - 1):>7.1f}%')


if __name__ == '__main__':
    main()
