# Copyright (c) bmc_mmpose authors. All rights reserved.
from typing import Optional, Sequence, Tuple, Union

import torch
from mmpose.registry import MODELS
from mmpose.utils.typing import OptConfigType
from torch import Tensor

from bmc_mmpose.geometry.skeleton import NUM_JOINTS, ROOT_JOINT

from .hand3d_estimator import Hand3DEstimator

#: Per-joint channels of the lifter's input tensor (``PackKeypointLifterInputs``): crop pixels ``u, v``, the ray
#: ``K^-1 [u, v, 1]`` (x, y; its z is 1) and the keypoint's confidence / weight.
LIFTER_INPUT_CHANNELS = ('u', 'v', 'ray_x', 'ray_y', 'confidence')


def lifter_input_features(rays_xy: Tensor, confidence: Tensor, eps: float = 1e-6) -> Tensor:
    """Camera-independent lifter input: root-relative, scale-normalised rays, the root's ray and confidences.

    ``rel_j = (x_j - x_root) / s`` with ``x = K^-1 [u, v, 1]`` (x, y parts) and ``s`` the root-mean-square length of
    ``x_j - x_root`` over the joints with confidence > 0 (so neither the focal length, the image size nor the
    distance of the hand enters); joints with confidence 0 get ``rel = 0``. The root's ray ``x_root`` keeps the
    viewing direction (perspective foreshortening depends on it).

    Args:
        rays_xy (Tensor): ``(B, J, 2)`` normalised image coordinates ``K^-1 [u, v, 1]`` (first two components).
        confidence (Tensor): ``(B, J)`` in [0, 1].
        eps (float): floor of ``s`` (normalised image units).

    Returns:
        Tensor: ``(B, 3 J + 2)`` = ``rel`` (2 J), ``x_root`` (2), ``confidence`` (J).
    """
    present = (confidence > 0).to(rays_xy)
    rel = (rays_xy - rays_xy[:, ROOT_JOINT:ROOT_JOINT + 1]) * present[..., None]
    mean_sq = (rel * rel).sum(dim=(1, 2)) / present.sum(-1).clamp(min=1)
    scale = mean_sq.clamp(min=eps * eps).sqrt()
    return torch.cat([(rel / scale[:, None, None]).flatten(1), rays_xy[:, ROOT_JOINT], confidence], dim=1)


@MODELS.register_module()
class KeypointLifter(Hand3DEstimator):
    """Lift 2D hand keypoints to 3D: a keypoint-input estimator (no image) with the 2.5D lifting of the paper.

    Input (``PackKeypointLifterInputs``): per sample a ``(J, 5)`` tensor, channels ``LIFTER_INPUT_CHANNELS``: the
    input keypoints in pixels of a virtual crop around them (``KeypointLifterInputs``), their rays ``K^-1 [u, v,
    1]`` and confidences. :meth:`extract_feat` turns it into :func:`lifter_input_features` (camera-independent),
    runs the backbone (e.g. :class:`ResidualMLP`) and hands ``(features, keypoints_in)`` to the head
    (:class:`KeypointLifterHead`), which predicts ``z_r`` and a 2D residual and reuses :class:`Hand25DHead`'s
    lifting (closed-form Z-root + refiner), losses and BMC. Training, prediction and the mapping of predictions to
    the original image and camera are :class:`Hand3DEstimator`'s, so the data contract of ``docs/architecture.md``
    holds unchanged (the virtual crop plays the image crop's role).

    Args: see :class:`Hand3DEstimator`; the backbone's ``in_channels`` must be ``3 * num_joints + 2`` (65).
    """

    def __init__(self,
                 backbone: dict,
                 head: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptConfigType = None,
                 metainfo: Optional[dict] = None,
                 num_joints: int = NUM_JOINTS):
        super().__init__(backbone=backbone, head=head, train_cfg=train_cfg, test_cfg=test_cfg,
                         data_preprocessor=data_preprocessor, init_cfg=init_cfg, metainfo=metainfo)
        self.num_joints = num_joints

    def extract_feat(self, inputs: Union[Tensor, Sequence[Tensor]]) -> Tuple[Tensor, Tensor]:
        """``(B, J, 5)`` keypoint inputs (or a list of ``(J, 5)``) -> ``(features (B, C), keypoints_in (B, J, 2))``."""
        if isinstance(inputs, (list, tuple)):
            inputs = torch.stack(list(inputs))
        if inputs.dim() != 3 or inputs.shape[1:] != (self.num_joints, len(LIFTER_INPUT_CHANNELS)):
            raise ValueError(f'KeypointLifter: expected inputs (B, {self.num_joints}, {len(LIFTER_INPUT_CHANNELS)}) '
                             f'with channels {LIFTER_INPUT_CHANNELS}, got {tuple(inputs.shape)}; use '
                             'PackKeypointLifterInputs')
        inputs = inputs.float()
        feats = self.backbone(lifter_input_features(inputs[..., 2:4], inputs[..., 4]))
        return feats[-1], inputs[..., :2]
