# Copyright (c) bmc_mmpose authors. All rights reserved.
from typing import Optional, Sequence, Tuple

import torch
from mmpose.registry import MODELS
from torch import Tensor

from bmc_mmpose.geometry.kinematics import TEMPLATE_BONE_LENGTHS
from bmc_mmpose.geometry.skeleton import NUM_BONES
from bmc_mmpose.geometry.zroot_bones import zroot_from_bones

from .hand25d_head import Hand25DHead

_ROOT_SOLVERS = ('closed_form', 'bones')


@MODELS.register_module()
class KeypointLifterHead(Hand25DHead):
    """2.5D head for a keypoint-input lifter: ``z_r`` and a correction of the input 2D, then the 2.5D lifting.

    The read-out is :class:`KeypointResidualReadout2p5D`: one linear layer maps the backbone vector
    ``(B, in_channels)`` to ``(du, dv)`` (crop-size units) added to the *input* keypoints, and ``z_r``.
    Everything after the forward pass is :class:`Hand25DHead`'s: the codec (``decoder``), the closed-form Z-root,
    the refiner, the joints ``(Z_root + z_r) K^-1 [u, v, 1]``, the loss configs (``loss_2d``, ``loss_zr``,
    ``loss_zroot``, optional ``loss_bmc`` with its ``bmc_root_depth`` placements, masked per sample for mixed 3D /
    2D-only batches) and ``predict``.

    ``forward`` takes ``feats = (features (B, C), keypoints_in (B, J, 2))``, the input keypoints in crop pixels
    (``KeypointLifter.extract_feat`` returns this pair).

    ``root_solver`` chooses the closed form the refiner starts from (and BMC's ``'closed_form'`` placement uses):
    ``'closed_form'`` is Iqbal et al.'s (the codec's), which makes the reference bone (joints 9 -> 10) exactly 1
    long; ``'bones'`` pools the same quadratic over all 20 bones with expected lengths ``bone_lengths``
    (:func:`bmc_mmpose.geometry.zroot_bones.zroot_from_bones`, clamped to the codec's ``zroot_range``). The first
    is exact for exact 2.5D values but turns a small ``z_r`` error of joints 9 / 10 into a large root error when
    that bone points towards the camera (and with it a wrong size of the whole hand in x and y); the second
    averages 20 bones and is off by the hand's deviation from the expected proportions instead
    (``docs/results/lifting_proxy.md`` compares both). With ``'bones'`` the outputs named ``z_root_closed_form``
    hold the pooled root.

    Args:
        predict_uv_residual (bool): add the predicted residual to the input 2D; False keeps the input 2D as the
            output 2D (a pure lifter; the 2D loss is then constant).
        root_solver (str): ``'closed_form'`` or ``'bones'``.
        bone_lengths (Sequence[float], optional): 20 expected bone lengths (reference-bone units,
            ``BONE_CHILDREN`` order) for ``root_solver='bones'``; default: the midpoints of the BMC loss's
            bone-length limits when a BMC loss is configured, else the kinematic template's lengths.
        **kwargs: :class:`Hand25DHead` arguments except ``readout`` (fixed to the residual read-out).
    """

    def __init__(self,
                 predict_uv_residual: bool = True,
                 root_solver: str = 'closed_form',
                 bone_lengths: Optional[Sequence[float]] = None,
                 **kwargs):
        if 'readout' in kwargs:
            raise ValueError('KeypointLifterHead: the read-out is KeypointResidualReadout2p5D (set '
                             f'predict_uv_residual instead), got readout={kwargs["readout"]!r}')
        if root_solver not in _ROOT_SOLVERS:
            raise ValueError(f'KeypointLifterHead: root_solver must be one of {_ROOT_SOLVERS}, got {root_solver!r}')
        super().__init__(
            readout=dict(type='KeypointResidualReadout2p5D', predict_uv_residual=predict_uv_residual), **kwargs)
        self.predict_uv_residual = bool(predict_uv_residual)
        self.root_solver = root_solver
        if bone_lengths is None:
            if self.loss_bmc is not None and hasattr(self.loss_bmc, 'bone_length_min'):
                lengths = 0.5 * (self.loss_bmc.bone_length_min + self.loss_bmc.bone_length_max)
            else:
                lengths = torch.tensor(TEMPLATE_BONE_LENGTHS)
        else:
            lengths = torch.as_tensor(list(bone_lengths), dtype=torch.float32)
        if lengths.shape != (NUM_BONES, ) or not bool((lengths > 0).all()):
            raise ValueError(f'KeypointLifterHead: bone_lengths must be {NUM_BONES} positive lengths, got '
                             f'{lengths.tolist()}')
        self.register_buffer('expected_bone_lengths', lengths.float().clone(), persistent=False)

    def forward(self, feats: Tuple[Tensor, Tensor]) -> Tuple[Tensor, Tensor]:
        """Predict the 2.5D pose.

        Args:
            feats (tuple[Tensor, Tensor]): ``(B, C)`` features and ``(B, J, 2)`` input keypoints (crop px).

        Returns:
            tuple[Tensor, Tensor]: ``uv`` ``(B, J, 2)`` crop pixels and ``z_r`` ``(B, J)`` (root entry 0).
        """
        if not isinstance(feats, (tuple, list)) or len(feats) != 2:
            raise ValueError('KeypointLifterHead: expected feats = (features (B, C), keypoints_in (B, J, 2)), got '
                             f'{type(feats).__name__} of length {len(feats) if hasattr(feats, "__len__") else "?"}')
        x, uv_in = feats
        if x.dim() != 2 or x.shape[1] != self.in_channels:
            raise ValueError(f'KeypointLifterHead: expected features (B, {self.in_channels}), got {tuple(x.shape)}; '
                             'set head.in_channels to the backbone width')
        if uv_in.shape != (x.shape[0], self.num_joints, 2):
            raise ValueError(f'KeypointLifterHead: expected input keypoints ({x.shape[0]}, {self.num_joints}, 2), got '
                             f'{tuple(uv_in.shape)}')
        uv, z_r = self.readout(x, uv_in)
        return uv, self.center_on_root(z_r)

    def closed_form_root(self, uv: Tensor, z_r: Tensor, K: Tensor) -> Tensor:
        """The codec's closed form, or with ``root_solver='bones'`` the pooled root of all 20 bones ``(B,)``."""
        if self.root_solver == 'closed_form':
            return super().closed_form_root(uv, z_r, K)
        return zroot_from_bones(uv, z_r, K, self.expected_bone_lengths.to(uv), depth_range=self.decoder.zroot_range)
