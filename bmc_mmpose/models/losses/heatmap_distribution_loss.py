# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Dense supervision of latent 2D heatmaps: KL divergence of their spatial softmax to a Gaussian at the label."""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmpose.registry import MODELS
from torch import Tensor, nn


@MODELS.register_module()
class HeatmapDistributionLoss(nn.Module):
    """``loss_weight * mean over labelled joints of KL(gaussian(label) || softmax(logits))``.

    A soft-argmax read-out supervised only through its expected position (L1 on ``(u, v)``) gets one gradient per
    joint and learns to localise slowly from scratch; a target distribution over every heatmap cell supervises
    the whole map, as heatmap losses do in 2D pose estimation, while the soft-argmax stays the read-out. The target
    is a normalised isotropic Gaussian of ``sigma`` heatmap cells at the label, with cell ``x`` at input pixel
    ``x W / w`` (the read-out's convention); the KL is 0 exactly when the softmax equals it. Joints whose label lies
    outside the crop get weight 0 (their truncated Gaussian would pull the mass onto the border).

    Args:
        sigma (float): standard deviation of the target in heatmap cells (> 0).
        loss_weight (float): global factor.
    """

    def __init__(self, sigma: float = 1.0, loss_weight: float = 1.0):
        super().__init__()
        if not sigma > 0:
            raise ValueError(f'HeatmapDistributionLoss: sigma must be > 0 heatmap cells, got {sigma}')
        self.sigma = float(sigma)
        self.loss_weight = float(loss_weight)

    def target(self, keypoints: Tensor, heatmap_size: Sequence[int], input_size: Sequence[int]) -> Tensor:
        """Normalised Gaussian targets ``(B, J, h, w)`` for labels ``(B, J, 2)`` in input (crop) pixels."""
        w, h = int(heatmap_size[0]), int(heatmap_size[1])
        cells = keypoints * keypoints.new_tensor([w / input_size[0], h / input_size[1]])
        xs = torch.arange(w, dtype=keypoints.dtype, device=keypoints.device)
        ys = torch.arange(h, dtype=keypoints.dtype, device=keypoints.device)
        log_gx = -(xs - cells[..., :1]) ** 2 / (2 * self.sigma ** 2)  # (B, J, w)
        log_gy = -(ys - cells[..., 1:]) ** 2 / (2 * self.sigma ** 2)  # (B, J, h)
        log_target = (log_gy[..., :, None] + log_gx[..., None, :]).flatten(2)
        return F.softmax(log_target, dim=-1).view(*keypoints.shape[:2], h, w)

    def forward(self, logits: Tensor, keypoints: Tensor, input_size: Sequence[int],
                weight: Optional[Tensor] = None) -> Tensor:
        """KL of the heatmap softmax to the label's Gaussian, averaged over the weighted joints.

        Args:
            logits (Tensor): ``(B, J, h, w)`` heatmap logits (before the spatial softmax).
            keypoints (Tensor): ``(B, J, 2)`` labels in input (crop) pixels.
            input_size (Sequence[int]): network input ``(W, H)`` in pixels.
            weight (Tensor, optional): ``(B, J)`` supervision weights (e.g. ``keypoint_weights``); None: all 1.

        Returns:
            Tensor: scalar loss (``loss_weight`` applied); 0 with zero gradient when no joint is supervised.
        """
        if logits.dim() != 4 or keypoints.shape != logits.shape[:2] + (2, ):
            raise ValueError(f'HeatmapDistributionLoss: expected logits (B, J, h, w) and keypoints (B, J, 2), got '
                             f'{tuple(logits.shape)} and {tuple(keypoints.shape)}')
        batch, joints, h, w = logits.shape
        target = self.target(keypoints, (w, h), input_size).flatten(2)
        log_prob = F.log_softmax(logits.flatten(2), dim=-1)
        # cells where the target underflows to 0 contribute 0 (also when their logit is -inf: no 0 * inf = NaN)
        terms = torch.where(target > 0, target * (torch.log(target.clamp(min=1e-38)) - log_prob),
                            torch.zeros_like(target))
        kl = terms.sum(-1)  # (B, J)
        size = keypoints.new_tensor([float(input_size[0]), float(input_size[1])])
        inside = ((keypoints >= 0) & (keypoints < size)).all(-1).to(kl)
        weight = inside if weight is None else weight.to(kl) * inside
        return self.loss_weight * (kl * weight).sum() / weight.sum().clamp(min=1)
