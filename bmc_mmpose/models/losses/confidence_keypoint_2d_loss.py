# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Confidence-weighted SmoothL1 loss on 2D keypoints (S2HAND, Chen et al. CVPR 2021, Sec. 3.4.1, Eq. 3)."""
from typing import Optional

import torch
import torch.nn.functional as F
from mmpose.registry import MODELS
from torch import Tensor, nn

_NORMALIZE = ('weight_sum', 'num_joints')


@MODELS.register_module()
class ConfidenceKeypoint2DLoss(nn.Module):
    """``E_loc = sum_i con_i SmoothL1(j_i^de, j_i^pred) / N`` on 2D keypoints with per-joint confidences.

    S2HAND supervises with an off-the-shelf 2D detector's keypoints and weights every joint by the detector's
    confidence ``con_i`` in ``[0, 1]``; SmoothL1 (Huber with slope 1) makes the term robust to the systematic
    offsets between detector and model keypoints. Here the confidences arrive as ``keypoint_weights`` (the
    dataset's ``keypoints_visible`` = confidence-as-weight, ``docs/architecture.md``); binary weights give the
    ordinary masked SmoothL1 loss.

    Normalisation ``N``:

    - ``'weight_sum'`` (default): the sum of all weights in the batch (times 2 for the two coordinates), i.e. a
      confidence-weighted mean: its value does not depend on how many joints were detected, and a batch whose
      weights are all zero gives exactly 0 with zero gradient (the denominator is clamped at ``eps``; the
      numerator is then exactly 0).
    - ``'num_joints'``: S2HAND's literal ``1/k``: the number of joints times batch size (times 2), so that
      low-confidence samples also contribute less in total.

    Args:
        beta (float): SmoothL1 transition point, in the unit of the inputs (quadratic below ``beta``, linear
            above). ``beta = 0`` is the L1 loss. Defaults to 1.0 (PyTorch's and S2HAND's SmoothL1).
        normalize (str): ``'weight_sum'`` or ``'num_joints'``.
        loss_weight (float): global factor.
        eps (float): lower clamp of the weight-sum denominator.
        loss_name (str): name under which the loss is logged.
    """

    def __init__(self,
                 beta: float = 1.0,
                 normalize: str = 'weight_sum',
                 loss_weight: float = 1.0,
                 eps: float = 1e-6,
                 loss_name: str = 'loss_2d'):
        super().__init__()
        if not beta >= 0:
            raise ValueError(f'ConfidenceKeypoint2DLoss: beta must be >= 0, got {beta!r}')
        if normalize not in _NORMALIZE:
            raise ValueError(f'ConfidenceKeypoint2DLoss: normalize must be one of {_NORMALIZE}, got {normalize!r}')
        if not eps > 0:
            raise ValueError(f'ConfidenceKeypoint2DLoss: eps must be > 0, got {eps!r}')
        self.beta = float(beta)
        self.normalize = normalize
        self.loss_weight = float(loss_weight)
        self.eps = float(eps)
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        return self._loss_name

    def per_joint(self, pred: Tensor, target: Tensor) -> Tensor:
        """SmoothL1 summed over the coordinates, ``(B, J, D), (B, J, D) -> (B, J)``."""
        if self.beta == 0:
            return (pred - target).abs().sum(-1)
        return F.smooth_l1_loss(pred, target, reduction='none', beta=self.beta).sum(-1)

    def forward(self, pred: Tensor, target: Tensor, keypoint_weights: Optional[Tensor] = None) -> Tensor:
        """Confidence-weighted SmoothL1 loss.

        Args:
            pred (Tensor): ``(B, J, D)`` predicted keypoints (D = 2; pixels or any normalised unit).
            target (Tensor): ``(B, J, D)`` detected / labelled keypoints in the same unit. Entries with weight 0
                may hold anything finite.
            keypoint_weights (Tensor, optional): ``(B, J)`` confidences (>= 0); None means all ones.

        Returns:
            Tensor: scalar loss (``loss_weight`` applied).
        """
        if pred.shape != target.shape or pred.dim() != 3:
            raise ValueError(f'ConfidenceKeypoint2DLoss: pred and target must both be (B, J, D), got '
                             f'{tuple(pred.shape)} and {tuple(target.shape)}')
        if keypoint_weights is None:
            keypoint_weights = pred.new_ones(pred.shape[:2])
        if keypoint_weights.shape != pred.shape[:2]:
            raise ValueError(f'ConfidenceKeypoint2DLoss: keypoint_weights must be {tuple(pred.shape[:2])}, got '
                             f'{tuple(keypoint_weights.shape)}')
        weights = keypoint_weights.to(pred)
        # Targets of zero-weight joints are replaced (not multiplied) so that a non-finite placeholder there
        # cannot produce 0 * inf = nan in the value or the gradient.
        target = torch.where(weights[..., None] > 0, target.to(pred), pred.detach())
        weighted = (self.per_joint(pred, target) * weights).sum()
        dims = pred.shape[-1]
        if self.normalize == 'weight_sum':
            denominator = (dims * weights.sum()).clamp_min(self.eps)
        else:
            denominator = pred.new_tensor(float(dims * weights.numel())).clamp_min(1.0)
        return self.loss_weight * weighted / denominator
