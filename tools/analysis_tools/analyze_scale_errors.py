# Copyright (c) bmc_mmpose authors. All rights reserved.
"""How much of a model's root-relative 3D error is the hand's scale (its root depth) and how much its shape.

The 2.5D representation places joint ``j`` at ``(Z_root + z_r_j) K^-1 [u_j, v_j, 1]``: a wrong root depth scales
the hand in x and y but not in z, so the root-relative error mixes a scale error with a shape error. For each
``tools/test.py`` work dir given, this reads the predictions ``Hand3DMetric`` wrote (``hand3d_predictions.json``)
and the ground truth of the test dataset, and prints per run (all in mm, means over joints and hands):

* ``3D rel``: the root-relative error (``Hand3DMetric``'s ``EPE_rel_mean``); ``xy`` and ``z`` its parts;
* ``3D rel, scale-fitted``: the same after the one scale factor per hand that fits the truth best (least squares);
* ``root depth pred/true``: median and quartiles of the predicted over the true root depth;
* ``size pred/true``: median ratio of the mean root-to-joint distances;
* ``3D rel, true root depth``: the prediction's rays and relative depths placed at the true root depth (what the
  2D and ``z_r`` alone cost);
* ``3D rel, true depths``: the prediction's rays with every joint at its true depth (what the 2D error alone costs:
  no depth prediction, and so no depth constraint like BMC, can go below it).

Example (the proxy rows of ``tools/experiments/run_proxy_experiments.py``)::

    python tools/analysis_tools/analyze_scale_errors.py configs/synthetic/proxy/a3d_b2d_bmc.py \\
        work_dirs/proxy/a3d_b2d/test work_dirs/proxy/a3d_b2d_bmc/test
"""
import argparse
import json
import os.path as osp
import sys
from pathlib import Path
from typing import Dict

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's bmc_mmpose first

from bmc_mmpose.geometry.skeleton import ROOT_JOINT  # noqa: E402


def scale_error_summary(pred: np.ndarray, gt: np.ndarray) -> Dict[str, float]:
    """Scale-versus-shape decomposition of 3D errors.

    Args:
        pred: ``(N, 21, 3)`` predicted camera-frame joints (mm).
        gt: ``(N, 21, 3)`` true camera-frame joints (mm), same order.

    Returns:
        dict: ``epe_rel``, ``epe_rel_xy``, ``epe_rel_z``, ``epe_rel_scale_fitted``, ``epe_rel_true_root``,
        ``epe_rel_true_depths`` (mm); ``root_depth_ratio_q25``, ``_median``, ``_q75`` (predicted / true root depth);
        ``size_ratio_median``.
    """
    pred_rel = pred - pred[:, ROOT_JOINT:ROOT_JOINT + 1]
    gt_rel = gt - gt[:, ROOT_JOINT:ROOT_JOINT + 1]
    # least-squares scale per hand; a collapsed prediction (all joints at the root) keeps scale 1
    energy = (pred_rel * pred_rel).sum((1, 2))
    scale = np.where(energy > 0, (pred_rel * gt_rel).sum((1, 2)) / np.maximum(energy, 1e-12), 1.0)
    size_ratio = np.linalg.norm(pred_rel, axis=-1).mean(1) / np.maximum(np.linalg.norm(gt_rel, axis=-1).mean(1), 1e-12)
    depth_ratio = pred[:, ROOT_JOINT, 2] / gt[:, ROOT_JOINT, 2]
    q25, median, q75 = np.percentile(depth_ratio, [25, 50, 75])
    # rays of the predicted 2D (x/z, y/z, 1); they hold for joints placed behind the camera too (a root depth
    # predicted too small can put Z_root + z_r below 0); a joint at depth 0 exactly has no ray and keeps its position
    depth = pred[..., 2:3]
    has_ray = np.abs(depth) > 1e-9
    rays = np.where(has_ray, pred / np.where(has_ray, depth, 1.0), pred)
    root = slice(ROOT_JOINT, ROOT_JOINT + 1)
    at_true_root = rays * (gt[:, root, 2:3] + pred[..., 2:3] - pred[:, root, 2:3])
    at_true_depths = rays * gt[..., 2:3]

    def epe_rel(hands):
        return float(np.linalg.norm((hands - hands[:, ROOT_JOINT:ROOT_JOINT + 1]) - gt_rel, axis=-1).mean())

    return dict(
        epe_rel=epe_rel(pred),
        epe_rel_xy=float(np.linalg.norm(pred_rel[..., :2] - gt_rel[..., :2], axis=-1).mean()),
        epe_rel_z=float(np.abs(pred_rel[..., 2] - gt_rel[..., 2]).mean()),
        epe_rel_scale_fitted=float(np.linalg.norm(scale[:, None, None] * pred_rel - gt_rel, axis=-1).mean()),
        epe_rel_true_root=epe_rel(at_true_root),
        epe_rel_true_depths=epe_rel(at_true_depths),
        root_depth_ratio_q25=float(q25),
        root_depth_ratio_median=float(median),
        root_depth_ratio_q75=float(q75),
        size_ratio_median=float(np.median(size_ratio)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='config whose test dataset the runs were evaluated on')
    parser.add_argument('test_dirs', nargs='+', help='tools/test.py work dirs holding hand3d_predictions.json')
    parser.add_argument('--dataset-key', default='test_dataloader.dataset')
    args = parser.parse_args()

    from bmc_mmpose.utils.cli import build_annotation_dataset
    dataset = build_annotation_dataset(args.config, args.dataset_key)
    truth = {}
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        if info.get('has_3d_eval', True):
            truth[info['img_path']] = np.asarray(info['keypoints_3d'], np.float64).reshape(21, 3)

    print('| run | 3D rel | xy | z | 3D rel, scale-fitted | root depth pred/true (q25, median, q75) | '
          'size pred/true | 3D rel, true root depth | 3D rel, true depths |\n|---|---|---|---|---|---|---|---|---|')
    for test_dir in args.test_dirs:
        path = osp.join(test_dir, 'hand3d_predictions.json')
        if not osp.isfile(path):
            parser.error(f'{path} does not exist: run tools/test.py with Hand3DMetric(write_predictions=True) there')
        with open(path) as f:
            predictions = [p for p in json.load(f) if p['img_path'] in truth]
        if not predictions:
            parser.error(f'{path}: none of its images is a 3D-labelled sample of {args.dataset_key} in {args.config}')
        pred = np.stack([np.asarray(p['keypoints_3d_mm'], np.float64).reshape(21, 3) for p in predictions])
        gt = np.stack([truth[p['img_path']] for p in predictions])
        s = scale_error_summary(pred, gt)
        print(f'| {test_dir} | {s["epe_rel"]:.2f} | {s["epe_rel_xy"]:.2f} | {s["epe_rel_z"]:.2f} | '
              f'{s["epe_rel_scale_fitted"]:.2f} | {s["root_depth_ratio_q25"]:.3f}, {s["root_depth_ratio_median"]:.3f}, '
              f'{s["root_depth_ratio_q75"]:.3f} | {s["size_ratio_median"]:.3f} | {s["epe_rel_true_root"]:.2f} | '
              f'{s["epe_rel_true_depths"]:.2f} |')


if __name__ == '__main__':
    main()
