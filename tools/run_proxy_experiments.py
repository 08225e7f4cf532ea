# Copyright (c) bmc_mmpose authors. All rights reserved.
"""CPU proxy of the paper's Tab. 2, 4 and 6 (and issue 8's detected-2D rows) on the synthetic domains.

Each row is a config of ``configs/synthetic/proxy/`` (domain A = the fully labelled source written as RHD, domain
B = the target written as FreiHAND, whose 3D is used only for evaluation and for the "computed" limits). For every
row: ``tools/train.py`` then ``tools/test.py`` on domain B's held-out part, then one paper-style table::

    python tools/run_proxy_experiments.py                      # every row (8-14 min per row on 2 CPU cores)
    python tools/run_proxy_experiments.py --rows a3d a3d_b2d a3d_b2d_bmc   # some rows (separate commands are fine)
    python tools/run_proxy_experiments.py --table-only         # print the table of the rows already run
    python tools/run_proxy_experiments.py --rows a3d_b2d_bmc --from-checkpoint a3d_b2d_bmc=CKPT  # test only
    python tools/run_proxy_experiments.py --gap 0.5 --data-dir data/synthetic_gap05 --work-dir work_dirs/proxy_gap05

Prepared once and reused: the synthetic data (``tools/generate_synthetic_data.py``), the BMC limits "computed" from
domain B's 3D and "approximated" from domain A's (``tools/compute_bmc_limits.py``), and simulated detections of
domain B (``tools/simulate_detections.py``). A row whose ``WORK_DIR/<row>/test/test_metrics.json`` exists is not
retrained (``--force`` retrains); the table is also written to ``WORK_DIR/proxy_table.md``.

Another domain gap (``--gap``) needs its own data folder (``--data-dir``): the runner then generates the data,
limits and detections there and runs every row on a copy of its config in ``WORK_DIR/configs/`` in which each path
under ``data/synthetic/`` points into ``--data-dir`` instead (data roots, limits, detections files).
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
from collections import OrderedDict
from typing import Optional

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(REPO, 'tools'))
from cli_common import run_tool  # noqa: E402
CONFIG_DIR = 'configs/synthetic/proxy'
DATA_DIR = 'data/synthetic'  # the proxy configs point here
MAIN_CONFIG = 'configs/synthetic/rhd3d_fh2d_synthetic.py'

# row name -> (config stem, what the paper calls it)
ROWS = OrderedDict([
    ('a3d', 'Tab. 2: 3D_A'),
    ('a3d_b2d', 'Tab. 2: 3D_A + 2D_B'),
    ('a3d_b2d_bl', 'Tab. 4: + L_BL'),
    ('a3d_b2d_bl_rb', 'Tab. 4: + L_BL + L_RB'),
    ('a3d_b2d_bmc', 'Tab. 2/4/6: + L_BMC (BL+RB+A), limits computed from B'),
    ('a3d_b2d_bmc_cf', 'Not in the paper: + L_BMC on the closed-form-placed hand (bmc_root_depth)'),
    ('a3d_b2d_bmc_root_detached', 'Not in the paper: + L_BMC without gradient into the root depth'),
    ('a3d_b2d_bmc_x10', 'Not in the paper: + L_BMC with 10x the paper\'s weights'),
    ('a3d_b2d_bmc_limits_approx', 'Tab. 6: + L_BMC, limits approximated from A'),
    ('a3d_b2d_bmc_limits_literature', 'Tab. 6: + L_BMC, literature limits'),
    ('a3d_b3d', 'Tab. 2: 3D_A + 3D_B (upper bound)'),
    ('a3d_bdet', 'Issue 8: 3D_A + detected 2D_B, unweighted'),
    ('a3d_bdet_conf', 'Issue 8: + confidence weighting + bone direction'),
    ('a3d_bdet_conf_bmc', 'Issue 8: + confidence weighting + bone direction + L_BMC'),
])
# table column -> metric key(s) written by tools/test.py (Hand3DMetric / HandPlausibilityMetric)
COLUMNS = OrderedDict([
    ('2D px', 'hand3d/Tab2_2d_px'),
    ('Z mm', 'hand3d/Tab2_z_mm'),
    ('3D mm', 'hand3d/Tab2_3d_mm'),
    ('3D aligned mm', 'hand3d/EPE_aligned_mean'),
    ('AUC 0-50 mm', 'hand3d/AUC_rel'),
    ('bones out of range', 'plausibility_shape/elements_bone_length'),
    ('palm pairs out of range', 'plausibility_shape/elements_root_curvature'),
    ('angles outside hulls', 'plausibility/elements_joint_angle'),
    # the size of the violations, not only their count: unweighted per-hand L_BL / L_RB / L_A on the shapes
    ('L_BL / L_RB / L_A', ('plausibility_shape/loss_bl', 'plausibility_shape/loss_rb', 'plausibility_shape/loss_a')),
])


def run(step: str, args: list) -> float:
    return run_tool('proxy', step, args)


def redirect_paths(node, data_dir: str):
    """A copy of a config tree (dicts, lists, tuples) in which every string under ``DATA_DIR/`` points into
    ``data_dir`` instead."""
    if isinstance(node, dict):
        return type(node)({k: redirect_paths(v, data_dir) for k, v in node.items()})
    if isinstance(node, (list, tuple)):
        return type(node)(redirect_paths(v, data_dir) for v in node)
    if isinstance(node, str) and node.startswith(DATA_DIR + '/'):
        return osp.join(data_dir, node[len(DATA_DIR) + 1:])
    return node


def config_for(config: str, data_dir: str, work_dir: str) -> str:
    """``config`` itself for the default data folder; else a copy in ``WORK_DIR/configs/`` whose paths under
    ``data/synthetic/`` point into ``data_dir`` (see :func:`redirect_paths`)."""
    if osp.normpath(data_dir) == DATA_DIR:
        return config
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO, config))
    out = osp.join(work_dir, 'configs', osp.basename(config))
    os.makedirs(osp.join(REPO, osp.dirname(out)), exist_ok=True)
    Config(redirect_paths(cfg.to_dict(), osp.normpath(data_dir))).dump(osp.join(REPO, out))
    return out


def prepare(data_dir: str = DATA_DIR, gap: float = 1.0, work_dir: str = 'work_dirs/proxy') -> None:
    """Data, limits and detections in ``data_dir``, each only if absent."""
    run('synthetic data', ['tools/generate_synthetic_data.py', '--out', data_dir, '--gap', str(gap)])
    main_config = config_for(MAIN_CONFIG, data_dir, work_dir)
    for domain, key in (('b', 'train_dataloader.dataset.datasets.1'), ('a', 'train_dataloader.dataset.datasets.0')):
        out = osp.join(data_dir, f'bmc_limits_domain_{domain}.json')
        if not osp.isfile(osp.join(REPO, out)):
            run(f'BMC limits from domain {domain.upper()} 3D',
                ['tools/compute_bmc_limits.py', '--dataset-config', main_config, '--dataset-key', key, '--out', out])
    detections = osp.join(data_dir, 'detections_domain_b.json')
    if not osp.isfile(osp.join(REPO, detections)):
        run('simulated detections of domain B', [
            'tools/simulate_detections.py', main_config, '--dataset-key', 'train_dataloader.dataset.datasets.1',
            '--out', detections
        ])


def metrics_path(work_dir: str, row: str) -> str:
    return osp.join(REPO, work_dir, row, 'test', 'test_metrics.json')


def run_row(work_dir: str, row: str, cfg_options=(), checkpoint: Optional[str] = None,
            data_dir: str = DATA_DIR) -> dict:
    """Train (unless ``checkpoint`` is given) and test one row; returns its step times in seconds."""
    config = config_for(osp.join(CONFIG_DIR, f'{row}.py'), data_dir, work_dir)
    row_dir = osp.join(work_dir, row)
    options = ['--cfg-options', *cfg_options] if cfg_options else []
    timing = {}
    if checkpoint is None:
        timing['train'] = run(f'{row}: train', ['tools/train.py', config, '--work-dir', row_dir] + options)
        with open(osp.join(REPO, row_dir, 'last_checkpoint')) as f:
            checkpoint = f.read().strip()
    else:
        timing['checkpoint'] = checkpoint  # trained elsewhere (e.g. by the main job): no train time of its own
    timing['test'] = run(f'{row}: test',
                         ['tools/test.py', config, checkpoint, '--work-dir', osp.join(row_dir, 'test')] + options)
    with open(osp.join(REPO, row_dir, 'timing.json'), 'w') as f:
        json.dump(timing, f)
    return timing


def format_table(work_dir: str, rows) -> str:
    lines = ['| row | ' + ' | '.join(COLUMNS) + ' | train s |', '|---' * (len(COLUMNS) + 2) + '|']
    for row in rows:
        path = metrics_path(work_dir, row)
        if not osp.isfile(path):
            lines.append(f'| {ROWS[row]} | ' + ' | '.join('not run' for _ in COLUMNS) + ' | |')
            continue
        with open(path) as f:
            metrics = json.load(f)
        cells = []
        for column, key in COLUMNS.items():
            if isinstance(key, tuple):
                values = [metrics.get(k) for k in key]
                cells.append(' / '.join(f'{v:.3f}' if isinstance(v, float) else 'n/a' for v in values))
                continue
            value = metrics.get(key)
            if not isinstance(value, float):
                cells.append('n/a')
            elif key.startswith('plausibility'):
                cells.append(f'{100 * value:.1f} %')
            else:
                cells.append(f'{value:.3f}' if column.startswith('AUC') else f'{value:.2f}')
        timing_path = osp.join(REPO, work_dir, row, 'timing.json')
        train_s = ''
        if osp.isfile(timing_path):
            with open(timing_path) as f:
                timing = json.load(f)
            train_s = f'{timing["train"]:.0f}' if 'train' in timing else f'tested `{timing["checkpoint"]}`'
        lines.append(f'| {ROWS[row]} | ' + ' | '.join(cells) + f' | {train_s} |')
    return '\n'.join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--rows', nargs='+', default=list(ROWS), choices=list(ROWS), metavar='ROW',
                        help=f'rows to run (default all): {", ".join(ROWS)}')
    parser.add_argument('--work-dir', default='work_dirs/proxy')
    parser.add_argument('--force', action='store_true', help='retrain rows that already have results')
    parser.add_argument('--cfg-options', nargs='+', default=[], metavar='KEY=VALUE',
                        help='passed to tools/train.py and tools/test.py of every row, e.g. randomness.seed=1 '
                        '(with its own --work-dir)')
    parser.add_argument('--from-checkpoint', nargs='+', default=[], metavar='ROW=CHECKPOINT',
                        help='test these rows with a checkpoint trained elsewhere instead of training them, e.g. '
                        'a3d_b2d_bmc=work_dirs/main_job/iter_2000.pth (the main job trains the same config)')
    parser.add_argument('--gap', type=float, default=1.0,
                        help='domain gap in [0, 1] of the generated data (not 1: needs its own --data-dir)')
    parser.add_argument('--data-dir', default=DATA_DIR,
                        help=f'synthetic data, limits and detections (default {DATA_DIR}, where the configs point)')
    parser.add_argument('--table-only', action='store_true', help='only print the table of finished rows')
    args = parser.parse_args()
    if not 0. <= args.gap <= 1.:
        parser.error(f'--gap must be in [0, 1], got {args.gap}')
    if args.gap != 1.0 and osp.normpath(args.data_dir) == DATA_DIR:
        parser.error(f'--gap {args.gap} needs its own --data-dir: {DATA_DIR} holds the default data (gap 1) that the '
                     'main job and the default proxy rows use')
    checkpoints = {}
    for item in args.from_checkpoint:
        row, sep, path = item.partition('=')
        if not sep or row not in ROWS or not osp.isfile(osp.join(REPO, path)):
            parser.error(f'--from-checkpoint {item!r}: expected ROW=CHECKPOINT with ROW one of {", ".join(ROWS)} '
                         'and an existing checkpoint file (relative to the repository)')
        checkpoints[row] = path
    start = time.time()
    if not args.table_only:
        prepare(args.data_dir, args.gap, args.work_dir)
        for row in args.rows:
            if osp.isfile(metrics_path(args.work_dir, row)) and not args.force:
                print(f'[proxy] {row}: results exist, skipped (--force retrains)', flush=True)
                continue
            run_row(args.work_dir, row, args.cfg_options, checkpoints.get(row), args.data_dir)
    table = format_table(args.work_dir, list(ROWS) if args.table_only else args.rows)
    with open(osp.join(REPO, args.work_dir, 'proxy_table.md'), 'w') as f:
        f.write(table + '\n')
    print('\nDomain B held-out part (synthetic proxy; errors are means, AUC of the root-relative 3D PCK):')
    print(table)
    print(f'\nwall time: {time.time() - start:.0f} s')


if __name__ == '__main__':
    main()
