# Copyright (c) bmc_mmpose authors. All rights reserved.
"""CPU proxy of the paper's experiments for a keypoint lifter: how much 3D does BMC recover from 2D of a given quality?

Domain A and domain B are the synthetic generator's pose / viewpoint distributions (``bmc_mmpose.synthetic``),
sampled as keypoints only (no rendering, ``bmc_mmpose.synthetic.keypoint_sampler``). Every row of the table is a
config in ``configs/synthetic/lifting/``: the registered model (``KeypointLifter`` = ``ResidualMLP`` backbone +
``KeypointLifterHead``, i.e. the 2.5D head's closed-form Z-root, refiner, losses and ``BMCLoss`` unchanged) plus a
``lifting_proxy`` dict saying which labels of B it uses. Training runs the model's own ``loss()`` on mixed batches
(``batch_a`` 3D-labelled A hands + ``batch_b`` B hands, 2D-only unless B's 3D is used) with Adam; a whole batch is
packed as one ``PoseDataSample`` whose ``gt_instance_labels`` hold all hands (the head concatenates the samples'
labels, so this is the same loss as with one sample per hand, without a Python loop over hands).

Input 2D (``--noise``): ``exact`` projections, Gaussian noise of a given mean size in pixels of the 128 px image
(``2``, ``5``, ``10``), or ``det`` (``simulate_detections``: noise, outliers, dropped joints, confidences). A's
inputs get fresh noise of the same kind every iteration (its 2D label stays exact); B's 2D is drawn once (it is
"the 2D a user has") and is both the input and the 2D label of B's 2D-only hands. The evaluation split is fixed:
``--num-test`` hands of B drawn with seed ``TEST_SEED`` (independent of the row seed), their inputs with the same
noise model and a fixed seed. BMC limits are computed from B's training 3D (paper Tab. 6 "computed").

Metrics on B's test hands (mm use each hand's true reference bone, as the image proxy's metric does): ``3d_mm``
root-relative mean joint error, ``z_mm`` its depth part, ``2d_px`` (original px), ``root_ratio`` median predicted /
true root depth, and BMC's violations (fractions of bones / palm pairs / angles outside the limits) and terms of
the predicted shapes.

Example (the README's table)::

    python tools/experiments/run_lifting_proxy.py --seeds 0 1 2 --noise exact 2 5 10 det --out docs/results/lifting_proxy.json
"""
import argparse
import json
import os
import os.path as osp
import platform
import sys
import time
from collections import OrderedDict
from datetime import datetime, timezone
from typing import List, Optional, Sequence

import numpy as np
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

# The proxy's data, training and evaluation live in the package (the analysis tool reuses them).
from bmc_mmpose.utils.lifting_proxy import (NOISE_CHOICES, TEST_SEED, VALIDATION_SEED, ProxyData,  # noqa: E402
                                            build_model, evaluate, flat_errors, load_row, train)


