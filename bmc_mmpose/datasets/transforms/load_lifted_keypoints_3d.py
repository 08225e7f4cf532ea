# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Use lifted (and BMC-refined) 3D hands of a 2D-only dataset as its 3D pseudo-labels."""
from typing import Dict, Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS

from bmc_mmpose.geometry.camera_numpy import mirror_points_3d

from ..lifted import PSEUDO_LABEL_WEIGHTINGS, LiftedHands, bmc_residual_confidence, lifted_residuals, load_lifted

_KEY_BY = ('img_path', 'img_id', 'sample_idx')
_ON_MISSING = ('error', 'keep')


@TRANSFORMS.register_module()
class LoadLiftedKeypoints3D(BaseTransform):
    """Set a sample's 3D label to its hand in a lifted-hands file (``bmc_mmpose.datasets.lifted``), as a pseudo-label.

    Not in the paper: the second step of BMC-refined pseudo-labelling (``docs/results/lifting_proxy.md``). A
    keypoint lifter trained on 3D labels of one domain and 2D labels of another lifts the second domain's 2D labels
    with test-time BMC refinement (``tools/inference/lift_keypoints.py --dataset-config ... --cfg-options
    model.test_cfg.bmc_refine...``); a second training reads the written file through this transform and supervises
    the lifted hands' depths like 3D labels.

    Sets ``keypoints_3d`` (1, 21, 3) mm (the file's hand, mirrored ``x -> -x`` when the dataset mirrored the sample,
    i.e. ``mirrored=True``: the file is in the frame of the image as stored), ``ref_bone_length`` (1,) to the file's
    ``ref_bone_mm`` (the scale the hand was lifted at; the depth targets are scale-free) and ``has_3d`` (1,) to the
    hand's weight: 1, or with ``weighting='bmc_residual'`` :func:`bmc_residual_confidence` of the L_BMC the hand kept
    after refinement (its ``bmc_residual``, under the refinement's own loss; over every hand of the file; mean 1).
    The 2D label is left
    alone (the user's 2D), and so is ``has_3d_eval``: use this transform in *training* pipelines only.

    The lifted file must use the dataset's own cameras (``lift_keypoints.py --dataset-config`` does): the 3D label is
    interpreted with the sample's ``cam_K``. Place it **before** the crop transform (``HandCropAffine`` or
    ``KeypointLifterInputs``).

    Args:
        lifted_file (str): ``bmc_mmpose.lifted/v1`` JSON.
        weighting (str): ``'none'`` (weight 1) or ``'bmc_residual'``.
        key_by (str): ``'img_path'`` (default; the key is the image path relative to ``image_root``, or, without it,
            any trailing part of the path), ``'img_id'`` or ``'sample_idx'`` (the integer as a string).
        image_root (str, optional): root the ``img_path`` keys are relative to.
        on_missing (str): ``'error'`` (default): a ``KeyError`` naming the file and the sample; ``'keep'``: the
            sample keeps the dataset's own labels (2D-only, ``has_3d`` 0, for a 2D-only dataset); counted in
            ``num_missing``.
    """

    def __init__(self, lifted_file: str, weighting: str = 'none', key_by: str = 'img_path',
                 image_root: Optional[str] = None, on_missing: str = 'error'):
        for name, value, allowed in (('weighting', weighting, PSEUDO_LABEL_WEIGHTINGS), ('key_by', key_by, _KEY_BY),
                                     ('on_missing', on_missing, _ON_MISSING)):
            if value not in allowed:
                raise ValueError(f'LoadLiftedKeypoints3D: {name} must be one of {allowed}, got {value!r}')
        self.lifted_file = str(lifted_file)
        self.lifted: LiftedHands = load_lifted(lifted_file)
        self.weighting = weighting
        self.key_by = key_by
        self.image_root = image_root
        self.on_missing = on_missing
        self.num_missing = 0
        self.weights: Dict[tuple, float] = {}
        if weighting == 'bmc_residual' and len(self.lifted):
            import torch
            residuals = lifted_residuals(self.lifted)
            values = bmc_residual_confidence(torch.tensor(list(residuals.values()), dtype=torch.float64))
            self.weights = dict(zip(residuals, values.tolist()))

    def transform(self, results: Dict) -> Dict:
        if 'transformed_keypoints' in results:
            raise RuntimeError('LoadLiftedKeypoints3D must come before the crop transform (HandCropAffine / '
                               'KeypointLifterInputs) in the pipeline')
        if self.key_by not in results:
            raise KeyError(f'LoadLiftedKeypoints3D: results lack {self.key_by!r} (key_by={self.key_by!r})')
        query = results[self.key_by] if self.key_by == 'img_path' else int(results[self.key_by])
        side = 'left' if results.get('mirrored', False) else 'right'
        key = self.lifted.find_key(query, self.image_root)
        if key is None or self.lifted.get(key, side) is None:
            if self.on_missing == 'error':
                what = f'no entry for {self.key_by}={query!r}' if key is None else f'entry {key!r} has no {side} hand'
                raise KeyError(f'LoadLiftedKeypoints3D: {self.lifted_file}: {what}; lift it, or set '
                               'on_missing="keep"')
            self.num_missing += 1
            return results
        xyz = self.lifted.joints_mm(key, side)
        if side == 'left':
            xyz = mirror_points_3d(xyz)
        results['keypoints_3d'] = xyz.astype(np.float32)[None]
        results['ref_bone_length'] = np.array([self.lifted.ref_bone_mm], np.float32)
        results['has_3d'] = np.array([self.weights.get((key, side), 1.0)], np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(lifted_file={self.lifted_file!r}, weighting={self.weighting!r}, '
                f'key_by={self.key_by!r}, on_missing={self.on_missing!r})')
