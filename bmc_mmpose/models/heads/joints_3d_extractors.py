# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Differentiable 3D joints from the forward output of MMPose heads that were not written for BMC.

:class:`~bmc_mmpose.models.heads.bmc_wrapper_head.BMCRegularizedHead` wraps any MMPose head and adds ``loss_bmc``.
What it needs from the wrapped head is head-specific: a *joints extractor* turns the head's forward output
(plus the samples' metainfo) into metric 3D hands, differentiably. Extractors live in the registry
:data:`JOINTS_3D_EXTRACTORS`.

The interface (all an extractor for your own head has to provide)::

    @JOINTS_3D_EXTRACTORS.register_module()
    class MyHeadJoints3D:
        head_types = ('MyHead', )        # used when the wrapper is given no extractor: looked up by head class

        def __call__(self, head, outputs, batch_data_samples) -> BMCJoints:
            # head: the wrapped head module; outputs: what head.forward(feats) returned;
            # batch_data_samples: the PoseDataSamples of the batch (metainfo, gt_instance_labels, ...)
            joints = ...                   # (M, 21, 3) tensor, differentiable w.r.t. outputs
            return BMCJoints(joints, ref_bone_length=None, weights=None)

``joints`` are in the head's own joint order and unit; ``BMCLoss(keypoint_order=..., input_unit=...)`` converts
them. Left hands must be mirrored (x -> -x) by the extractor: BMC's limits describe a right hand. ``M`` may differ
from the batch size (e.g. two hands per image). A plain callable with the same signature works too.
"""
from typing import Any, Callable, NamedTuple, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.registry import Registry
from torch import Tensor, nn

#: Registry of joints extractors (see the module docstring for the interface).
JOINTS_3D_EXTRACTORS = Registry('bmc joints 3d extractor', scope='bmc_mmpose')

#: InterHand2.6M order of one hand (MMPose ``interhand3d`` metainfo: per finger tip -> base, i.e. ``thumb4`` is the
#: tip, ``thumb1`` the base, then the wrist at index 20; right hand 0-20, left hand 21-41) to FreiHAND order:
#: ``ours = theirs[..., INTERHAND_TO_FREIHAND, :]``. Pass it as ``BMCLoss(keypoint_order=...)``.
INTERHAND_TO_FREIHAND: Tuple[int, ...] = (20, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 19, 18, 17, 16)
#: Index of the wrist (root) inside one InterHand hand.
INTERHAND_ROOT: int = 20


class BMCJoints(NamedTuple):
    """What a joints extractor returns.

    Attributes:
        joints: ``(M, 21, 3)`` differentiable 3D joints, right hands (left ones mirrored), model joint order.
        ref_bone_length: Optional ``(M,)`` reference bone length (mm) for ``BMCLoss(scale_source='given')``.
        weights: Optional ``(M,)`` per-hand weights (e.g. 0 for a hand absent from the image).
    """
    joints: Tensor
    ref_bone_length: Optional[Tensor] = None
    weights: Optional[Tensor] = None


def find_joints_3d_extractor(head: nn.Module) -> str:
    """Name of the registered extractor whose ``head_types`` names ``head``'s class (or one of its bases).

    Raises:
        KeyError: if no registered extractor declares the head type.
    """
    for cls in type(head).__mro__:
        for name, extractor_cls in JOINTS_3D_EXTRACTORS.module_dict.items():
            if cls.__name__ in getattr(extractor_cls, 'head_types', ()):
                return name
    known = {name: getattr(c, 'head_types', ()) for name, c in JOINTS_3D_EXTRACTORS.module_dict.items()}
    raise KeyError(f'BMCRegularizedHead: no joints extractor is registered for head type {type(head).__name__!r} '
                   f'(registered: {known}). Register one in bmc_mmpose.models.heads.JOINTS_3D_EXTRACTORS with '
                   f"head_types=({type(head).__name__!r}, ) or pass joints_3d_fn=dict(type=...) / a callable.")


def build_joints_3d_extractor(cfg: dict) -> Callable:
    """Build a registered extractor from ``dict(type=name, **kwargs)``.

    (Instantiated directly: the registry is not part of MMPose's scope tree, so ``Registry.build`` under the
    ``mmpose`` default scope would warn.)
    """
    cfg = dict(cfg)
    name = cfg.pop('type', None)
    extractor_cls = JOINTS_3D_EXTRACTORS.get(name) if isinstance(name, str) else name
    if not callable(extractor_cls):
        raise KeyError(f'BMCRegularizedHead: joints_3d_fn type {name!r} is not a registered joints extractor '
                       f'(registered: {sorted(JOINTS_3D_EXTRACTORS.module_dict)})')
    return extractor_cls(**cfg)


def soft_argmax_3d(heatmaps: Tensor, beta: float) -> Tensor:
    """Expected voxel coordinates of ``softmax(beta * heatmaps)`` over each volume.

    Args:
        heatmaps: ``(B, K, D, H, W)`` scores.
        beta: Inverse temperature of the softmax.

    Returns:
        ``(B, K, 3)`` soft ``(x, y, z)`` in voxel units (x in ``[0, W - 1]``, y in ``[0, H - 1]``, z in
        ``[0, D - 1]``), in the dtype of the computation (>= float32).
    """
    B, K, D, H, W = heatmaps.shape
    logits = heatmaps.to(torch.promote_types(heatmaps.dtype, torch.float32)) * beta
    prob = torch.softmax(logits.reshape(B, K, D * H * W), dim=-1).reshape(B, K, D, H, W)

    def expectation(marginal: Tensor) -> Tensor:
        bins = torch.arange(marginal.shape[-1], dtype=marginal.dtype, device=marginal.device)
        return (marginal * bins).sum(dim=-1)

    return torch.stack([expectation(prob.sum(dim=(2, 3))), expectation(prob.sum(dim=(2, 4))),
                        expectation(prob.sum(dim=(3, 4)))], dim=-1)


def crop_to_image_pixels(uv_crop: Tensor, center: Tensor, scale: Tensor, input_size: Tensor,
                         rotation_deg: Tensor) -> Tensor:
    """Invert MMPose's ``TopdownAffine`` warp (``get_warp_matrix(center, scale, rot, input_size)``).

    The warp is a similarity about the box centre: ``p = center + R(rot) diag(scale / input_size) (q - input_size
    / 2)``, which at ``rot = 0`` is exactly ``TopdownPoseEstimator.add_pred_to_datasample``'s mapping.

    Args:
        uv_crop: ``(B, J, 2)`` pixels of the network input.
        center, scale, input_size: ``(B, 2)`` ``input_center``, ``input_scale`` (w, h), ``input_size`` (w, h).
        rotation_deg: ``(B,)`` the ``bbox_rotation`` of ``RandomBBoxTransform`` (degrees, 0 if none).

    Returns:
        ``(B, J, 2)`` pixels of the (possibly flipped) image the box was cut from.
    """
    local = (uv_crop - input_size[:, None] * 0.5) * (scale / input_size)[:, None]
    rad = torch.deg2rad(rotation_deg)[:, None]
    cos, sin = torch.cos(rad), torch.sin(rad)
    rotated = torch.stack([cos * local[..., 0] - sin * local[..., 1], sin * local[..., 0] + cos * local[..., 1]],
                          dim=-1)
    return center[:, None] + rotated


def _meta_array(batch_data_samples: Sequence[Any], key: str, size: int, default=None,
                truncate: bool = False) -> np.ndarray:
    """Stack metainfo ``key`` of every sample as ``(B, size)`` float64; ``default`` when absent (None: error).

    ``truncate`` keeps the first ``size`` values of longer entries (``img_shape`` may be ``(h, w, c)``).
    """
    rows = []
    for i, sample in enumerate(batch_data_samples):
        value = sample.metainfo.get(key, default)
        if value is None:
            raise KeyError(f'InternetHeadJoints3D: data sample {i} has no metainfo {key!r}; add {key!r} to the '
                           "meta_keys of PackPoseInputs in the config's pipeline")
        flat = np.asarray(value, dtype=np.float64).reshape(-1)
        if truncate and flat.size > size:
            flat = flat[:size]
        if flat.size != size:
            raise ValueError(f'InternetHeadJoints3D: metainfo {key!r} of sample {i} must hold {size} value(s), got '
                             f'{flat.size}')
        rows.append(flat)
    return np.stack(rows)


@JOINTS_3D_EXTRACTORS.register_module()
class InternetHeadJoints3D:
    """Root-relative metric 3D hands (mm) from MMPose's ``InternetHead`` (InterNet, Moon et al. 2020).

    Per hand slot (right = joints 0-20, left = 21-41, InterHand order):

    1. soft-argmax of ``softmax(beta * heatmap)`` over each ``(D, H, W)`` volume -> voxel ``(x, y, z)``;
    2. the codec's (``head.decoder``, ``Hand3DHeatmap``) mapping, as in its ``decode``: ``u, v = (x, y) *
       image_size / heatmap_size[:2]`` (input-crop pixels), ``z_rel = (z / depth_size - 0.5) *
       heatmap3d_depth_bound`` (mm, relative to the hand's wrist);
    3. crop pixels -> image pixels by inverting ``TopdownAffine`` (``input_center``, ``input_scale``,
       ``input_size`` and, if packed, ``bbox_rotation``), then back-projection with the per-joint depth ``Z =
       Z_wrist + z_rel``: ``X = (u - cx) Z / fx``, ``Y = (v - cy) Z / fy`` (``focal``, ``principal_pt``);
    4. root-relative (wrist at the origin), and the **left hand mirrored** (``x -> -x``) since BMC assumes a right
       hand.

    ``Z_wrist`` per hand is the metainfo ``abs_depth`` (InterHand3DDataset: ground-truth wrist depths, or
    RootNet's with ``use_gt_root_depth=False``: what ``InterHandMetric`` uses). With ``root_depth_source=
    'predicted'`` the left wrist is instead ``abs_depth[0]`` plus the root head's relative depth (decoded with the
    codec's ``root_heatmap_size`` and ``root_depth_bound``), so BMC also reaches the root head. ``Z_wrist`` only
    sets the perspective (BMC is scale- and translation-invariant with ``scale_source='predicted'``).

    Augmentations: ``HandRandomFlip`` flips the image and swaps the hands but not the metainfo; for flipped samples
    the principal point is mirrored (``cx -> img_w - 1 - cx``, ``img_shape`` metainfo) and ``abs_depth`` swapped, so
    each slot is back-projected as the hand it now shows. ``RandomBBoxTransform`` rotations are undone when
    ``bbox_rotation`` is among PackPoseInputs' ``meta_keys`` (MMPose's config does not pack it; without it the
    rotated crop is treated as unrotated, which shears the hand slightly off-axis).

    Hand weights: with ``use_hand_type_weights``, a hand slot gets weight ``gt_instance_labels.type`` (1 if the
    hand is in the image) when the sample's ``type_weight`` is positive, else 1.

    Args:
        beta: Softmax inverse temperature over the raw heatmaps. The codec's targets peak at ``max_bound`` (255 in
            MMPose's config): ``beta = 0.2`` puts a trained peak ~51 logits above the background, far above the
            ~ln(64^3) = 12.5 the 262k background voxels could gain (no pull towards the centre), while voxels one
            unit away keep weight (a gradient) instead of the hard argmax's none.
        root_depth_source: ``'meta'`` or ``'predicted'`` (see above).
        use_hand_type_weights: Weight hands by presence (see above).
    """

    head_types = ('InternetHead', )

    def __init__(self, beta: float = 0.2, root_depth_source: str = 'meta', use_hand_type_weights: bool = True):
        if not beta > 0:
            raise ValueError(f'InternetHeadJoints3D: beta must be > 0, got {beta}')
        if root_depth_source not in ('meta', 'predicted'):
            raise ValueError("InternetHeadJoints3D: root_depth_source must be 'meta' or 'predicted', got "
                             f'{root_depth_source!r}')
        self.beta = float(beta)
        self.root_depth_source = root_depth_source
        self.use_hand_type_weights = bool(use_hand_type_weights)

    @staticmethod
    def _codec(head: nn.Module):
        codec = getattr(head, 'decoder', None)
        needed = ('image_size', 'heatmap_size', 'depth_size', 'heatmap3d_depth_bound', 'root_heatmap_size',
                  'root_depth_bound')
        if codec is None or not all(hasattr(codec, k) for k in needed):
            raise ValueError('InternetHeadJoints3D: the wrapped InternetHead needs decoder=dict(type='
                             "'Hand3DHeatmap', ...) (the codec of the config) to convert heatmap bins to pixels and mm")
        return codec

    def __call__(self, head: nn.Module, outputs: Sequence[Tensor], batch_data_samples: Sequence[Any]) -> BMCJoints:
        """Extract the hands.

        Args:
            head: The wrapped ``InternetHead``.
            outputs: Its forward output ``[heatmaps (B, 42, D, H, W), root (B, 1) bins, hand_type (B, 2)]``.
            batch_data_samples: ``B`` PoseDataSamples with metainfo ``focal``, ``principal_pt``, ``abs_depth``,
                ``input_center``, ``input_scale`` (optional: ``input_size``, ``bbox_rotation``, ``flip``,
                ``img_shape``).

        Returns:
            :class:`BMCJoints` with ``joints (2B, 21, 3)`` mm, InterHand order, hands interleaved (sample 0 right,
            sample 0 left mirrored, sample 1 right, ...), and ``weights (2B,)`` or None.
        """
        codec = self._codec(head)
        heatmaps = outputs[0]
        if heatmaps.dim() != 5 or heatmaps.shape[1] % 2:
            raise ValueError('InternetHeadJoints3D: expected heatmaps (B, 2 * 21, D, H, W), got '
                             f'{tuple(heatmaps.shape)}')
        B, num_joints = heatmaps.shape[0], heatmaps.shape[1] // 2
        if len(batch_data_samples) != B:
            raise ValueError(f'InternetHeadJoints3D: {len(batch_data_samples)} data samples for a batch of {B}')
        voxels = soft_argmax_3d(heatmaps, self.beta)  # (B, 42, 3)
        dtype, device = voxels.dtype, voxels.device

        image_size = np.asarray(codec.image_size, dtype=np.float64).reshape(2)
        bin_to_px = image_size / np.asarray(codec.heatmap_size, dtype=np.float64).reshape(3)[:2]
        uv_crop = voxels[..., :2] * torch.as_tensor(bin_to_px, dtype=dtype, device=device)
        z_rel = (voxels[..., 2] / float(codec.depth_size) - 0.5) * float(codec.heatmap3d_depth_bound)

        # Host-side metainfo -> one (B, 13) tensor (one copy to the device, no sync).
        flipped = np.array([bool(d.metainfo.get('flip', False))
                            and d.metainfo.get('flip_direction', 'horizontal') == 'horizontal'
                            for d in batch_data_samples])
        focal = _meta_array(batch_data_samples, 'focal', 2)
        if not np.all(focal > 0):
            raise ValueError(f'InternetHeadJoints3D: metainfo focal must be > 0, got {focal.tolist()}')
        principal = _meta_array(batch_data_samples, 'principal_pt', 2)
        if flipped.any():
            img_w = _meta_array(batch_data_samples, 'img_shape', 2, default=(0, 0), truncate=True)[:, 1]
            if np.any(img_w[flipped] <= 0):
                raise KeyError("InternetHeadJoints3D: flipped samples need metainfo 'img_shape' to mirror the "
                               'principal point; add it to the meta_keys of PackPoseInputs')
            principal[flipped, 0] = img_w[flipped] - 1 - principal[flipped, 0]
        abs_depth = _meta_array(batch_data_samples, 'abs_depth', 2)
        abs_depth[flipped] = abs_depth[flipped, ::-1]  # the flip swapped the hands, not their depths
        meta = np.concatenate([
            focal, principal, abs_depth,
            _meta_array(batch_data_samples, 'input_center', 2),
            _meta_array(batch_data_samples, 'input_scale', 2),
            _meta_array(batch_data_samples, 'input_size', 2, default=image_size),
            _meta_array(batch_data_samples, 'bbox_rotation', 1, default=(0., ))
        ], axis=1)
        meta = torch.as_tensor(meta, dtype=dtype).to(device)
        focal, principal, abs_depth = meta[:, 0:2], meta[:, 2:4], meta[:, 4:6]
        center, scale, input_size, rotation = meta[:, 6:8], meta[:, 8:10], meta[:, 10:12], meta[:, 12]

        wrist_depth = abs_depth
        if self.root_depth_source == 'predicted':
            rel_root = (outputs[1].reshape(B).to(dtype) / float(codec.root_heatmap_size) - 0.5) * float(
                codec.root_depth_bound)
            wrist_depth = torch.stack([abs_depth[:, 0], abs_depth[:, 0] + rel_root], dim=1)

        uv = crop_to_image_pixels(uv_crop, center, scale, input_size, rotation).reshape(B, 2, num_joints, 2)
        depth = wrist_depth[:, :, None] + z_rel.reshape(B, 2, num_joints)
        xy = (uv - principal[:, None, None]) / focal[:, None, None] * depth[..., None]
        joints = torch.cat([xy, depth[..., None]], dim=-1)  # (B, 2, J, 3) camera frame, mm
        joints = joints - joints[:, :, INTERHAND_ROOT:INTERHAND_ROOT + 1]
        mirror = torch.tensor([[1., 1., 1.], [-1., 1., 1.]], dtype=dtype, device=device)
        joints = (joints * mirror[None, :, None]).reshape(B * 2, num_joints, 3)

        weights = None
        labels = [getattr(d, 'gt_instance_labels', None) for d in batch_data_samples]
        if self.use_hand_type_weights and all(lab is not None and 'type' in lab for lab in labels):
            hand_type = torch.stack([lab.type.reshape(-1)[:2] for lab in labels]).to(dtype)
            if all('type_weight' in lab for lab in labels):
                valid = torch.stack([lab.type_weight.reshape(-1)[:1] for lab in labels]).to(dtype) > 0
                hand_type = torch.where(valid, hand_type, torch.ones_like(hand_type))
            weights = hand_type.reshape(B * 2)
        return BMCJoints(joints, None, weights)
