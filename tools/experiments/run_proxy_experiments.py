# Copyright (c) bmc_mmpose authors. All rights reserved.
"""CPU proxy of the paper's Tab. 2, 4 and 6 (and detected-2D rows, S2HAND-style) on the synthetic domains.

Each row is a config of ``configs/synthetic/proxy/`` (domain A = the fully labelled source written as RHD, domain
B = the target written as FreiHAND, whose 3D is used only for evaluation and for the "computed" limits). For every
row: ``tools/train.py`` then ``tools/test.py`` on domain B's held-out part, then one paper-style table::

    python tools/experiments/run_proxy_experiments.py                      # every row (8-14 min per row on 2 CPU cores)
    python tools/experiments/run_proxy_experiments.py --rows a3d a3d_b2d a3d_b2d_bmc   # some rows (separate commands are fine)
    python tools/experiments/run_proxy_experiments.py --table-only         # print the table of the rows already run
    python tools/experiments/run_proxy_experiments.py --rows a3d_b2d_bmc --from-checkpoint a3d_b2d_bmc=CKPT  # test only
    python tools/experiments/run_proxy_experiments.py --gap 0.5 --data-dir data/synthetic_gap05 --work-dir work_dirs/proxy_gap05
    python tools/experiments/run_proxy_experiments.py --rows a3d_b2d a3d_b2d_bmc --seeds 0 1   # two seeds: mean and both values

Every run also (re)writes ``docs/results/synthetic_proxy.json`` (``--json``) with one record per row and seed that has
results in WORK_DIR: row, paper name, config, seed, every column, training and test seconds, machine, date.
With ``--seeds``, seed ``s`` trains with ``randomness.seed=s`` in ``WORK_DIR/seed<s>/<row>``.

Prepared once and reused: the synthetic data (``tools/data/generate_synthetic_data.py``), the BMC limits "computed" from
domain B's 3D and "approximated" from domain A's (``tools/data/compute_bmc_limits.py``), and simulated detections of
domain B (``tools/data/simulate_detections.py``). A row whose ``WORK_DIR/<row>/test/test_metrics.json`` exists is not
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

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO)  # this checkout's bmc_mmpose first
from bmc_mmpose.utils.cli import run_tool  # noqa: E402
CONFIG_DIR = 'configs/synthetic/proxy'
DATA_DIR = 'data/synthetic'  # the proxy configs point here
MAIN_CONFIG = 'configs/synthetic/rhd3d_fh2d_synthetic.py'
LIFTER_CONFIG = 'configs/synthetic/lifting/rhd3d_fh2d_lifter.py'
PSEUDO_LABEL_ROWS = ('a3d_b2d_pseudo', )  # rows that read DATA_DIR/pseudo_labels_domain_b.json
# the lifting proxy's test-time refinement (docs/results/lifting_proxy.md), as in
# configs/synthetic/lifting/rhd3d_fh2d_lifter_pseudo.py
REFINE_OPTIONS = ('model.test_cfg.bmc_refine.steps=100', 'model.test_cfg.bmc_refine.loss.type=BMCLoss',
                  'model.test_cfg.bmc_refine.loss.lambda_a=0.1')

# row name -> (config stem, what the paper calls it)
ROWS = OrderedDict([
    ('a3d', 'Tab. 2: 3D_A'),
    ('a3d_b2d', 'Tab. 2: 3D_A + 2D_B'),
    ('a3d_b2d_bl', 'Tab. 4: + L_BL'),
    ('a3d_b2d_bl_rb', 'Tab. 4: + L_BL + L_RB'),
    ('a3d_b2d_bmc', 'Tab. 2/4/6: + L_BMC (BL+RB+A), limits computed from B'),
    ('a3d_b2d_bmc_cf', 'Not in the paper: + L_BMC on the closed-form-placed hand (bmc_root_depth)'),
    ('a3d_b2d_bmc_root_detached', 'Not in the paper: + L_BMC without gradient into the root depth'),
    ('a3d_b2d_bmc_box', 'Tab. 5: + L_BMC, independent (box) angle limits'),
    ('a3d_b2d_bmc_x10', 'Not in the paper: + L_BMC with 10x the paper\'s weights'),
    ('a3d_b2d_refine', 'Not in the paper: 3D_A + 2D_B, test-time BMC refinement'),
    ('a3d_b2d_root_bones', 'Not in the paper: 3D_A + 2D_B, root pooled over all bones'),
    ('a3d_b2d_pseudo', 'Not in the paper: 3D_A + 2D_B + BMC-refined lifts of B\'s 2D labels as 3D labels'),
    ('a3d_b2d_bmc_root_bones', 'Not in the paper: + L_BMC, root pooled over all bones'),
    ('a3d_b2d_bmc_limits_approx', 'Tab. 6: + L_BMC, limits approximated from A'),
    ('a3d_b2d_bmc_limits_literature', 'Tab. 6: + L_BMC, literature limits'),
    ('a3d_b3d', 'Tab. 2: 3D_A + 3D_B (upper bound)'),
    ('a3d_b3d_bmc', 'Tab. 2: 3D_A + 3D_B + L_BMC'),
    ('a3d_bdet', 'Detected 2D: 3D_A + detected 2D_B, unweighted'),
    ('a3d_bdet_conf', 'Detected 2D: + confidence weighting + bone direction'),
    ('a3d_bdet_conf_bmc', 'Detected 2D: + confidence weighting + bone direction + L_BMC'),
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
    run('synthetic data', ['tools/data/generate_synthetic_data.py', '--out', data_dir, '--gap', str(gap)])
    main_config = config_for(MAIN_CONFIG, data_dir, work_dir)
    for domain, key in (('b', 'train_dataloader.dataset.datasets.1'), ('a', 'train_dataloader.dataset.datasets.0')):
        out = osp.join(data_dir, f'bmc_limits_domain_{domain}.json')
        if not osp.isfile(osp.join(REPO, out)):
            run(f'BMC limits from domain {domain.upper()} 3D',
                ['tools/data/compute_bmc_limits.py', '--dataset-config', main_config, '--dataset-key', key, '--out', out])
    detections = osp.join(data_dir, 'detections_domain_b.json')
    if not osp.isfile(osp.join(REPO, detections)):
        run('simulated detections of domain B', [
            'tools/data/simulate_detections.py', main_config, '--dataset-key', 'train_dataloader.dataset.datasets.1',
            '--out', detections
        ])


def prepare_pseudo_labels(data_dir: str = DATA_DIR, work_dir: str = 'work_dirs/proxy') -> str:
    """``data_dir/pseudo_labels_domain_b.json`` if absent: train the lifter of ``LIFTER_CONFIG`` (3D of A, 2D of B,
    L_BMC) in ``WORK_DIR/lifter``, then lift domain B's training 2D labels with test-time BMC refinement under the
    limits computed from B (``tools/inference/lift_keypoints.py``, residuals written for the weighting)."""
    out = osp.join(data_dir, 'pseudo_labels_domain_b.json')
    if osp.isfile(osp.join(REPO, out)):
        return out
    config = config_for(LIFTER_CONFIG, data_dir, work_dir)
    lifter_dir = osp.join(work_dir, 'lifter')
    run('lifter: train', ['tools/train.py', config, '--work-dir', lifter_dir])
    with open(osp.join(REPO, lifter_dir, 'last_checkpoint')) as f:
        checkpoint = f.read().strip()
    limits = osp.join(data_dir, 'bmc_limits_domain_b.json')
    run('lifter: lift domain B\'s 2D labels', [
        'tools/inference/lift_keypoints.py', config, checkpoint, '--dataset-config', config, '--dataset-key',
        'train_dataloader.dataset.datasets.1', '--limits', limits, '--out', out, '--cfg-options', *REFINE_OPTIONS,
        f'model.test_cfg.bmc_refine.loss.limits={limits}'
    ])
    return out


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
    timing['finished'] = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())
    with open(osp.join(REPO, row_dir, 'timing.json'), 'w') as f:
        json.dump(timing, f)
    return timing


def seed_dirs(work_dir: str, seeds=None):
    """``[(seed, folder)]``: ``[(None, work_dir)]`` without ``--seeds`` (the configs' own seed), else one
    ``WORK_DIR/seed<s>`` per seed."""
    if not seeds:
        return [(None, work_dir)]
    return [(seed, osp.join(work_dir, f'seed{seed}')) for seed in seeds]


def _load_json(path: str):
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def _column_values(metrics: dict) -> dict:
    """Every table column of one run: a float, or a list of floats for the composite columns (None if absent)."""
    values = {}
    for column, key in COLUMNS.items():
        if isinstance(key, tuple):
            values[column] = [metrics.get(k) if isinstance(metrics.get(k), float) else None for k in key]
        else:
            values[column] = metrics.get(key) if isinstance(metrics.get(key), float) else None
    return values


def _format_value(column: str, value) -> str:
    key = COLUMNS[column]
    if value is None:
        return 'n/a'
    if isinstance(key, tuple):
        return ' / '.join(f'{v:.3f}' if v is not None else 'n/a' for v in value)
    if key.startswith('plausibility'):
        return f'{100 * value:.1f} %'
    return f'{value:.3f}' if column.startswith('AUC') else f'{value:.2f}'


def format_table(work_dir: str, rows, seeds=None) -> str:
    """Markdown table of the rows with results; with several seeds each cell is ``mean (seed values)``."""
    dirs = seed_dirs(work_dir, seeds)
    lines = ['| row | ' + ' | '.join(COLUMNS) + ' | train s |', '|---' * (len(COLUMNS) + 2) + '|']
    for row in rows:
        runs = []
        for _, folder in dirs:
            metrics = _load_json(metrics_path(folder, row))
            if metrics is not None:
                runs.append((_column_values(metrics), _load_json(osp.join(REPO, folder, row, 'timing.json')) or {}))
        if not runs:
            lines.append(f'| {ROWS[row]} | ' + ' | '.join('not run' for _ in COLUMNS) + ' | |')
            continue
        cells = []
        for column in COLUMNS:
            values = [values[column] for values, _ in runs]
            if len(values) == 1 or isinstance(COLUMNS[column], tuple) or any(v is None for v in values):
                cells.append(' ; '.join(_format_value(column, v) for v in values))
            else:
                mean = sum(values) / len(values)
                cells.append(f'{_format_value(column, mean)} ({", ".join(_format_value(column, v) for v in values)})')
        times = []
        for _, timing in runs:
            if 'train' in timing:
                times.append(f'{timing["train"]:.0f}')
            elif 'checkpoint' in timing:
                times.append(f'tested `{timing["checkpoint"]}`')
        label = ROWS[row] if len(dirs) == 1 else f'{ROWS[row]} [{len(runs)} of {len(dirs)} seeds]'
        lines.append(f'| {label} | ' + ' | '.join(cells) + f' | {", ".join(times)} |')
    return '\n'.join(lines)


def machine_description() -> str:
    import platform
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            names = [line.split(':', 1)[1].strip() for line in f if line.startswith('model name')]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return f'{platform.node()}: {cpu}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}'


def config_seed(config: str):
    from mmengine.config import Config
    return Config.fromfile(osp.join(REPO, config)).get('randomness', {}).get('seed')


def trained_config(folder: str, row: str):
    """Seed and iterations of the config ``tools/train.py`` dumped into ``folder/row`` (None if absent)."""
    path = osp.join(REPO, folder, row, f'{row}.py')
    if not osp.isfile(path):
        return None
    from mmengine.config import Config
    cfg = Config.fromfile(path)
    return dict(seed=cfg.get('randomness', {}).get('seed'), max_iters=cfg.get('train_cfg', {}).get('max_iters'))


def collect_records(work_dir: str, seeds=None, data_dir: str = DATA_DIR) -> list:
    """One record per (row, seed) with results in ``work_dir``: row, paper name, config, seed, every column,
    training/test seconds."""
    records = []
    for seed, folder in seed_dirs(work_dir, seeds):
        for row in ROWS:
            metrics = _load_json(metrics_path(folder, row))
            if metrics is None:
                continue
            timing = _load_json(osp.join(REPO, folder, row, 'timing.json')) or {}
            config = config_for(osp.join(CONFIG_DIR, f'{row}.py'), data_dir, work_dir)
            trained = trained_config(folder, row)  # as trained, --cfg-options applied (None if not kept)
            row_seed = seed
            if row_seed is None:
                row_seed = trained['seed'] if trained else config_seed(config)
            records.append(dict(row=row, name=ROWS[row], config=config, seed=row_seed,
                                max_iters=trained['max_iters'] if trained else None,
                                work_dir=osp.join(folder, row), columns=_column_values(metrics),
                                train_seconds=timing.get('train'), test_seconds=timing.get('test'),
                                tested_checkpoint=timing.get('checkpoint'), finished=timing.get('finished')))
    return records


def write_json(path: str, work_dir: str, seeds=None, data_dir: str = DATA_DIR, command: str = '') -> None:
    import datetime
    out = dict(description='CPU proxy of the paper\'s Tab. 2/4/5/6 on the synthetic domains (domain B held-out '
               'part); written by tools/experiments/run_proxy_experiments.py', command=command, work_dir=work_dir,
               data_dir=data_dir, machine=machine_description(),
               date=datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'),
               columns={k: list(v) if isinstance(v, tuple) else v for k, v in COLUMNS.items()},
               records=collect_records(work_dir, seeds, data_dir))
    os.makedirs(osp.dirname(osp.join(REPO, path)), exist_ok=True)
    with open(osp.join(REPO, path), 'w') as f:
        json.dump(out, f, indent=1)


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
                        'a3d_b2d_bmc=work_dirs/other/a3d_b2d_bmc/iter_3000.pth (the table marks such rows)')
    parser.add_argument('--gap', type=float, default=1.0,
                        help='domain gap in [0, 1] of the generated data (not 1: needs its own --data-dir)')
    parser.add_argument('--data-dir', default=DATA_DIR,
                        help=f'synthetic data, limits and detections (default {DATA_DIR}, where the configs point)')
    parser.add_argument('--table-only', action='store_true', help='only print the table of finished rows')
    parser.add_argument('--seeds', nargs='+', type=int, default=None, metavar='SEED',
                        help='train every row once per seed (randomness.seed), in WORK_DIR/seed<SEED>/')
    parser.add_argument('--json', default='docs/results/synthetic_proxy.json',
                        help='where to write every finished row and seed of WORK_DIR as JSON ("" to skip)')
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
        if set(args.rows) & set(PSEUDO_LABEL_ROWS):
            prepare_pseudo_labels(args.data_dir, args.work_dir)
        for seed, folder in seed_dirs(args.work_dir, args.seeds):
            options = list(args.cfg_options) + ([f'randomness.seed={seed}'] if seed is not None else [])
            for row in args.rows:
                if osp.isfile(metrics_path(folder, row)) and not args.force:
                    print(f'[proxy] {row} ({folder}): results exist, skipped (--force retrains)', flush=True)
                    continue
                run_row(folder, row, options, checkpoints.get(row), args.data_dir)
    table = format_table(args.work_dir, list(ROWS) if args.table_only else args.rows, args.seeds)
    with open(osp.join(REPO, args.work_dir, 'proxy_table.md'), 'w') as f:
        f.write(table + '\n')
    if args.json:
        write_json(args.json, args.work_dir, args.seeds, args.data_dir, ' '.join(['python'] + sys.argv))
    print('\nDomain B held-out part (synthetic proxy; errors are means, AUC of the root-relative 3D PCK):')
    print(table)
    print(f'\nwall time: {time.time() - start:.0f} s')


if __name__ == '__main__':
    main()
