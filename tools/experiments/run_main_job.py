# Copyright (c) bmc_mmpose authors. All rights reserved.
"""The main job on the embedded default data, end to end (README command (a)).

1. generate the synthetic data if absent (domain A as RHD, domain B as FreiHAND; tools/data/generate_synthetic_data.py)
2. compute the "computed" BMC limits from domain B's training 3D (paper Tab. 6; tools/data/compute_bmc_limits.py)
3. train configs/synthetic/rhd3d_fh2d_synthetic.py (3D of A + 2D of B + BMC) with tools/train.py
4. evaluate the last checkpoint on domain B's held-out part with tools/test.py and print the paper-style table

    python tools/experiments/run_main_job.py [--work-dir work_dirs/main_job] [--cfg-options ...]

Each step's wall time is printed; the metrics are in WORK_DIR/test/hand3d_metrics.json.
"""
import argparse
import json
import os.path as osp
import sys
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)  # this checkout's bmc_mmpose first
from bmc_mmpose.utils.cli import run_tool  # noqa: E402
CONFIG = 'configs/synthetic/rhd3d_fh2d_synthetic.py'


def run(step: str, args: list) -> float:
    return run_tool('main job', step, args)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--work-dir', default='work_dirs/main_job')
    parser.add_argument('--data-dir', default='data/synthetic')
    parser.add_argument('--cfg-options', nargs='+', default=[], help='passed to tools/train.py and tools/test.py')
    args = parser.parse_args()
    total = time.time()
    times = {}
    times['data'] = run('generate synthetic data', ['tools/data/generate_synthetic_data.py', '--out', args.data_dir])
    limits = osp.join(args.data_dir, 'bmc_limits_domain_b.json')
    times['limits'] = run('BMC limits from domain B 3D', [
        'tools/data/compute_bmc_limits.py', '--dataset-config', CONFIG, '--dataset-key',
        'train_dataloader.dataset.datasets.1', '--out', limits, '--plot', osp.join(args.work_dir, 'bmc_limits.png')
    ])
    options = ['--cfg-options'] + args.cfg_options if args.cfg_options else []
    times['train'] = run('train', ['tools/train.py', CONFIG, '--work-dir', args.work_dir] + options)
    with open(osp.join(REPO, args.work_dir, 'last_checkpoint')) as f:
        checkpoint = f.read().strip()
    test_dir = osp.join(args.work_dir, 'test')
    times['test'] = run('evaluate', ['tools/test.py', CONFIG, checkpoint, '--work-dir', test_dir] + options)

    with open(osp.join(REPO, test_dir, 'hand3d_metrics.json')) as f:
        metrics = json.load(f)
    values = metrics.get('metrics', metrics)
    rows = [('2D error (px)', 'Tab2_2d_px'), ('depth error Z, root-relative (mm)', 'Tab2_z_mm'),
            ('3D error, root-relative (mm)', 'Tab2_3d_mm'), ('3D error, Procrustes-aligned (mm)', 'EPE_aligned_mean'),
            ('3D PCK AUC 0-50 mm, root-relative', 'AUC_rel'), ('3D PCK AUC 0-50 mm, aligned', 'AUC_aligned')]
    print('\nDomain B held-out part (3D of A + 2D of B + BMC, synthetic):')
    print('| metric | value |\n|---|---|')
    for name, key in rows:
        value = values.get(key)
        print(f'| {name} | {value:.3f} |' if isinstance(value, (int, float)) else f'| {name} | n/a |')
    print(f'\nwall time: {time.time() - total:.0f} s ({", ".join(f"{k} {v:.0f} s" for k, v in times.items())})')


if __name__ == '__main__':
    main()