# row -> what the paper calls it
ROWS = OrderedDict([
    ('a3d', 'Tab. 2: 3D_A'),
    ('a3d_b2d', 'Tab. 2: 3D_A + 2D_B'),
    ('a3d_b2d_bmc', 'Tab. 2: + L_BMC'),
    ('a3d_b2d_bl', 'Tab. 4: + L_BL alone'),
    ('a3d_b2d_rb', 'Tab. 4: + L_RB alone'),
    ('a3d_b2d_a', 'Tab. 4: + L_A alone'),
    ('a3d_b3d', 'Tab. 2: 3D_A + 3D_B'),
    ('a3d_b2d_bmc_b3d100', 'supp. Tab. 5: + L_BMC, 3D of 100 B hands'),
    ('a3d_b2d_bmc_b3d1000', 'supp. Tab. 5: + L_BMC, 3D of 1000 B hands'),
    ('a3d_b3d_bmc', 'supp. Tab. 5: + L_BMC, 3D of all B hands'),
    ('a3d_b2d_bmc_cf', 'not in the paper: + L_BMC, two-joint closed-form root (placement and refiner start)'),
    ('a3d_b2d_bmc_x10', 'not in the paper: + L_BMC, 10x the paper weights'),
    ('a3d_b2d_bmc_x100', 'not in the paper: + L_BMC, 100x the paper weights'),
    ('a3d_b2d_bmc_x1000', 'not in the paper: + L_BMC, 1000x the paper weights'),
    ('a3d_b2d_closed_form_root', 'not in the paper: 3D_A + 2D_B, two-joint closed-form root as refiner start'),
    ('a3d_b2d_refine', 'not in the paper: 3D_A + 2D_B, test-time BMC refinement'),
    ('a3d_b2d_refine_uv', 'not in the paper: 3D_A + 2D_B, test-time BMC refinement of depths and 2D'),
    ('a3d_b2d_bmc_x10_refine', 'not in the paper: + L_BMC 10x, test-time BMC refinement'),
    ('a3d_b2d_pseudo', 'not in the paper: 3D_A + 2D_B, retrained on its BMC-refined lifts of B'),
    ('a3d_b2d_pseudo_refine', 'not in the paper: the same, then test-time BMC refinement'),
    ('a3d_b2d_pseudo2', 'not in the paper: 3D_A + 2D_B, two rounds of BMC-refined pseudo-labels'),
    ('a3d_b2d_pseudo_uv', 'not in the paper: pseudo-labels refined in depth and 2D'),
    ('a3d_b2d_pseudo_uv_refine', 'not in the paper: the same, then test-time BMC refinement of depths and 2D'),
    ('a3d_b2d_pseudo_conf', 'not in the paper: BMC-refined pseudo-labels weighted by their residual L_BMC'),
    ('a3d_b2d_pseudo2_conf', 'not in the paper: residual-weighted pseudo-labels, two rounds'),
    ('a3d_b2d_pseudo3_conf', 'not in the paper: residual-weighted pseudo-labels, three rounds'),
    ('a3d_b2d_pseudo_uv_conf', 'not in the paper: pseudo-labels refined in depth and 2D, weighted by residual L_BMC'),
])
DEFAULT_ROWS = ('a3d', 'a3d_b2d', 'a3d_b2d_bmc', 'a3d_b2d_bl', 'a3d_b2d_rb', 'a3d_b2d_a', 'a3d_b3d')
TAB5_ROWS = ('a3d_b2d_bmc', 'a3d_b2d_bmc_b3d100', 'a3d_b2d_bmc_b3d1000', 'a3d_b3d_bmc')


def split_seed(split: str) -> int:
    return {'test': TEST_SEED, 'validation': VALIDATION_SEED}[split]


def training_key(cfg, seed: int, noise: str) -> str:
    """What determines a row's trained network: its model without ``test_cfg``, its ``lifting_proxy``, seed, input."""
    model = cfg.model.to_dict()
    model.pop('test_cfg', None)
    return json.dumps([model, cfg.lifting_proxy.to_dict(), seed, noise], sort_keys=True, default=str)


def run_one(row: str, seed: int, noise: str, args, data_cache: dict, bmc_eval_cache: dict,
            trained_cache: Optional[dict] = None) -> dict:
    """Train and evaluate one row. Rows that differ only in ``test_cfg`` (e.g. test-time refinement) share the
    trained weights through ``trained_cache`` (training is deterministic per seed, so this only saves time)."""
    from bmc_mmpose.models.losses import BMCLoss
    cfg, path = load_row(row, args.cfg_options)
    key = (seed, noise)
    if key not in data_cache:
        data_cache.clear()
        data_cache[key] = ProxyData(seed, noise, args.num_a, args.num_b, args.num_test, args.gap,
                                    cache_dir=args.cache_dir, test_seed=split_seed(args.split))
    data = data_cache[key]
    if seed not in bmc_eval_cache:
        bmc_eval_cache[seed] = BMCLoss(limits=data.limits)
    torch.manual_seed(seed)
    model = build_model(cfg, data.limits, data.bone_lengths)
    proxy = dict(cfg.lifting_proxy)  # after build_model, which puts the computed limits into its BMC configs
    trained_key = training_key(cfg, seed, noise)
    if trained_cache is not None and trained_key in trained_cache:
        state, seconds = trained_cache[trained_key]
        model.load_state_dict(state)
    else:
        seconds = train(model, data, proxy, seed, log_every=args.log_every)
        if trained_cache is not None:
            trained_cache[trained_key] = ({k: v.clone() for k, v in model.state_dict().items()}, seconds)
    start = time.time()
    metrics = evaluate(model, data, bmc_eval_cache[seed])
    return OrderedDict(row=row, name=ROWS.get(row, row), config=osp.relpath(path, REPO), seed=seed, noise=noise,
                       **metrics, train_seconds=round(seconds, 1), eval_seconds=round(time.time() - start, 1))


