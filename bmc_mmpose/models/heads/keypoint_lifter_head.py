# Copyright (c) bmc_mmpose authors. All rights reserved.
from typing import Dict, Optional, Sequence, Tuple

import torch
from mmpose.registry import MODELS
from torch import Tensor

from bmc_mmpose.geometry.camera import normalized_rays
from bmc_mmpose.geometry.kinematics import TEMPLATE_BONE_LENGTHS
from bmc_mmpose.geometry.skeleton import NUM_BONES, ROOT_JOINT
from bmc_mmpose.geometry.zroot import reconstruct_joints_3d
from bmc_mmpose.geometry.zroot_bones import zroot_from_bones

from .hand25d_head import Hand25DHead

_ROOT_SOLVERS = ('closed_form', 'bones')


@MODELS.register_module()
class KeypointLifterHead(Hand25DHead):
    """2.5D head for a keypoint-input lifter: ``z_r`` and a correction of the input 2D, then the 2.5D lifting.

    The network sees 2D keypoints (not an image), so instead of predicting ``(u, v)`` from scratch this head adds a
    residual to the *input* keypoints (noisy detections can be corrected; an untrained head reproduces its input):
    one Linear layer maps the backbone vector ``(B, in_channels)`` to ``J x 3`` values, ``(du, dv)`` in units of
    the crop size and ``z_r``. Everything after the forward pass is :class:`Hand25DHead`'s: the closed-form Z-root,
    the refiner, the joints ``(Z_root + z_r) K^-1 [u, v, 1]``, the losses (2D L1 in crop pixels, ``z_r``,
    ``Z_root``, optional BMC with its ``bmc_root_depth`` placements, masked per sample for mixed 3D / 2D-only
    batches) and ``predict``.

    ``forward`` takes ``feats = (features (B, C), keypoints_in (B, J, 2))``, the input keypoints in crop pixels
    (``KeypointLifter.extract_feat`` returns this pair).

    ``root_solver`` chooses the closed form the refiner starts from (and BMC's ``'closed_form'`` placement uses):
    ``'closed_form'`` is Iqbal et al.'s, which makes the reference bone (joints 9 -> 10) exactly 1 long;
    ``'bones'`` pools the same quadratic over all 20 bones with expected lengths ``bone_lengths``
    (:func:`bmc_mmpose.geometry.zroot_bones.zroot_from_bones`). The first is exact for exact 2.5D values but turns
    a small ``z_r`` error of joints 9 / 10 into a large root error when that bone points towards the camera (and
    with it a wrong size of the whole hand in x and y); the second averages 20 bones and is off by the hand's
    deviation from the expected proportions instead (``docs/results/lifting_proxy.md`` measures both). With
    ``'bones'`` the outputs named ``z_root_closed_form`` hold the pooled root.

    Args:
        predict_uv_residual (bool): add the predicted residual to the input 2D; False keeps the input 2D as the
            output 2D (a pure lifter; the 2D loss is then constant).
        root_solver (str): ``'closed_form'`` or ``'bones'``.
        bone_lengths (Sequence[float], optional): 20 expected bone lengths (reference-bone units,
            ``BONE_CHILDREN`` order) for ``root_solver='bones'``; default: the midpoints of the BMC loss's
            bone-length limits when a BMC loss is configured, else the kinematic template's lengths.
        **kwargs: :class:`Hand25DHead` arguments; ``mode`` must be ``'regression'``.
    """

    def __init__(self,
                 predict_uv_residual: bool = True,
                 root_solver: str = 'closed_form',
                 bone_lengths: Optional[Sequence[float]] = None,
                 **kwargs):
        if kwargs.get('mode', 'regression') != 'regression':
            raise ValueError(f"KeypointLifterHead: mode must be 'regression', got {kwargs['mode']!r}")
        if root_solver not in _ROOT_SOLVERS:
            raise ValueError(f'KeypointLifterHead: root_solver must be one of {_ROOT_SOLVERS}, got {root_solver!r}')
        super().__init__(**kwargs)
        self.predict_uv_residual = bool(predict_uv_residual)
        self.root_solver = root_solver
        if bone_lengths is None:
            if self.bmc_loss is not None and hasattr(self.bmc_loss, 'bone_length_min'):
                lengths = 0.5 * (self.bmc_loss.bone_length_min + self.bmc_loss.bone_length_max)
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
        out = self.fc(x).view(-1, self.num_joints, 3)
        uv = uv_in + out[..., :2] * uv_in.new_tensor(self.input_size) if self.predict_uv_residual else uv_in
        z_r = out[..., 2]
        z_r = z_r - z_r[:, ROOT_JOINT:ROOT_JOINT + 1]
        return uv, z_r

    def lift(self, uv: Tensor, z_r: Tensor, K: Tensor) -> Dict[str, Tensor]:
        """:meth:`Hand25DHead.lift`, with the pooled root of all bones as the start when ``root_solver='bones'``."""
        if self.root_solver == 'closed_form':
            return super().lift(uv, z_r, K)
        # the same bounds and gradient rules as the parent's lifting
        size = uv.new_tensor(self.input_size)
        uv = torch.maximum(torch.minimum(uv, (1 + self.GEOMETRY_UV_MARGIN) * size), -self.GEOMETRY_UV_MARGIN * size)
        z_r = z_r.clamp(min=-self.GEOMETRY_MAX_ABS_ZR, max=self.GEOMETRY_MAX_ABS_ZR)
        rays = normalized_rays(uv, K)
        lengths = self.expected_bone_lengths.to(uv)
        if self.closed_form_gradient:
            z_root_cf = zroot_from_bones(uv, z_r, K, lengths, depth_range=self.zroot_range)
        else:
            z_root_cf = zroot_from_bones(uv.detach(), z_r.detach(), K, lengths, depth_range=self.zroot_range)
        z_root = self.zroot_refiner(z_r, rays, z_root_cf) if self.zroot_refiner is not None else z_root_cf
        joints = reconstruct_joints_3d(uv, z_r, z_root, K, rays=rays)
        joints_cf = reconstruct_joints_3d(uv, z_r, z_root_cf, K, rays=rays)
        return dict(rays=rays, z_root_closed_form=z_root_cf, z_root=z_root, joints_3d_norm=joints,
                    joints_3d_norm_closed_form=joints_cf)
