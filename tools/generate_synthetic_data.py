# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Write the synthetic default data (domain A as RHD, domain B as FreiHAND; see bmc_mmpose/synthetic/generate.py).

    python tools/generate_synthetic_data.py --out data/synthetic --num-a 3000 --num-b 3000 --size 128 --seed 0

Does nothing when OUT already holds data made with the same parameters (``--force`` rewrites it).
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bmc_mmpose.synthetic import generate_synthetic  # noqa: E402


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
    args = parser.parse_args(argv)
    start = time.time()
    manifest = generate_synthetic(args.out, args.num_a, args.num_b, args.size, args.seed, args.gap, args.workers,
                                  args.force)
    print(f'synthetic data in {args.out}: {manifest["domain_a"]["num"]} domain-A (RHD format) + '
          f'{manifest["domain_b"]["num"]} domain-B (FreiHAND format) samples ({time.time() - start:.1f} s)')


if __name__ == '__main__':
    main()