COLUMNS = OrderedDict([('2D px', 'err2d_px'), ('Z mm', 'errz_mm'), ('3D mm', 'err3d_mm'),
                       ('root pred/true', 'root_ratio_median'), ('bones out', 'viol_bone_length'),
                       ('palm out', 'viol_root_curvature'), ('angles out', 'viol_joint_angle')])


def format_table(records: List[dict], rows: Sequence[str], noises: Sequence[str]) -> str:
    """Markdown: mean +- std over seeds per (noise, row), and the change of 3D vs 3D_A + 2D_B."""
    lines = ['| input 2D | row | seeds | ' + ' | '.join(COLUMNS) + ' | 3D vs 3D_A + 2D_B |',
             '|' + '---|' * (len(COLUMNS) + 4)]
    for noise in noises:
        base = {r['seed']: r['err3d_mm'] for r in records if r['noise'] == noise and r['row'] == 'a3d_b2d'}
        for row in rows:
            rec = [r for r in records if r['noise'] == noise and r['row'] == row]
            if not rec:
                continue
            cells = []
            for key in COLUMNS.values():
                vals = np.array([r[key] for r in rec])
                pct = key.startswith('viol_')
                vals = vals * 100 if pct else vals
                cells.append(f'{vals.mean():.{1 if pct else 2}f}' + (' %' if pct else '') +
                             (f' ± {vals.std():.{1 if pct else 2}f}' if len(vals) > 1 else ''))
            rel = [100 * (r['err3d_mm'] / base[r['seed']] - 1) for r in rec if r['seed'] in base]
            rel_s = ('/'.join(f'{v:+.0f}' for v in rel) + ' %') if rel and row != 'a3d_b2d' else ''
            lines.append(f'| {noise} | {ROWS.get(row, row)} | {len(rec)} | ' + ' | '.join(cells) + f' | {rel_s} |')
    return '\n'.join(lines)


