# Copyright (c) bmc_mmpose authors. All rights reserved.
"""L1 loss averaged over the supervised elements only (mixed 3D / 2D-only batches)."""
from typing import Optional

import torch
from mmpose.registry import MODELS
from torch import Tensor, nn


@MODELS.register_module()
class MaskedL1Loss(nn.Module):
    """``loss_weight * sum(|pred - target| * w) / max(#supervised elements, 1)``.

    The weights ``w`` cover the leading dimensions of ``pred`` (e.g. ``(B, J)`` per-joint 2D weights for
    ``(B, J, 2)`` pixels, or ``(B,)`` per-sample 3D flags for ``(B, J)`` depths or ``(B,)`` root depths) and are
    broadcast over the rest; the number of supervised elements is ``sum(w)`` times the number of elements each
    weight covers. The denominator is clamped to >= 1, so a batch without any supervised sample (e.g. only
    2D-labelled hands for a depth term) gives exactly 0 with zero gradient instead of NaN, and one sample's
    term does not depend on how many unsupervised samples share its batch.

    Args:
        loss_weight (float): global factor (the lambda of the objective).
    """

    def __init__(self, loss_weight: float = 1.0):
        super().__init__()
        self.loss_weight = float(loss_weight)

    def forward(self, pred: Tensor, target: Tensor, weight: Optional[Tensor] = None) -> Tensor:
        """Masked mean absolute error.

        Args:
            pred (Tensor): predictions of any shape, e.g. ``(B, J, 2)``.
            target (Tensor): targets of the same shape.
            weight (Tensor, optional): weights of the leading dimensions of ``pred`` (``pred.shape[:k]``); None
                supervises every element.

        Returns:
            Tensor: scalar loss (``loss_weight`` applied).
        """
        if pred.shape != target.shape:
            raise ValueError(f'MaskedL1Loss: pred {tuple(pred.shape)} and target {tuple(target.shape)} differ')
        if weight is None:
            weight = torch.ones_like(pred)
        if weight.shape != pred.shape[:weight.dim()]:
            raise ValueError(f'MaskedL1Loss: weight {tuple(weight.shape)} must cover the leading dimensions of '
                             f'pred {tuple(pred.shape)}')
        per_weight = pred.numel() // max(weight.numel(), 1)
        expanded = weight.reshape(weight.shape + (1, ) * (pred.dim() - weight.dim()))
        return self.loss_weight * ((pred - target).abs() * expanded).sum() / (per_weight * weight.sum()).clamp(min=1)
