# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Write a detections file of *simulated* detector keypoints for a dataset of a config (detected-2D proxy rows).

The ground-truth 2D of every sample of the dataset at ``--dataset-key`` goes through
``bmc_mmpose.datasets.simulate_detections`` (Gaussian noise, outliers, dropped joints, confidences that fall with the
error) and is written in the plain detections format (documented in ``bmc_mmpose/datasets/detections.py``), keyed
by the image path relative to the dataset's ``data_root``, in the coordinates of the image *as stored* (left hands
stay left), so that ``LoadDetectedKeypoints2D`` reads it like the output of a real detector::

    python tools/data/simulate_detections.py configs/synthetic/rhd3d_fh2d_synthetic.py \\
        --dataset-key train_dataloader.dataset.datasets.1 --out data/synthetic/detections_domain_b.json

It prints the detector's error statistics (median pixel error, share of outliers and dropped joints).
"""
import argparse
import os.path as osp
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's bmc_mmpose first


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='config file holding the dataset')
    parser.add_argument('--dataset-key', required=True,
                        help='dotted key of the dataset config, e.g. train_dataloader.dataset.datasets.1')
    parser.add_argument('--out', required=True, help='output detections JSON')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--noise-std', type=float, default=0.02, help='Gaussian noise, in hand sizes')
    parser.add_argument('--outlier-prob', type=float, default=0.05)
    parser.add_argument('--drop-prob', type=float, default=0.05)
    parser.add_argument('--confident-outlier-prob', type=float, default=0.2)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmpose.registry import DATASETS

    import bmc_mmpose  # noqa: F401  (registers the dataset classes)
    from bmc_mmpose.datasets import simulate_detections, write_simulated_detections
    from bmc_mmpose.geometry.camera_numpy import mirror_keypoints_2d
    from bmc_mmpose.utils.cli import dataset_config_at

    dataset_cfg = dataset_config_at(args.config, args.dataset_key)
    dataset_cfg['pipeline'] = []
    dataset = DATASETS.build(dataset_cfg)
    root = dataset_cfg.get('data_root', '') or ''
    keys, keypoints, hands, sizes = [], [], [], []
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        kpts = np.asarray(info['keypoints'], np.float64).reshape(21, 2)
        mirrored = bool(info.get('mirrored', False))
        width = height = 0
        if mirrored:  # the dataset flipped a left hand to the right; detections live in the image as stored
            image = cv2.imread(info['img_path'], cv2.IMREAD_UNCHANGED)
            if image is None:
                raise FileNotFoundError(f'{args.config}: cannot read image {info["img_path"]!r}')
            height, width = image.shape[:2]
            kpts = mirror_keypoints_2d(kpts, width)
        keys.append(osp.relpath(info['img_path'], root) if root else info['img_path'])
        keypoints.append(kpts)
        hands.append('left' if mirrored else 'right')
        sizes.append((width, height) if width > 0 else None)
    keypoints = np.stack(keypoints)
    sim = simulate_detections(keypoints, seed=args.seed, noise_std=args.noise_std, outlier_prob=args.outlier_prob,
                              drop_prob=args.drop_prob, confident_outlier_prob=args.confident_outlier_prob)
    image_sizes = sizes if all(s is not None for s in sizes) else None
    path = write_simulated_detections(args.out, keys, sim, hands, image_sizes)
    detected = ~sim.dropped
    err = sim.error[detected]
    print(f'wrote {path}: {len(keys)} images; joints dropped {sim.dropped.mean():.1%}, outliers '
          f'{sim.outlier.mean():.1%}; pixel error of detected joints median {np.median(err):.2f}, mean '
          f'{err.mean():.2f}; mean confidence inliers {sim.confidence[detected & ~sim.outlier].mean():.2f}, '
          f'outliers {sim.confidence[sim.outlier & detected].mean() if (sim.outlier & detected).any() else 0:.2f}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