def parse_cfg_options(items: Optional[List[str]]) -> Optional[dict]:
    if not items:
        return None
    out = {}
    for item in items:
        if '=' not in item:
            raise SystemExit(f'--cfg-options: expected KEY=VALUE, got {item!r}')
        key, value = item.split('=', 1)
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rows', nargs='+', default=list(DEFAULT_ROWS), choices=list(ROWS))
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--noise', nargs='+', default=list(NOISE_CHOICES), choices=NOISE_CHOICES)
    parser.add_argument('--num-a', type=int, default=20000)
    parser.add_argument('--num-b', type=int, default=20000)
    parser.add_argument('--num-test', type=int, default=2000)
    parser.add_argument('--gap', type=float, default=1.0, help="domain B's gap (generate.domain_b)")
    parser.add_argument('--split', choices=['test', 'validation'], default='test',
                        help="B's evaluation hands: the test split (TEST_SEED), or a validation split (VALIDATION_SEED, "
                        'same size and input model) for choosing settings without the test split')
    parser.add_argument('--cfg-options', nargs='+', help='KEY=VALUE (JSON values) applied to every row')
    parser.add_argument('--cache-dir', default='work_dirs/lifting_proxy', help='computed limits are cached here')
    parser.add_argument('--out', default='work_dirs/lifting_proxy/lifting_proxy.json',
                        help='JSON written after every run (records of earlier runs in it are kept)')
    parser.add_argument('--log-every', type=int, default=0)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--merge', nargs='+', help='only merge these JSON files of earlier runs into --out (the first '
                        'record of a (row, seed, input) wins) and print the table of their records')
    args = parser.parse_args(argv)
    if args.merge:
        merged = None
        for path in args.merge:
            with open(path) as f:
                part = json.load(f)
            if merged is None:
                merged = dict(part, records=[], commands=[])
            if part.get('split', 'test') != merged.get('split', 'test'):
                raise SystemExit(f'--merge: {path} holds records of the {part.get("split", "test")} split, the first '
                                 f'file of the {merged.get("split", "test")} split')
            merged['commands'].append(part.get('command'))
            seen = {(r['row'], r['seed'], r['noise']) for r in merged['records']}
            merged['records'] += [r for r in part['records'] if (r['row'], r['seed'], r['noise']) not in seen]
        merged.pop('command', None)
        for rec in merged['records']:  # names from ROWS, so that a renamed row reads the same in every record
            rec['name'] = ROWS.get(rec['row'], rec.get('name', rec['row']))
        with open(args.out, 'w') as f:
            json.dump(merged, f, indent=1)
        rows = [r for r in ROWS if any(rec['row'] == r for rec in merged['records'])]
        noises = [n for n in NOISE_CHOICES if any(rec['noise'] == n for rec in merged['records'])]
        print(format_table(merged['records'], rows, noises))
        return
    args.cfg_options = parse_cfg_options(args.cfg_options)
    torch.set_num_threads(args.threads)
    from bmc_mmpose.synthetic.generate import GENERATOR_VERSION

    records = []
    if osp.isfile(args.out):
        with open(args.out) as f:
            earlier = json.load(f)
        if earlier.get('split', 'test') != args.split:
            raise SystemExit(f'{args.out} holds records of the {earlier.get("split", "test")} split; give --split '
                             f'{args.split} its own --out')
        records = earlier.get('records', [])
    done = {(r['row'], r['seed'], r['noise']) for r in records}
    machine = f'{platform.machine()} {platform.processor() or ""} {os.cpu_count()} cores, torch {torch.__version__}, ' \
              f'{torch.get_num_threads()} thread(s)'
    data_cache, bmc_cache, trained_cache = {}, {}, {}
    flat = {}
    start = time.time()
    for noise in args.noise:
        for seed in args.seeds:
            for row in args.rows:
                if (row, seed, noise) in done:
                    continue
                rec = run_one(row, seed, noise, args, data_cache, bmc_cache, trained_cache)
                rec['machine'] = machine
                rec['date'] = datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
                rec['cfg_options'] = args.cfg_options
                records.append(rec)
                if 'flat' not in flat:
                    flat = flat_errors(data_cache[(seed, noise)])
                print(f'[lifting-proxy] {noise:>5} seed {seed} {row:<22} 2D {rec["err2d_px"]:.2f} px  '
                      f'Z {rec["errz_mm"]:.2f} mm  3D {rec["err3d_mm"]:.2f} mm  ({rec["train_seconds"]:.0f} s)',
                      flush=True)
                os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
                with open(args.out, 'w') as f:
                    json.dump(dict(command='python tools/experiments/run_lifting_proxy.py ' + ' '.join(sys.argv[1:]),
                                   generator_version=GENERATOR_VERSION,
                                   flat_hand_exact_2d=flat or None, num_a=args.num_a, num_b=args.num_b,
                                   num_test=args.num_test, test_seed=split_seed(args.split), split=args.split,
                                   gap=args.gap, records=records),
                              f, indent=1)
    print(f'[lifting-proxy] {time.time() - start:.0f} s')
    print(format_table(records, args.rows, args.noise))


if __name__ == '__main__':
    main()
