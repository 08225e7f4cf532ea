# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Biomechanical soft constraints (BMC) of Spurr et al. ECCV 2020 as an MMPose loss."""
import contextlib
import dataclasses
from pathlib import Path
from typing import Dict, Optional, Sequence, Union

import numpy as np
import torch
from mmpose.registry import MODELS
from torch import Tensor, nn

from ...geometry.bones import DEFAULT_EPS, bone_vectors, interval_loss, interval_violation, safe_norm
from ...geometry.fused_bmc import CUR, GRID_BONES, fused_bmc_constants, fused_bmc_terms
from ...geometry.hulls import box_loss, points_in_boxes
from ...geometry.skeleton import NUM_BONES, NUM_JOINTS, REF_BONE
from ...limits import BMCLimits, load_bmc_limits

_INPUT_UNITS = ('normalised', 'mm')
_SCALE_SOURCES = ('given', 'predicted')


def _autocast_disabled(device_type: str):
    """Context disabling autocast on ``device_type`` (no-op for devices without autocast support)."""
    if device_type in ('cpu', 'cuda', 'xpu', 'mps'):
        return torch.autocast(device_type=device_type, enabled=False)
    return contextlib.nullcontext()


@MODELS.register_module()
class BMCLoss(nn.Module):
    """Biomechanical constraints ``L_BMC = l_BL L_BL + l_RB L_RB + l_A L_A`` (paper Eq. 9, supp. Sec. 1).

    * ``L_BL``: mean over the 20 bones of the interval loss on bone length.
    * ``L_RB``: ``1/4 sum_i I(c_i) + I(phi_i)`` on the curvature (Eq. 1-2) and angle (Eq. 3) of neighbouring
      root bones.
    * ``L_A``: mean over the 15 finger bones of the distance of their (flexion, abduction) angles (Eqs. 4-6 with
      the octant rule) to the joint's convex hull (supp. Eqs. 3-7; 0 inside), or to its min/max box in
      ``angle_limits='box'`` mode (paper Tab. 5 ablation, independent limits).

    Input is a batch of right hands in FreiHAND order (after ``keypoint_order``) in the scale-normalised unit
    (bone 9 -> 10 has length 1). Millimetre input is divided by ``ref_bone_length`` per sample first.

    The terms are computed by :func:`~bmc_mmpose.geometry.fused_bmc.fused_bmc_terms` (all bones, joints and hull
    edges in a few batched operations with analytic gradients); it agrees with the per-quantity geometry
    functions (:mod:`bmc_mmpose.geometry`) to rounding on non-degenerate hands (see its module docstring).

    Args:
        limits: Shipped name (``'literature'``), JSON path, dict in file layout or :class:`BMCLimits`.
        lambda_bl, lambda_rb, lambda_a: Term weights (supp. Sec. 8 defaults 0.1, 0.1, 0.01).
        angle_limits: ``'hull'`` (dependent limits, the paper's method) or ``'box'`` (independent limits).
        keypoint_order: Optional permutation with ``ours = theirs[:, keypoint_order]`` for models predicting
            another joint order (e.g. ``FREIHAND_TO_RHD``'s inverse ``RHD_TO_FREIHAND`` for RHD-ordered models).
        input_unit: ``'normalised'`` or ``'mm'``.
        scale_source: For ``'mm'`` input: ``'given'`` divides by the ``ref_bone_length`` argument of
            :meth:`forward` (samples with a length <= 0, i.e. unknown, fall back to the predicted 9 -> 10 bone);
            ``'predicted'`` always divides by the predicted 9 -> 10 bone length (differentiable).
        loss_weight: Global factor of the returned loss.
        loss_name: Name under which MMPose heads log the loss.
        eps: Degeneracy threshold of the geometry (scale-normalised units).
    """

    def __init__(self,
                 limits: Union[str, Path, dict, BMCLimits] = 'literature',
                 lambda_bl: float = 0.1,
                 lambda_rb: float = 0.1,
                 lambda_a: float = 0.01,
                 angle_limits: str = 'hull',
                 keypoint_order: Optional[Sequence[int]] = None,
                 input_unit: str = 'normalised',
                 scale_source: str = 'given',
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_bmc',
                 eps: float = DEFAULT_EPS):
        super().__init__()
        if angle_limits not in ('hull', 'box'):
            raise ValueError(f"BMCLoss: angle_limits must be 'hull' or 'box', got {angle_limits!r}")
        if input_unit not in _INPUT_UNITS:
            raise ValueError(f'BMCLoss: input_unit must be one of {_INPUT_UNITS}, got {input_unit!r}')
        if scale_source not in _SCALE_SOURCES:
            raise ValueError(f'BMCLoss: scale_source must be one of {_SCALE_SOURCES}, got {scale_source!r}')
        self.limits = load_bmc_limits(limits)
        self.lambda_bl, self.lambda_rb, self.lambda_a = float(lambda_bl), float(lambda_rb), float(lambda_a)
        self.angle_limits = angle_limits
        self.input_unit = input_unit
        self.scale_source = scale_source
        self.loss_weight = float(loss_weight)
        self._loss_name = loss_name
        self.eps = float(eps)

        def buffer(name, value):
            self.register_buffer(name, torch.as_tensor(value, dtype=torch.float32), persistent=False)

        buffer('bone_length_min', self.limits.bone_length_min)
        buffer('bone_length_max', self.limits.bone_length_max)
        buffer('root_curvature_min', self.limits.root_curvature_min)
        buffer('root_curvature_max', self.limits.root_curvature_max)
        buffer('root_angle_min', self.limits.root_angle_min)
        buffer('root_angle_max', self.limits.root_angle_max)
        buffer('hulls', self.limits.hulls)
        buffer('boxes', self.limits.boxes)
        # Constants of the fused computation, once per dtype so that no conversion runs per call. They derive
        # from the limits as stored above (float32), like every other use of the limits in this loss.
        stored = dataclasses.replace(self.limits, **{
            name: np.asarray(getattr(self.limits, name), dtype=np.float32).astype(np.float64)
            for name in ('bone_length_min', 'bone_length_max', 'root_curvature_min', 'root_curvature_max',
                         'root_angle_min', 'root_angle_max', 'hulls', 'boxes')})
        self._fused_names = []
        for name, value in fused_bmc_constants(stored, self.lambda_bl, self.lambda_rb, self.lambda_a).items():
            self._fused_names.append(name)
            for dtype in (torch.float32, torch.float64):
                self.register_buffer(f'_fused_{str(dtype)[6:]}_{name}', torch.as_tensor(value, dtype=dtype),
                                     persistent=False)
        bone_order = [0] * NUM_BONES  # bone k -> its slot in the level-major grid
        for level, bones in enumerate(GRID_BONES):
            for finger, bone in enumerate(bones):
                bone_order[bone] = 5 * level + finger
        self.register_buffer('_grid_to_bone', torch.as_tensor(bone_order, dtype=torch.long), persistent=False)
        if keypoint_order is None:
            self.keypoint_order = None
        else:
            order = torch.as_tensor(list(keypoint_order), dtype=torch.long)
            if order.shape != (NUM_JOINTS, ) or sorted(order.tolist()) != list(range(NUM_JOINTS)):
                raise ValueError('BMCLoss: keypoint_order must be a permutation of 0..20 (ours = theirs[:, order]), '
                                 f'got {list(keypoint_order)}')
            self.register_buffer('keypoint_order', order, persistent=False)

    @property
    def loss_name(self) -> str:
        """Name of the loss (MMPose convention)."""
        return self._loss_name

    def _prepare(self, joints: Tensor, ref_bone_length: Optional[Tensor]) -> Tensor:
        """Reorder, promote to >= float32 and scale-normalise ``joints (B, J, 3)``."""
        if joints.dim() != 3 or joints.shape[-1] != 3 or joints.shape[-2] != NUM_JOINTS:
            raise ValueError(f'BMCLoss: expected joints of shape (B, {NUM_JOINTS}, 3), got {tuple(joints.shape)}')
        if joints.dtype not in (torch.float32, torch.float64):
            joints = joints.to(torch.promote_types(joints.dtype, torch.float32))
        if self.keypoint_order is not None:
            joints = joints.index_select(1, self.keypoint_order)
        if self.input_unit == 'normalised':
            return joints
        predicted = safe_norm(bone_vectors(joints)[:, REF_BONE], self.eps)
        if self.scale_source == 'predicted':
            scale = predicted
        else:
            if ref_bone_length is None:
                raise ValueError("BMCLoss: input_unit='mm' with scale_source='given' needs ref_bone_length (B,) in "
                                 'forward()/terms()')
            given = ref_bone_length.reshape(-1).to(joints)
            if given.shape[0] != joints.shape[0]:
                raise ValueError(f'BMCLoss: ref_bone_length has {given.shape[0]} values for {joints.shape[0]} hands')
            # Unknown lengths are 0 by the data contract: fall back to the predicted bone for those samples.
            scale = torch.where(given > 0, given, predicted)
        return joints / scale[:, None, None]

    def _constants(self, dtype: torch.dtype) -> Dict[str, Tensor]:
        """The fused computation's constants in ``dtype`` (a conversion only after e.g. ``.double()``)."""
        prefix = f'_fused_{str(dtype)[6:]}_'
        out = {}
        for name in self._fused_names:
            value = getattr(self, prefix + name)
            out[name] = value if value.dtype == dtype else value.to(dtype)
        return out

    def _fused(self, joints: Tensor, ref_bone_length: Optional[Tensor]) -> Dict[str, Tensor]:
        # Mixed precision would run the products in half precision: compute in >= float32.
        with _autocast_disabled(joints.device.type):
            joints = self._prepare(joints, ref_bone_length)
            return fused_bmc_terms(joints, self._constants(joints.dtype), self.eps,
                                   hull_penalty=self.angle_limits == 'hull')

    def _box_penalty(self, angles: Tensor) -> Tensor:
        """Per-joint box-mode penalty ``(B, 15)`` of ``angles (B, 15, 2)`` (paper Tab. 5 ablation)."""
        return box_loss(angles, self.boxes.to(angles.dtype))

    @staticmethod
    def _joint_angles(grid: Tensor) -> Tensor:
        """``(B, 2, 4, 5)`` angle grid -> ``(B, 15, 2)`` (flexion, abduction) in ``ANGLE_BONES`` order."""
        return grid[:, :, 1:].flatten(2).transpose(1, 2)

    def terms(self, joints: Tensor, ref_bone_length: Optional[Tensor] = None) -> Dict[str, Tensor]:
        """Every BMC quantity, per sample.

        Args:
            joints: ``(B, 21, 3)`` in the model's joint order and ``input_unit``.
            ref_bone_length: ``(B,)`` or ``(B, 1)`` mm, for ``input_unit='mm'``.

        Returns:
            dict of tensors (float32 or float64):

            * ``loss_bl``, ``loss_rb``, ``loss_a`` ``(B,)``: unweighted terms; ``loss`` ``(B,)``: weighted sum
              ``l_BL L_BL + l_RB L_RB + l_A L_A`` (without ``loss_weight``).
            * ``violation_bone_length (B, 20)``, ``violation_root_curvature (B, 4)``, ``violation_root_angle
              (B, 4)``, ``violation_joint_angle (B, 15)``: bool, True where the value is outside its limits
              (outside the hull or box, depending on ``angle_limits``).
            * ``bone_length (B, 20)``, ``root_curvature (B, 4)``, ``root_angle (B, 4)`` (radians) and ``angles
              (B, 15, 2)`` (flexion, abduction radians, ``ANGLE_BONES`` order), all scale-normalised.
        """
        fused = self._fused(joints, ref_bone_length)
        dtype = fused['penalty'].dtype
        lengths = fused['lengths'][:, 0, CUR].flatten(1).index_select(1, self._grid_to_bone)
        curvature = fused['curvature'][:, 0, 0, :4]
        root_angle = fused['angles'][:, 0, 0, :4]
        angles = self._joint_angles(fused['angles'])
        bl_min, bl_max = self.bone_length_min.to(dtype), self.bone_length_max.to(dtype)
        c_min, c_max = self.root_curvature_min.to(dtype), self.root_curvature_max.to(dtype)
        phi_min, phi_max = self.root_angle_min.to(dtype), self.root_angle_max.to(dtype)
        loss_bl = interval_loss(lengths, bl_min, bl_max).mean(dim=-1)
        loss_rb = (interval_loss(curvature, c_min, c_max) + interval_loss(root_angle, phi_min, phi_max)).mean(dim=-1)
        if self.angle_limits == 'hull':
            loss_a = fused['hull'].mean(dim=-1)
            angle_violation = fused['outside'] > 0
            loss = fused['penalty']
        else:
            box = self.boxes.to(dtype)
            loss_a = box_loss(angles, box).mean(dim=-1)
            angle_violation = ~points_in_boxes(angles, box)
            loss = fused['penalty'] + self.lambda_a * loss_a
        return {
            'loss': loss,
            'loss_bl': loss_bl,
            'loss_rb': loss_rb,
            'loss_a': loss_a,
            'violation_bone_length': interval_violation(lengths, bl_min, bl_max),
            'violation_root_curvature': interval_violation(curvature, c_min, c_max),
            'violation_root_angle': interval_violation(root_angle, phi_min, phi_max),
            'violation_joint_angle': angle_violation,
            'bone_length': lengths,
            'root_curvature': curvature,
            'root_angle': root_angle,
            'angles': angles,
        }

    def forward(self, joints: Tensor, ref_bone_length: Optional[Tensor] = None,
                weights: Optional[Tensor] = None) -> Tensor:
        """Scalar BMC loss, ``loss_weight * mean_b(w_b * L_BMC(joints_b))``.

        Args:
            joints: ``(B, 21, 3)`` predicted joints (model joint order, ``input_unit``).
            ref_bone_length: ``(B,)`` mm, needed for ``input_unit='mm'`` with ``scale_source='given'``.
            weights: Optional ``(B,)`` per-sample weights (e.g. 0 to exclude a sample).

        Returns:
            Scalar tensor in the dtype of the computation (>= float32).
        """
        fused = self._fused(joints, ref_bone_length)
        per_sample = fused['penalty']
        if self.angle_limits == 'box':
            per_sample = per_sample + self.lambda_a * self._box_penalty(self._joint_angles(fused['angles'])).mean(-1)
        if weights is not None:
            per_sample = per_sample * weights.reshape(-1).to(per_sample)
        scale = torch.full((), self.loss_weight / per_sample.shape[0], dtype=per_sample.dtype,
                           device=per_sample.device)
        return per_sample.sum() * scale

    def extra_repr(self) -> str:
        return (f'limits={self.limits.source!r} (v{self.limits.version}), angle_limits={self.angle_limits!r}, '
                f'lambda_bl={self.lambda_bl}, lambda_rb={self.lambda_rb}, lambda_a={self.lambda_a}, '
                f'input_unit={self.input_unit!r}, loss_weight={self.loss_weight}')
