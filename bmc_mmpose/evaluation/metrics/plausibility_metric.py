# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Share of predicted hands (and of their bones/joints) that violate each biomechanical constraint."""
from typing import Any, Dict, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmpose.registry import METRICS

from ._common import get_field, to_numpy

#: Constraint name -> (mask key returned by ``BMCLoss.terms``, number of elements per hand).
CONSTRAINTS = {
    'bone_length': ('violation_bone_length', 20),
    'root_curvature': ('violation_root_curvature', 4),
    'root_angle': ('violation_root_angle', 4),
    'joint_angle': ('violation_joint_angle', 15),
}
LOSS_TERMS = ('loss_bl', 'loss_rb', 'loss_a')


def _term(terms: Any, key: str) -> Any:
    if isinstance(terms, dict):
        if key not in terms:
            raise KeyError(f'HandPlausibilityMetric: BMCLoss.terms() returned no `{key}` (got {sorted(terms)})')
        return terms[key]
    if not hasattr(terms, key):
        raise KeyError(f'HandPlausibilityMetric: BMCLoss.terms() result has no `{key}`')
    return getattr(terms, key)


@METRICS.register_module()
class HandPlausibilityMetric(BaseMetric):
    """How often predictions break the BMC limits (bone length, root bones, joint angles).

    For every hand the BMC loss (``bmc_mmpose/models/losses/bmc_loss.py``) is evaluated on the predicted
    scale-normalised joints ``pred_instances.keypoints_3d_norm`` (1, 21, 3) with the given limits, through
    ``BMCLoss(limits=...).terms(joints)``, which returns per-sample ``loss_bl``, ``loss_rb``, ``loss_a`` and bool
    violation masks (B, 20) bone length, (B, 4) root curvature, (B, 4) root angle, (B, 15) joint angle. No label is
    needed, so every sample is counted, including the unlabelled ones.

    Reported (``<prefix>/<name>``): ``hands_<c>`` = share of hands with at least one violation of constraint
    ``c``; ``elements_<c>`` = share of that constraint's elements (bones / root-bone pairs / joints) violated;
    ``hands_any``; mean ``loss_bl``/``loss_rb``/``loss_a`` per hand. With ``eval_gt`` the same numbers are
    computed on the ground truth (``gt_``-prefixed; samples with ``has_3d_eval`` and a known
    ``ref_bone_length``), which shows how tight the limits are on real hands (ideally all 0).

    Args:
        limits (str | dict, optional): what ``BMCLoss(limits=...)`` accepts (a limits file path or name, or a
            dict); None = BMCLoss's default limits.
        eval_gt (bool): also measure the ground truth. Default True.
        shape_only (bool): divide every hand by its *own* reference bone (9 -> 10) first, so that only its shape
            is judged: a correct shape at a wrong global scale (e.g. from a root-depth error, which scales the
            whole hand) then counts as plausible. Default False (the hand as predicted, in the model's unit).
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): default ``'plausibility'``.
    """
    default_prefix: Optional[str] = 'plausibility'

    def __init__(self,
                 limits: Any = None,
                 eval_gt: bool = True,
                 shape_only: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.limits = limits
        self.eval_gt = eval_gt
        self.shape_only = bool(shape_only)
        self._loss = None

    @property
    def bmc_loss(self):
        """The ``BMCLoss`` holding the limits (built on first use)."""
        if self._loss is None:
            from bmc_mmpose.models.losses.bmc_loss import BMCLoss
            kwargs = dict(input_unit='mm', scale_source='predicted') if self.shape_only else {}
            if self.limits is not None:
                kwargs['limits'] = self.limits
            self._loss = BMCLoss(**kwargs)
        return self._loss

    def process(self, data_batch: Optional[dict], data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            pred = get_field(sample, 'pred_instances', 'data_sample')
            if 'keypoints_3d_norm' in pred:
                joints = to_numpy(pred['keypoints_3d_norm'], 'pred_instances.keypoints_3d_norm')
            else:
                ref = float(sample.get('ref_bone_length', 0.0) or 0.0)
                if ref <= 0:
                    raise KeyError('HandPlausibilityMetric: needs `pred_instances.keypoints_3d_norm`, or '
                                   '`pred_instances.keypoints_3d` with a positive `ref_bone_length` in the metainfo')
                joints = to_numpy(get_field(pred, 'keypoints_3d', 'pred_instances'), 'keypoints_3d') / ref
            item = dict(pred=joints.reshape(21, 3), gt=None)
            gt = sample.get('gt_instances', None) or {}
            if self.eval_gt and 'keypoints_3d' in gt and 'has_3d_eval' in gt:
                has_3d = bool(to_numpy(gt['has_3d_eval'], 'has_3d_eval').reshape(-1)[0])
                ref = to_numpy(gt.get('ref_bone_length', np.zeros(1)), 'ref_bone_length').reshape(-1)[0]
                if has_3d and ref > 0:
                    item['gt'] = to_numpy(gt['keypoints_3d'], 'gt_instances.keypoints_3d').reshape(21, 3) / ref
            self.results.append(item)

    def _rates(self, joints: np.ndarray) -> Dict[str, float]:
        import torch
        with torch.no_grad():
            terms = self.bmc_loss.terms(torch.as_tensor(joints, dtype=torch.float32))
        out: Dict[str, float] = {}
        any_violation = np.zeros(len(joints), dtype=bool)
        for name, (key, num) in CONSTRAINTS.items():
            mask = to_numpy(_term(terms, key), key, dtype=bool).reshape(len(joints), -1)
            if mask.shape[1] != num:
                raise ValueError(f'HandPlausibilityMetric: `{key}` must have shape (B, {num}), got {mask.shape}')
            per_hand = mask.any(axis=1)
            any_violation |= per_hand
            out[f'hands_{name}'] = float(per_hand.mean())
            out[f'elements_{name}'] = float(mask.mean())
        out['hands_any'] = float(any_violation.mean())
        for key in LOSS_TERMS:
            out[key] = float(to_numpy(_term(terms, key), key).reshape(len(joints), -1).sum(axis=1).mean())
        return out

    def compute_metrics(self, results: list) -> Dict[str, float]:
        if not results:
            return {}
        metrics = self._rates(np.stack([r['pred'] for r in results]))
        metrics['num_hands'] = float(len(results))
        gts = [r['gt'] for r in results if r['gt'] is not None]
        if gts:
            metrics.update({f'gt_{k}': v for k, v in self._rates(np.stack(gts)).items()})
            metrics['gt_num_hands'] = float(len(gts))
        return metrics
