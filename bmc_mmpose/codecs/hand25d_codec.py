# Copyright (c) bmc_mmpose authors. All rights reserved.
from typing import Dict, Optional, Tuple, Union

import numpy as np
import torch
from mmpose.codecs.base import BaseKeypointCodec
from mmpose.registry import KEYPOINT_CODECS
from torch import Tensor

from bmc_mmpose.geometry.camera import normalized_rays
from bmc_mmpose.geometry.skeleton import REF_BONE_JOINTS, ROOT_JOINT
from bmc_mmpose.geometry.zroot import reconstruct_joints_3d, relative_depths, zroot_closed_form

ArrayLike = Union[np.ndarray, Tensor]


@KEYPOINT_CODECS.register_module()
class Hand25DCodec(BaseKeypointCodec):
    """The 2.5D hand representation of Iqbal et al. 2018 used by Spurr et al. 2020, as an MMPose codec.

    A hand is encoded as crop pixels ``(u, v)`` per joint, the scale-normalised root-relative depths
    ``z_r = (Z - Z_root) / s`` and the scale-normalised root depth ``Z_root / s`` (``s``: reference-bone length,
    middle MCP -> PIP). Decoding lifts ``(u, v, z_r)`` and the crop intrinsics ``K`` back to scale-normalised 3D
    joints in the crop camera frame, ``J = (Z_root / s + z_r) K^-1 [u, v, 1]``, with ``Z_root / s`` from the
    closed form (the reference bone has length 1) unless a root depth is given (e.g. a refined one). The maths is
    :mod:`bmc_mmpose.geometry.zroot`; this class fixes its conventions (root joint, reference bone, depth clamp,
    bounds of the inputs) in one place for the head, the lifter and export.

    Unlike MMPose's image codecs, ``encode`` and ``decode`` work on whole batches of torch tensors (on any device,
    differentiably, without host synchronisation): the heads encode their depth targets on the fly in ``loss``
    (the labels need the crop ``K`` and 3D joints, which the packing transform already provides) and decode in
    ``predict``. ``encode`` also accepts numpy arrays (one sample's ``(N, J, ...)`` instances) and then returns
    numpy arrays.

    Args:
        input_size (tuple[int, int]): network input ``(w, h)`` in pixels; the unit of the ``uv`` bound.
        zroot_range (tuple[float, float], optional): clamp of the closed-form root depth in reference-bone units
            (keeps an end-on reference bone from producing astronomic depths; 1-500 = 4 cm to 20 m for a 40 mm
            bone). ``None`` disables the clamp.
        uv_margin (float): before lifting, ``uv`` is bounded to this many crop sizes outside the crop.
        max_abs_zr (float): before lifting, ``|z_r|`` is bounded to this many reference-bone lengths. Both bounds
            keep absurd values (an untrained network) from overflowing float32 in the squared terms of the closed
            form; no meaningful prediction lies that far outside the crop or that deep.
        root_joint (int): index of the root joint (wrist).
        ref_bone_joints (tuple[int, int]): joints of the reference bone.
    """

    auxiliary_encode_keys = {'keypoints_3d', 'ref_bone_length'}

    def __init__(self,
                 input_size: Tuple[int, int] = (128, 128),
                 zroot_range: Optional[Tuple[float, float]] = (1.0, 500.0),
                 uv_margin: float = 4.0,
                 max_abs_zr: float = 50.0,
                 root_joint: int = ROOT_JOINT,
                 ref_bone_joints: Tuple[int, int] = REF_BONE_JOINTS):
        super().__init__()
        if len(input_size) != 2:
            raise ValueError(f'Hand25DCodec: input_size must be (w, h), got {input_size!r}')
        if zroot_range is not None and not zroot_range[0] < zroot_range[1]:
            raise ValueError(f'Hand25DCodec: zroot_range must be (lo, hi) with lo < hi, got {zroot_range!r}')
        self.input_size = tuple(int(s) for s in input_size)
        self.zroot_range = tuple(float(z) for z in zroot_range) if zroot_range is not None else None
        self.uv_margin = float(uv_margin)
        self.max_abs_zr = float(max_abs_zr)
        self.root_joint = int(root_joint)
        self.ref_bone_joints = tuple(int(j) for j in ref_bone_joints)

    # ------------------------------------------------------------------------------------------------------
    # encoding
    def encode(self,
               keypoints: ArrayLike,
               keypoints_visible: Optional[ArrayLike] = None,
               keypoints_3d: Optional[ArrayLike] = None,
               ref_bone_length: Optional[ArrayLike] = None) -> Dict[str, ArrayLike]:
        """2.5D targets of labelled hands.

        Args:
            keypoints (Tensor | np.ndarray): ``(N, J, 2)`` crop pixels.
            keypoints_visible (Tensor | np.ndarray, optional): ``(N, J)`` 2D weights (default ones).
            keypoints_3d (Tensor | np.ndarray): ``(N, J, 3)`` joints in the crop camera frame (mm).
            ref_bone_length (Tensor | np.ndarray): ``(N,)`` reference-bone length (mm), ``<= 0`` if unknown.

        Returns:
            dict: ``keypoint_labels`` ``(N, J, 2)`` crop pixels, ``keypoint_weights`` ``(N, J)``, ``zr_labels``
            ``(N, J)`` and ``zroot_labels`` ``(N,)`` in reference-bone units (zeros where the length is unknown),
            numpy if ``keypoints`` is numpy, else tensors.
        """
        if keypoints_3d is None or ref_bone_length is None:
            raise ValueError('Hand25DCodec.encode: keypoints_3d and ref_bone_length are needed for the depth targets')
        as_numpy = isinstance(keypoints, np.ndarray)
        uv = torch.as_tensor(keypoints)
        weights = torch.ones(uv.shape[:-1], dtype=uv.dtype, device=uv.device) if keypoints_visible is None \
            else torch.as_tensor(keypoints_visible)
        z_r, z_root = relative_depths(torch.as_tensor(keypoints_3d), torch.as_tensor(ref_bone_length),
                                      root_joint=self.root_joint)
        encoded = dict(keypoint_labels=uv, keypoint_weights=weights, zr_labels=z_r, zroot_labels=z_root)
        if as_numpy:
            encoded = {k: v.numpy() for k, v in encoded.items()}
        return encoded

    # ------------------------------------------------------------------------------------------------------
    # decoding
    def bound(self, uv: Tensor, z_r: Tensor) -> Tuple[Tensor, Tensor]:
        """``uv`` ``(B, J, 2)`` within ``uv_margin`` crop sizes of the crop, ``|z_r|`` ``(B, J)`` at most
        ``max_abs_zr`` (gradients pass where a value is inside its bound)."""
        size = uv.new_tensor(self.input_size)
        uv = torch.maximum(torch.minimum(uv, (1 + self.uv_margin) * size), -self.uv_margin * size)
        return uv, z_r.clamp(min=-self.max_abs_zr, max=self.max_abs_zr)

    def closed_form_root(self, uv: Tensor, z_r: Tensor, K: Tensor) -> Tensor:
        """Closed-form ``Z_root / s`` ``(B,)`` of bounded ``uv`` ``(B, J, 2)``, ``z_r`` ``(B, J)`` and ``K``
        ``(B, 3, 3)``, clamped to ``zroot_range``."""
        return zroot_closed_form(uv, z_r, K, ref_joints=self.ref_bone_joints, depth_range=self.zroot_range)

    def decode(self,
               uv: Tensor,
               z_r: Tensor,
               K: Tensor,
               z_root: Optional[Tensor] = None,
               rays: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        """Lift a batch of 2.5D poses to scale-normalised 3D joints in the crop camera frame.

        Args:
            uv (Tensor): ``(B, J, 2)`` crop pixels.
            z_r (Tensor): ``(B, J)`` root-relative depths (reference-bone units).
            K (Tensor): ``(B, 3, 3)`` crop intrinsics.
            z_root (Tensor, optional): ``(B,)`` root depth (reference-bone units), e.g. refined; default the
                closed form of the bounded ``(uv, z_r)``.
            rays (Tensor, optional): ``(B, J, 3)`` ``K^-1 [u, v, 1]`` of the bounded ``uv`` if already computed.

        Returns:
            tuple[Tensor, Tensor]: joints ``(B, J, 3)`` in reference-bone units (times ``s`` for mm) and the root
            depth ``(B,)`` used.
        """
        uv, z_r = self.bound(uv, z_r)
        if rays is None:
            rays = normalized_rays(uv, K)
        if z_root is None:
            z_root = self.closed_form_root(uv, z_r, K)
        return reconstruct_joints_3d(uv, z_r, z_root, K, rays=rays), z_root
