# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Benchmark BMCLoss forward + backward against the per-sample loop reference, in one run.

For every batch size it prints, side by side: ``BMCLoss`` (eager; wall time and CPU time of the thread),
``torch.compile(BMCLoss(), fullgraph=True)``, the Python-loop reference of the same maths
(:class:`bmc_mmpose.testing.bmc_loop_reference.LoopReferenceBMC`, skipped where it would exceed
``--reference-budget``), optionally a previous ``bmc_loss.py`` (``--old-loss``, e.g. checked out of git to /tmp),
the ratios, and the loss difference to the reference. Then the aten calls of one
forward + backward (torch profiler, nested calls counted) at ``--count-batch``. Times are the minimum over
repeats (robust on shared machines).

    python tools/benchmarks/benchmark_bmc.py [--batch-sizes 2 32 256 1024] [--threads 1] [--no-compile]
        [--old-loss /tmp/bmc_loss_old.py]

On a CPU shared with other jobs pin the process (``taskset -c 1``) and keep ``--threads 1``: intra-op threads
that wait for a busy core make small batches look much slower than they are.
"""
import argparse
import importlib.util
import math
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bmc_mmpose.models.losses.bmc_loss import BMCLoss  # noqa: E402
from bmc_mmpose.testing.hands import random_fk_hands  # noqa: E402
from bmc_mmpose.testing.bmc_loop_reference import LoopReferenceBMC, count_aten_calls  # noqa: E402


def load_old_loss(path):
    """A previous ``bmc_loss.py`` as a module of the package (so its relative imports resolve), unregistered."""
    source = Path(path).read_text(encoding='utf-8')
    # The registry already holds today's BMCLoss under that name; the old class is only timed here.
    source = source.replace('@MODELS.register_module()', '')
    name = 'bmc_mmpose.models.losses._benchmark_old_bmc_loss'
    spec = importlib.util.spec_from_loader(name, loader=None, origin=str(path))
    module = importlib.util.module_from_spec(spec)
    module.__package__ = 'bmc_mmpose.models.losses'
    exec(compile(source, str(path), 'exec'), module.__dict__)  # noqa: S102 - a local file given on purpose
    return module.BMCLoss


def time_step(fn, joints, repeats, device, clock=time.perf_counter):
    """Minimum time of ``fn(leaf).backward()`` over ``repeats`` (after one warm-up), by ``clock``."""
    def step():
        leaf = joints.detach().clone().requires_grad_(True)
        fn(leaf).backward()

    step()
    best = math.inf
    for _ in range(repeats):
        if device.type == 'cuda':
            torch.cuda.synchronize()
        start = clock()
        step()
        if device.type == 'cuda':
            torch.cuda.synchronize()
        best = min(best, clock() - start)
    return best


def test_hands(batch, device):
    """Random plausible hands, perturbed so that every term is active."""
    hands = random_fk_hands(batch, torch.Generator().manual_seed(batch), dtype=torch.float32)['joints']
    return (hands + 0.3 * torch.randn(hands.shape, generator=torch.Generator().manual_seed(0))).to(device)


def fmt_ms(seconds):
    return f'{seconds * 1e3:9.3f}' if not math.isnan(seconds) else f'{"-":>9}'


def benchmark_device(device, args):
    loss = BMCLoss().to(device)
    reference = LoopReferenceBMC(loss)
    old = load_old_loss(args.old_loss)().to(device) if args.old_loss else None
    compiled = None if args.no_compile else torch.compile(BMCLoss().to(device), fullgraph=True)
    print(f'\n== {device} (torch {torch.__version__}, {torch.get_num_threads()} threads), forward + backward, '
          'min over repeats, ms ==')
    print(f'{"B":>6} | {"BMCLoss":>9} | {"CPU time":>9} | {"compiled":>9} | {"loop ref":>9} | {"old":>9} | '
          f'{"loop/ours":>9} | {"old/ours":>8} | {"us/hand":>7} | |ours - ref|')
    for batch in args.batch_sizes:
        joints = test_hands(batch, device)
        repeats = max(5, min(100, int(0.5 / max(1e-4, 2e-5 * batch))))
        ours = time_step(loss, joints, repeats, device)
        # CPU time of this thread (torch runs single-threaded here): the cost when other jobs take the core away
        ours_cpu = time_step(loss, joints, repeats, device, clock=time.thread_time) if device.type == 'cpu' \
            else math.nan
        comp = time_step(compiled, joints, repeats, device) if compiled is not None else math.nan
        slow = (time_step(reference, joints, 1, device) if batch * 0.03 < args.reference_budget else math.nan)
        before = time_step(old, joints, max(3, repeats // 4), device) if old is not None else math.nan
        with torch.no_grad():  # float64 agreement with the reference on the first <= 32 hands
            head = joints[:min(batch, 32)].double()
            match = abs(float(loss(head)) - float(reference(head)))
        print(f'{batch:>6} | {fmt_ms(ours)} | {fmt_ms(ours_cpu)} | {fmt_ms(comp)} | {fmt_ms(slow)} | '
              f'{fmt_ms(before)} | {slow / ours:>8.0f}x | {before / ours:>7.2f}x | {ours / batch * 1e6:>7.2f} | '
              f'{match:.1e}')
    joints = test_hands(args.count_batch, device)

    def counted(fn):
        leaf = joints.detach().clone().requires_grad_(True)
        fn(leaf).backward()  # warm-up outside the profiler
        leaf = joints.detach().clone().requires_grad_(True)
        return count_aten_calls(lambda: fn(leaf).backward())['total']

    line = f'aten calls per forward + backward at B = {args.count_batch}: BMCLoss {counted(loss)}'
    if old is not None:
        line += f', old {counted(old)}'
    print(line)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--batch-sizes', type=int, nargs='+', default=[2, 32, 256, 1024])
    parser.add_argument('--threads', type=int, default=1, help='torch CPU threads (default 1)')
    parser.add_argument('--reference-budget', type=float, default=30.0,
                        help='skip the loop reference where it would take longer than this (s, estimated at '
                        '30 ms per hand)')
    parser.add_argument('--old-loss', default=None, help='a previous bmc_loss.py to time as well')
    parser.add_argument('--count-batch', type=int, default=256)
    parser.add_argument('--no-compile', action='store_true', help='skip the torch.compile column')
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    devices = [torch.device('cpu')] + ([torch.device('cuda')] if torch.cuda.is_available() else [])
    for device in devices:
        benchmark_device(device, args)


if __name__ == '__main__':
    main()
