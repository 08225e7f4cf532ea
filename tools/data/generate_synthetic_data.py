# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Write the synthetic default data (domain A as RHD, domain B as FreiHAND; see bmc_mmpose/synthetic/generate.py).

    python tools/data/generate_synthetic_data.py --out data/synthetic --num-a 3000 --num-b 3000 --size 128 --seed 0

Does nothing when OUT already holds data made with the same parameters (``--force`` rewrites it).

    python tools/data/generate_synthetic_data.py --describe 20000 [--gap G]

writes nothing and prints, as Markdown, the measured distributions of both domains from that many sampled hands
(no rendering): viewpoint, camera, hand size, articulation, pose families, and B's share of joint angles outside
the hulls (and of bone/palm quantities outside the intervals) computed from A.
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bmc_mmpose.synthetic import generate_synthetic  # noqa: E402


def _palm_tilt_deg(joints: np.ndarray) -> np.ndarray:
    """Angle (deg) between the palm normal (palm side, right hand) and the direction from the wrist to the camera:
    0 = palm faces the camera, 180 = back of the hand faces it. (N, 21, 3) mm -> (N,)."""
    normal = np.cross(joints[:, 5] - joints[:, 0], joints[:, 17] - joints[:, 0])
    to_camera = -joints[:, 0]
    cos = np.sum(normal * to_camera, -1) / (np.linalg.norm(normal, axis=-1) * np.linalg.norm(to_camera, axis=-1))
    return np.rad2deg(np.arccos(np.clip(cos, -1.0, 1.0)))


def _quantiles(values: np.ndarray, fmt: str = '{:.1f}') -> str:
    q = np.quantile(values, [0.01, 0.25, 0.5, 0.75, 0.99])
    return ' / '.join(fmt.format(v) for v in q)


