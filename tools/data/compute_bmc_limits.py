# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Compute BMC limits (bone lengths, root curvature / angles, joint-angle boxes and hulls) from 3D hands.

Examples::

    # a plain (N, 21, 3) array (mm or scale-normalised), RHD joint order, right hands
    python tools/data/compute_bmc_limits.py joints.npy --order rhd --out work_dirs/limits_rhd.json --plot hulls.png

    # every 3D-labelled sample (has_3d_eval) of a dataset in an MMPose config
    python tools/data/compute_bmc_limits.py --dataset-config configs/bmc/some_config.py \\
        --dataset-key train_dataloader.dataset --out work_dirs/limits_fh.json

Every hand is normalised by its own 9 -> 10 (middle MCP -> PIP) bone, so the unit of the input does not
matter. Arrays must hold right hands (mirror left hands, x -> -x, first); dataset classes deliver right hands in
FreiHAND order already. Degenerate hands are skipped and counted.
"""
import argparse
import sys
from pathlib import Path
from typing import Optional

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's bmc_mmpose first

from bmc_mmpose.geometry.skeleton import ANGLE_BONES, JOINT_NAMES, MANO_TO_FREIHAND, RHD_TO_FREIHAND  # noqa: E402
from bmc_mmpose.limits import BMCLimits, compute_bmc_limits, measure_hands, save_bmc_limits  # noqa: E402

ORDERS = {'freihand': None, 'rhd': RHD_TO_FREIHAND, 'mano': MANO_TO_FREIHAND}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('joints', nargs='?', help='.npy file with an (N, 21, 3) array of right hands')
    parser.add_argument('--order', choices=sorted(ORDERS), default='freihand', help='joint order of the array')
    parser.add_argument('--dataset-config', help='MMPose config; its dataset (see --dataset-key) is iterated')
    parser.add_argument('--dataset-key', default='train_dataloader.dataset',
                        help='dotted key of the dataset config inside --dataset-config')
    parser.add_argument('--out', required=True, help='output JSON path')
    parser.add_argument('--num-hull-points', type=int, default=10, help='K, vertices per hull')
    parser.add_argument('--rdp-epsilon', type=float, default=1e-3, help='Ramer-Douglas-Peucker tolerance (rad)')
    parser.add_argument('--no-enclose-hulls', action='store_true',
                        help='keep the inscribed K-gon instead of growing it to hold every hand (corners cut)')
    parser.add_argument('--source', default=None, help='source description stored in the file')
    parser.add_argument('--version', default='1', help='version string stored in the file')
    parser.add_argument('--plot', help='write the supplementary Fig. 1-style figure of all 15 joints here (PNG)')
    return parser.parse_args(argv)


def joints_from_array(path: str, order: str) -> np.ndarray:
    joints = np.load(path)
    if joints.ndim != 3 or joints.shape[1:] != (21, 3):
        raise ValueError(f'{path}: expected an (N, 21, 3) array, got shape {joints.shape}')
    permutation = ORDERS[order]
    return joints if permutation is None else joints[:, list(permutation)]


def joints_from_dataset(config_path: str, key: str) -> np.ndarray:
    """``keypoints_3d`` of every sample with ``has_3d_eval`` (datasets return right hands, FreiHAND order)."""
    from mmpose.registry import DATASETS

    import bmc_mmpose  # noqa: F401  (registers the dataset classes)
    from bmc_mmpose.utils.cli import dataset_config_at

    dataset_cfg = dataset_config_at(config_path, key)
    dataset_cfg['pipeline'] = []
    dataset = DATASETS.build(dataset_cfg)
    hands = []
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        if 'keypoints_3d' not in info:
            raise KeyError(f'{type(dataset).__name__} sample {index}: no keypoints_3d')
        has_3d = np.asarray(info.get('has_3d_eval', info.get('has_3d', [1]))).reshape(-1)
        if has_3d.size and has_3d[0] > 0:
            hands.append(np.asarray(info['keypoints_3d'], dtype=np.float64).reshape(21, 3))
    if not hands:
        raise ValueError(f'{config_path}: dataset {key} has no sample with has_3d_eval')
    return np.stack(hands)


def plot_limits(limits: BMCLimits, joints: Optional[np.ndarray], path: str) -> None:
    """Supplementary Fig. 1 style: angle points, min/max box and hull for each of the 15 joints (degrees)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    angles = None
    if joints is not None:
        measured = measure_hands(joints)
        angles = np.degrees(measured['angles'][measured['valid']])
    figure, axes = plt.subplots(3, 5, figsize=(20, 11))
    for joint, axis in enumerate(axes.reshape(-1)):
        if angles is not None:
            axis.scatter(angles[:, joint, 0], angles[:, joint, 1], s=2, c='tab:red', alpha=0.3, linewidths=0,
                         label='samples')
        (f_min, a_min), (f_max, a_max) = np.degrees(limits.boxes[joint])
        axis.plot([f_min, f_max, f_max, f_min, f_min], [a_min, a_min, a_max, a_max, a_min], c='red', lw=1,
                  label='min/max box')
        hull = np.degrees(np.concatenate([limits.hulls[joint], limits.hulls[joint][:1]]))
        axis.plot(hull[:, 0], hull[:, 1], c='green', lw=1.5, marker='o', ms=3, label=f'hull (K={len(hull) - 1})')
        bone = ANGLE_BONES[joint]
        axis.set_title(f'{joint}: bone {bone} -> {JOINT_NAMES[bone + 1]}', fontsize=9)
        axis.set_xlabel('flexion (deg)', fontsize=8)
        axis.set_ylabel('abduction (deg)', fontsize=8)
        axis.tick_params(labelsize=7)
    axes[0, 0].legend(fontsize=7, loc='best')
    figure.suptitle(f'BMC joint-angle limits ({limits.source})')
    figure.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    plt.close(figure)


def main(argv=None) -> int:
    args = parse_args(argv)
    if (args.joints is None) == (args.dataset_config is None):
        raise SystemExit('compute_bmc_limits: give either a .npy file or --dataset-config (not both)')
    if args.joints is not None:
        joints = joints_from_array(args.joints, args.order)
        source = args.source or f'{Path(args.joints).name} ({args.order} order)'
    else:
        joints = joints_from_dataset(args.dataset_config, args.dataset_key)
        source = args.source or f'{Path(args.dataset_config).name}:{args.dataset_key}'
    limits = compute_bmc_limits(joints, num_hull_points=args.num_hull_points, rdp_epsilon=args.rdp_epsilon,
                                enclose_hulls=not args.no_enclose_hulls,
                                source=source, version=args.version)
    save_bmc_limits(limits, args.out)
    meta = limits.meta
    print(f'hands: {meta["num_samples"]}, used: {meta["num_used"]}, skipped (degenerate): {meta["num_skipped"]} '
          f'{meta["skipped"]}')
    print('hull coverage of the used hands per joint: ' + ' '.join(f'{c:.3f}' for c in meta['hull_coverage']))
    print(f'wrote {args.out}')
    if args.plot:
        plot_limits(limits, joints, args.plot)
        print(f'wrote {args.plot}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
