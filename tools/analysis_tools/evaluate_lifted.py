# Copyright (c) bmc_mmpose authors. All rights reserved.
"""How good are the hands of a lifted file as 3D labels? Compare them with a dataset's own 3D labels.

A lifted file (``bmc_mmpose.lifted/v1``, written by ``tools/inference/lift_keypoints.py``) is meant as 3D
pseudo-labels of a 2D-only dataset (``LoadLiftedKeypoints3D``). Where some 3D labels exist -- a labelled part held
back for checking, or a synthetic domain whose 3D a weakly supervised run never reads -- this tool measures the
pseudo-labels before anything trains on them. Each sample of the dataset (built with ``supervision='3d'``: its 3D
labels are read here, for this comparison only) gets its hand from the file through ``LoadLiftedKeypoints3D``
itself (same lookup, same mirroring); both are made root-relative and the lifted hand is scaled to the label's
reference bone (middle MCP -> PIP), because the 2.5D losses that consume it are scale-free. Printed (and written as
JSON with ``--out``): mean 3D and depth (Z) errors in mm, the same weighted by the transform's
``weighting='bmc_residual'`` weights when every hand has a ``bmc_residual``, and the Spearman rank correlation
between weight and 3D error (negative: the weight singles out the bad hands)::

    python tools/analysis_tools/evaluate_lifted.py LIFTED.json --dataset-config CONFIG \\
        --dataset-key train_dataloader.dataset.datasets.1 [--image-root DIR] [--out result.json]
"""
import argparse
import json
import os.path as osp
import sys
from typing import Dict

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # this checkout's bmc_mmpose first


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('lifted', help='bmc_mmpose.lifted/v1 JSON')
    parser.add_argument('--dataset-config', required=True, help='config holding the dataset')
    parser.add_argument('--dataset-key', default='train_dataloader.dataset',
                        help='dotted key of the dataset in the config (list items by index)')
    parser.add_argument('--image-root', default=None,
                        help="root the file's image keys are relative to (default: the dataset's data_root)")
    parser.add_argument('--out', default=None, help='write the result as JSON here')
    return parser.parse_args(argv)


def root_relative_errors(label: np.ndarray, lifted: np.ndarray) -> Dict[str, np.ndarray]:
    """Per-hand root-relative errors of lifted hands against labels, the lifted hands scaled to the labels'
    reference bone.

    Args:
        label: ``(N, 21, 3)`` mm, FreiHAND joint order.
        lifted: ``(N, 21, 3)`` any scale, same frames.

    Returns:
        ``{'3d': (N,), 'z': (N,)}``: mean joint distance and mean absolute depth difference per hand, mm.
    """
    from bmc_mmpose.geometry.camera_numpy import reference_bone_length
    label = label - label[:, :1]
    lifted = lifted - lifted[:, :1]
    lifted = lifted * (reference_bone_length(label) / reference_bone_length(lifted))[:, None, None]
    return {'3d': np.linalg.norm(lifted - label, axis=-1).mean(-1), 'z': np.abs(lifted[..., 2] - label[..., 2]).mean(-1)}


def main(argv=None):
    args = parse_args(argv)
    from mmengine.registry import init_default_scope
    from scipy.stats import spearmanr

    import bmc_mmpose  # noqa: F401  (registers the datasets and transforms)
    from bmc_mmpose.datasets.lifted import lifted_residuals, load_lifted
    from bmc_mmpose.utils.cli import dataset_config_at
    from mmpose.registry import DATASETS, TRANSFORMS
    init_default_scope('mmpose')
    dataset_cfg = dataset_config_at(args.dataset_config, args.dataset_key)
    dataset_cfg.update(pipeline=[], supervision='3d')
    dataset = DATASETS.build(dataset_cfg)
    lifted = load_lifted(args.lifted)
    try:
        weighted = len(lifted_residuals(lifted)) > 0
    except KeyError:  # lifted without BMC refinement: no residuals to weight by
        weighted = False
    load = TRANSFORMS.build(dict(type='LoadLiftedKeypoints3D', lifted_file=args.lifted,
                                 weighting='bmc_residual' if weighted else 'none',
                                 image_root=args.image_root or dataset_cfg.get('data_root')))
    labels, hands, weights = [], [], []
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        if float(np.asarray(info['has_3d']).reshape(-1)[0]) <= 0:
            raise ValueError(f'{args.dataset_config} ({args.dataset_key}): sample {info.get("img_path")} has no 3D '
                             'label to compare with')
        labels.append(np.asarray(info['keypoints_3d'], np.float64).reshape(-1, 3))
        result = load.transform(dict(info))
        hands.append(np.asarray(result['keypoints_3d'], np.float64).reshape(-1, 3))
        weights.append(float(np.asarray(result['has_3d']).reshape(-1)[0]))
    errors = root_relative_errors(np.stack(labels), np.stack(hands))
    weights = np.asarray(weights)
    out = dict(lifted=args.lifted, dataset_config=args.dataset_config, dataset_key=args.dataset_key,
               num_hands=len(weights), error_3d_mm=float(errors['3d'].mean()), error_z_mm=float(errors['z'].mean()))
    if weighted:
        out.update(weighted_error_3d_mm=float((weights * errors['3d']).sum() / weights.sum()),
                   weighted_error_z_mm=float((weights * errors['z']).sum() / weights.sum()),
                   spearman_weight_error_3d=float(spearmanr(weights, errors['3d']).correlation))
    for key, value in out.items():
        print(f'{key}: {value:.4f}' if isinstance(value, float) else f'{key}: {value}')
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(out, f, indent=1)
    return out


if __name__ == '__main__':
    main()