def describe(num: int, seed: int, gap: float, size: int) -> str:
    """Markdown tables of both domains' measured distributions (``num`` hands each)."""
    import torch

    from bmc_mmpose.geometry import points_in_hulls
    from bmc_mmpose.limits import compute_bmc_limits
    from bmc_mmpose.limits.compute import measure_hands
    from bmc_mmpose.geometry.camera_numpy import project_points, reference_bone_length
    from bmc_mmpose.synthetic import POSE_FAMILIES, domain_distributions, sample_domain_poses

    samples = {d: sample_domain_poses(d, num, seed=seed, gap=gap, size=size) for d in 'ab'}
    lines = [f'Measured on {num} sampled hands per domain (seed {seed}, gap {gap}, {size} px images); quantiles are '
             '1 % / 25 % / 50 % / 75 % / 99 %.', '',
             '| quantity | domain A (RHD format, 3D) | domain B (FreiHAND format, 2D) |', '|---|---|---|']

    def row(name, fn, fmt='{:.1f}'):
        lines.append(f'| {name} | ' + ' | '.join(_quantiles(fn(samples[d]), fmt) for d in 'ab') + ' |')

    row('palm tilt from facing the camera (deg)', lambda s: _palm_tilt_deg(s['joints']), '{:.0f}')
    row('focal length / image width', lambda s: s['cam_K'][:, 1, 1] / size, '{:.2f}')
    row('root (wrist) depth (mm)', lambda s: s['joints'][:, 0, 2], '{:.0f}')
    row('hand extent in the image (px, joints only)', lambda s: np.ptp(
        project_points(s['joints'], s['cam_K']), axis=1).max(-1), '{:.0f}')
    row('finger MCP flexion, index..little (deg)', lambda s: np.rad2deg(s['joint_angles'][:, 1:5, 0]).ravel(), '{:.0f}')
    row('finger PIP flexion, index..little (deg)', lambda s: np.rad2deg(s['joint_angles'][:, 6:10, 0]).ravel(), '{:.0f}')
    row('finger MCP abduction, index..little (deg)', lambda s: np.rad2deg(s['joint_angles'][:, 1:5, 1]).ravel(),
        '{:.0f}')
    row('thumb metacarpal flexion (deg)', lambda s: np.rad2deg(s['joint_angles'][:, 0, 0]), '{:.0f}')
    row('thumb tip to index tip / reference bone', lambda s: np.linalg.norm(
        s['joints'][:, 4] - s['joints'][:, 8], axis=-1) / reference_bone_length(s['joints']), '{:.2f}')
    shares = {d: np.bincount(samples[d]['family'], minlength=len(POSE_FAMILIES)) / num for d in 'ab'}
    lines.append('| pose families | ' + ' | '.join(', '.join(f'{name} {100 * shares[d][i]:.0f} %'
                                                             for i, name in enumerate(POSE_FAMILIES) if shares[d][i])
                                                   for d in 'ab') + ' |')
    # articulation B has and A lacks: B's hands measured against limits computed from A's hands
    limits_a = compute_bmc_limits(samples['a']['joints'])
    measured_b = measure_hands(samples['b']['joints'])
    valid = measured_b['valid']
    angles_b = torch.from_numpy(measured_b['angles'][valid])
    hulls = torch.as_tensor(np.asarray(limits_a.hulls), dtype=angles_b.dtype)
    outside = ~points_in_hulls(angles_b, hulls)
    lines += ['', f'Domain B against limits computed from domain A ({int(valid.sum())} of {num} B hands measurable):',
              '', '| quantity | share of B outside A\'s limits |', '|---|---|',
              f'| joint angles (15 per hand) outside A\'s hulls | {100 * outside.double().mean().item():.1f} % |',
              f'| hands with at least one joint angle outside A\'s hulls | '
              f'{100 * outside.any(-1).double().mean().item():.1f} % |']
    for key, name in (('bone_length', 'bone lengths'), ('root_curvature', 'palm curvatures'),
                      ('root_angle', 'root-bone angles')):
        lo, hi = getattr(limits_a, key + '_min'), getattr(limits_a, key + '_max')
        values = measured_b[key][valid]
        lines.append(f'| {name} outside A\'s intervals | {100 * ((values < lo) | (values > hi)).mean():.1f} % |')
    poses_a, look_a = domain_distributions('a', gap)
    poses_b, look_b = domain_distributions('b', gap)
    lines += ['', 'Parameters (`bmc_mmpose/synthetic/generate.py`):', '',
              f'- domain A poses: `{poses_a}`', f'- domain A appearance: `{look_a}`',
              f'- domain B poses: `{poses_b}`', f'- domain B appearance: `{look_b}`']
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--out', default='data/synthetic', help='output folder')
    parser.add_argument('--num-a', type=int, default=3000, help='domain A (RHD-format, 3D) samples')
    parser.add_argument('--num-b', type=int, default=3000, help='domain B (FreiHAND-format, 2D for training)')
    parser.add_argument('--size', type=int, default=128, help='image width = height (px)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--gap', type=float, default=1.0, help='domain gap in [0, 1]')
    parser.add_argument('--workers', type=int, default=2, help='rendering processes')
    parser.add_argument('--force', action='store_true', help='rewrite even if the same data exists')
    parser.add_argument('--describe', type=int, metavar='N', default=0,
                        help='write nothing; print both domains\' measured distributions from N sampled hands')
    args = parser.parse_args(argv)
    if args.describe:
        if args.describe < 100:
            parser.error(f'--describe needs at least 100 hands, got {args.describe}')
        print(describe(args.describe, args.seed, args.gap, args.size))
        return
    start = time.time()
    manifest = generate_synthetic(args.out, args.num_a, args.num_b, args.size, args.seed, args.gap, args.workers,
                                  args.force)
    print(f'synthetic data in {args.out}: {manifest["domain_a"]["num"]} domain-A (RHD format) + '
          f'{manifest["domain_b"]["num"]} domain-B (FreiHAND format) samples ({time.time() - start:.1f} s)')


if __name__ == '__main__':
    main()
