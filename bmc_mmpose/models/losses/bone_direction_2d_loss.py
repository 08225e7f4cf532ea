# Copyright (c) bmc_mmpose authors. All rights reserved.
"""2D bone-direction loss of S2HAND (Chen et al. CVPR 2021, Sec. 3.4.1, Eq. 4)."""
from typing import Optional

import torch
from mmpose.registry import MODELS
from torch import Tensor, nn

from ...geometry.bones import safe_normalize
from ...geometry.skeleton import BONE_CHILDREN, BONE_PARENTS, NUM_JOINTS

_DISTANCES = ('l2_squared', 'l2', 'l1')
_NORMALIZE = ('weight_sum', 'num_bones')


@MODELS.register_module()
class BoneDirection2DLoss(nn.Module):
    """``E_ori = sum_i con_i^bone || nu_i^de - nu_i^pred ||_2^2 / N`` over the 20 bones of the 2D hand.

    ``nu_i`` is the *normalised* 2D bone vector (parent -> child joint, bones of
    :mod:`bmc_mmpose.geometry.skeleton`: ``BONE_PARENTS`` / ``BONE_CHILDREN``) of the detected (target) and the
    predicted keypoints, and ``con_i^bone`` the product of the confidences of the bone's two joints. The term
    only constrains the *direction* of every bone, so it is invariant to the 2D scale of either hand: parallel
    bones (same direction, any lengths) cost exactly 0.

    Degenerate bones: a target bone shorter than ``eps`` has no direction and gets weight 0. A predicted bone
    shorter than ``eps`` is normalised by ``eps`` instead of its length
    (:func:`bmc_mmpose.geometry.bones.safe_normalize`), so value and gradient stay finite (the gradient of a
    direction with respect to its vector grows like ``1 / length``; ``eps`` bounds it by ``1 / eps``).

    Args:
        distance (str): ``'l2_squared'`` (S2HAND Eq. 4, default), ``'l2'`` (Euclidean distance of the unit
            vectors, finite gradient at 0) or ``'l1'``.
        normalize (str): ``'weight_sum'`` (default: divide by the sum of the bone weights, clamped at
            ``1e-6``, i.e. a weighted mean; all-zero weights give 0, finite) or ``'num_bones'`` (S2HAND's literal
            ``1/m``: bones x batch size).
        loss_weight (float): global factor (S2HAND's ``w_ori``).
        eps (float): degenerate-bone threshold in the unit of the inputs (default 1e-4: 0.01 px on a 128 px
            crop in normalised units, 1e-4 px in pixels).
        loss_name (str): name under which the loss is logged.
    """

    def __init__(self,
                 distance: str = 'l2_squared',
                 normalize: str = 'weight_sum',
                 loss_weight: float = 1.0,
                 eps: float = 1e-4,
                 loss_name: str = 'loss_bone_dir'):
        super().__init__()
        if distance not in _DISTANCES:
            raise ValueError(f'BoneDirection2DLoss: distance must be one of {_DISTANCES}, got {distance!r}')
        if normalize not in _NORMALIZE:
            raise ValueError(f'BoneDirection2DLoss: normalize must be one of {_NORMALIZE}, got {normalize!r}')
        if not eps > 0:
            raise ValueError(f'BoneDirection2DLoss: eps must be > 0, got {eps!r}')
        self.distance = distance
        self.normalize = normalize
        self.loss_weight = float(loss_weight)
        self.eps = float(eps)
        self._loss_name = loss_name
        self.register_buffer('bone_parents', torch.as_tensor(BONE_PARENTS, dtype=torch.long), persistent=False)
        self.register_buffer('bone_children', torch.as_tensor(BONE_CHILDREN, dtype=torch.long), persistent=False)

    @property
    def loss_name(self) -> str:
        return self._loss_name

    def bone_directions(self, keypoints: Tensor) -> Tensor:
        """Unit 2D bone vectors, ``(B, 21, D) -> (B, 20, D)`` (bones shorter than ``eps`` shrink towards 0)."""
        bones = keypoints.index_select(1, self.bone_children) - keypoints.index_select(1, self.bone_parents)
        return safe_normalize(bones, self.eps)

    def bone_weights(self, target: Tensor, keypoint_weights: Tensor) -> Tensor:
        """``con_parent * con_child`` per bone, 0 for target bones shorter than ``eps``: ``(B, 20)``."""
        weights = keypoint_weights.index_select(1, self.bone_parents) * keypoint_weights.index_select(
            1, self.bone_children)
        bones = target.index_select(1, self.bone_children) - target.index_select(1, self.bone_parents)
        return weights * (bones.detach().abs().amax(-1) >= self.eps).to(weights)

    def forward(self, pred: Tensor, target: Tensor, keypoint_weights: Optional[Tensor] = None) -> Tensor:
        """Confidence-weighted bone-direction loss.

        Args:
            pred (Tensor): ``(B, 21, D)`` predicted keypoints (D = 2; pixels or a normalised unit).
            target (Tensor): ``(B, 21, D)`` detected / labelled keypoints (same unit; any finite value where the
                weight is 0).
            keypoint_weights (Tensor, optional): ``(B, 21)`` per-joint confidences; None means all ones.

        Returns:
            Tensor: scalar loss (``loss_weight`` applied).
        """
        if pred.shape != target.shape or pred.dim() != 3 or pred.shape[1] != NUM_JOINTS:
            raise ValueError(f'BoneDirection2DLoss: pred and target must both be (B, {NUM_JOINTS}, D), got '
                             f'{tuple(pred.shape)} and {tuple(target.shape)}')
        if keypoint_weights is None:
            keypoint_weights = pred.new_ones(pred.shape[:2])
        if keypoint_weights.shape != pred.shape[:2]:
            raise ValueError(f'BoneDirection2DLoss: keypoint_weights must be {tuple(pred.shape[:2])}, got '
                             f'{tuple(keypoint_weights.shape)}')
        weights = keypoint_weights.to(pred)
        # Zero-weight joints may hold placeholders (OpenPose writes 0, 0, 0); keep them from reaching the maths.
        target = torch.where(weights[..., None] > 0, target.to(pred), torch.zeros_like(pred))
        bone_weight = self.bone_weights(target, weights)
        diff = self.bone_directions(target).detach() - self.bone_directions(pred)
        if self.distance == 'l2_squared':
            per_bone = diff.square().sum(-1)
        elif self.distance == 'l1':
            per_bone = diff.abs().sum(-1)
        else:
            # sqrt'(0) is infinite: replace the input before the root (double-where), so parallel bones give
            # exactly 0 with zero gradient.
            squared = diff.square().sum(-1)
            positive = squared > 1e-12
            per_bone = torch.where(positive, torch.where(positive, squared, torch.ones_like(squared)).sqrt(),
                                   torch.zeros_like(squared))
        weighted = (per_bone * bone_weight).sum()
        if self.normalize == 'weight_sum':
            denominator = bone_weight.sum().clamp_min(1e-6)
        else:
            denominator = pred.new_tensor(float(bone_weight.numel())).clamp_min(1.0)
        return self.loss_weight * weighted / denominator
