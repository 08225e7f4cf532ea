# Copyright (c) bmc_mmpose authors. All rights reserved.
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.structures import InstanceData
from mmpose.models.heads.base_head import BaseHead
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, Features, InstanceList, OptConfigType, OptSampleList
from torch import Tensor, nn

from bmc_mmpose.geometry.angles import hand_joint_angles
from bmc_mmpose.geometry.camera import normalized_rays
from bmc_mmpose.geometry.skeleton import NUM_JOINTS, REF_BONE_JOINTS, ROOT_JOINT
from bmc_mmpose.geometry.zroot import reconstruct_joints_3d, relative_depths, zroot_closed_form

#: Reference-bone length (mm) used for metric output when a sample's length is unknown. The middle finger's
#: MCP -> PIP distance (the proximal phalanx) is about 39-45 mm in adult hand-anthropometry studies (women to
#: men); 40 mm is a rounded adult mean. RHD's synthetic hands measure 35-37 mm, FreiHAND publishes the exact value
#: per test sample (``evaluation_scale.json``), so the default only matters for images of unknown hands.
DEFAULT_REF_BONE_LENGTH_MM = 40.0


@MODELS.register_module()
class Hand25DHead(BaseHead):
    """2.5D hand head with closed-form root depth, Z-root refiner and BMC loss (Spurr et al., ECCV 2020).

    The head predicts, for every joint, pixels ``(u, v)`` in the network input crop and the scale-normalised
    root-relative depth ``z_r`` (``docs/architecture.md``). From them and the crop intrinsics ``K`` it computes
    the closed-form root depth of Iqbal et al. 2018 (:func:`bmc_mmpose.geometry.zroot.zroot_closed_form`),
    refines it with the residual MLP built from ``zroot_refiner`` (:class:`ZRootRefiner`, supp. Tab. 6; it is
    built here rather than in the estimator's ``neck=`` slot because it consumes head outputs) and lifts the
    joints to 3D, ``J = (Z_root + z_r) K^-1 [u, v, 1]`` in reference-bone units.

    Two variants (``mode``):

    - ``'regression'`` (the paper, supp. Sec. 8): global average pooling of the last feature map and one linear
      layer with ``J x 3`` outputs: ``(u, v)`` normalised to the crop (0 = crop centre, ``u_px = (o + 0.5) W``)
      and ``z_r``.
    - ``'heatmap'`` (latent 2.5D heatmaps, Iqbal et al. 2018): deconvolutions and a 1x1 conv to ``J`` 2D heatmaps
      and ``J`` depth maps; spatial softmax, soft-argmax for ``(u, v)`` (heatmap cell ``x`` is input pixel
      ``x W / w``, MMPose's codec convention) and ``z_r = sum(softmax * depth map)``.

    In both variants ``z_r`` is re-centred on the root joint (``z_r[root] = 0``) so that the lifted wrist lies at
    exactly ``Z_root``, as the representation defines.

    Losses (Eq. 10, weights of supp. Sec. 8), each masked per sample and divided by the number of supervised
    elements (clamped to >= 1, so a batch with no 3D sample gives 0, finite, with zero gradient from that term):

    - ``loss_2d``: L1 on ``(u, v)`` weighted by ``keypoint_weights``. The paper does not state the 2D unit; with
      ``loss_2d_unit='pixel'`` (default) it is in crop pixels, our reading of lambda_2D = 1 next to 2D errors
      reported in px; ``'normalized'`` divides by the input size (a 1 px error on a 128 px crop costs 1/128),
      which makes the 2D term ~100x weaker than the depth terms. With ``loss_2d=dict(type=...)`` the term is that
      module instead, called as ``loss_2d(uv, uv_label, keypoint_weights)`` in the same unit and multiplied by
      ``loss_2d_weight``: e.g. ``ConfidenceKeypoint2DLoss`` (S2HAND Eq. 3: detector confidences as weights,
      SmoothL1; its ``beta`` is in that unit, crop px by default).
    - ``loss_zr``: L1 on ``z_r`` (weight 5) for samples with ``has_3d`` and a known ``ref_bone_length``.
    - ``loss_zroot``: L1 on the (refined, if a refiner is configured) ``Z_root / s`` (weight 1), same mask.
    - ``loss_zroot_cf`` (only when ``loss_zroot_closed_form_weight > 0``): L1 on the closed-form root. Off by
      default: the closed form is a fixed function of the supervised ``(u, v)`` and ``z_r``, and the paper
      supervises one ``Z_root``.
    - ``loss_bmc`` (optional ``bmc_loss`` config, e.g. ``dict(type='BMCLoss', ...)``): the biomechanical prior on
      the predicted scale-normalised 3D joints of **every** sample (2D-only samples included: that is the point).
    - ``loss_bone_dir`` (optional ``bone_direction_loss`` config, e.g. ``dict(type='BoneDirection2DLoss',
      loss_weight=0.1)``): S2HAND Eq. 4, the directions of the 20 predicted 2D bones against the labelled ones,
      weighted by the product of the two joints' ``keypoint_weights``; computed in crop pixels (directions do not
      depend on the unit, and a non-square normalisation would distort them); carries its own weight.

    Logged metrics (not summed into the objective): ``mpjpe_2d`` (crop px, over labelled joints) and
    ``mpjpe_3d`` (mm, root-relative, over 3D-labelled samples).

    Args:
        in_channels (int): channels of the selected backbone feature map (ResNet-50: 2048).
        num_joints (int): number of joints (21).
        input_size (tuple[int, int]): network input ``(w, h)`` in pixels (128, 128).
        mode (str): ``'regression'`` or ``'heatmap'``.
        feature_index (int): which backbone output to use. Defaults to -1 (the last).
        deconv_out_channels (Sequence[int]): heatmap mode: output channels of the 4x4 stride-2 deconvolutions
            (each doubles the resolution). ``()`` for backbones that already give a fine map (HRNet).
        zroot_refiner (dict, optional): config of the refiner, e.g. ``dict(type='ZRootRefiner')``; ``None``
            uses the closed form alone (paper Tab. 3 "w/o refinement").
        zroot_range (tuple[float, float], optional): clamp of the closed-form root depth in reference-bone units
            (keeps an end-on reference bone from producing astronomic depths; 1-500 = 4 cm to 20 m for a 40 mm
            bone). ``None`` disables the clamp.
        closed_form_gradient (bool): let gradients flow through the closed-form Z-root back into ``uv`` and
            ``z_r``. Off by default: the closed form is ill-conditioned (Z ~ 1/d for a reference bone of d pixels,
            so dZ/du ~ 1/d^2), and at initialisation every joint sits near the crop centre; the Z-root loss then
            dominates and drags the 2D predictions away from their labels (measured on the synthetic data: the
            2D error grew over the first 60 iterations instead of falling). The refiner, the 3D joints (through
            ``uv``, ``z_r`` and the refined residual) and the BMC loss keep their gradients either way.
        loss_2d_weight (float): lambda_2D (1).
        loss_zr_weight (float): lambda_zr (5).
        loss_zroot_weight (float): lambda_Zroot (1).
        loss_zroot_closed_form_weight (float): weight of the optional closed-form root loss (0).
        loss_2d_unit (str): ``'normalized'`` or ``'pixel'`` (see above).
        bmc_loss (dict, optional): config of the biomechanical loss, built with ``MODELS``; called as
            ``bmc_loss(joints (B, J, 3)) -> scalar`` and carrying its own weights.
        bmc_root_depth (str): which root depth places the joints the BMC loss sees. ``'refined'`` (default, the
            paper: "directly on the predicted 3D keypoints"): the refiner's ``Z_root``. ``'closed_form'``: the
            closed-form ``Z_root`` of ``(uv, z_r)`` (detached as above), whose reference bone has length 1 by
            construction, so BMC constrains the shape the 2.5D output implies and is not fooled by the
            refiner's root-depth error, which scales the hand in x and y (on a target domain the refiner never saw
            with 3D labels that error is large, and the bone-length term then pulls ``z_r`` away from the truth).
            ``'refined_detached'``: the refiner's ``Z_root`` without its gradient, so BMC shapes ``uv`` and ``z_r``
            but cannot move the root depth directly. (On the synthetic proxy BMC lowered the target domain's root
            depth, median predicted / true 0.94 -> 0.81; detaching did not prevent it, 0.68, because the refiner
            reads the ``z_r`` and rays that BMC reshapes, nor did it lower the 3D error.)
        loss_2d (dict, optional): config of a 2D loss module replacing the built-in masked L1 (None keeps it),
            called as ``loss_2d(pred (B, J, 2), target (B, J, 2), keypoint_weights (B, J)) -> scalar``.
        bone_direction_loss (dict, optional): config of the 2D bone-direction loss (same call), None for none.
        default_ref_bone_length (float): mm; metric output for samples whose ``ref_bone_length`` is unknown (0).
        init_cfg (dict, optional): mmengine init config (layers are already initialised in the constructor).
    """

    #: Bounds of the 2.5D values entering the 3D geometry: ``uv`` within this many crop sizes outside the crop,
    #: ``|z_r|`` at most this many reference-bone lengths.
    GEOMETRY_UV_MARGIN = 4.0
    GEOMETRY_MAX_ABS_ZR = 50.0

    def __init__(self,
                 in_channels: int = 2048,
                 num_joints: int = NUM_JOINTS,
                 input_size: Tuple[int, int] = (128, 128),
                 mode: str = 'regression',
                 feature_index: int = -1,
                 deconv_out_channels: Sequence[int] = (256, 256, 256),
                 zroot_refiner: OptConfigType = dict(type='ZRootRefiner'),
                 zroot_range: Optional[Tuple[float, float]] = (1.0, 500.0),
                 closed_form_gradient: bool = False,
                 loss_2d_weight: float = 1.0,
                 loss_zr_weight: float = 5.0,
                 loss_zroot_weight: float = 1.0,
                 loss_zroot_closed_form_weight: float = 0.0,
                 loss_2d_unit: str = 'pixel',
                 bmc_loss: OptConfigType = None,
                 bmc_root_depth: str = 'refined',
                 loss_2d: OptConfigType = None,
                 bone_direction_loss: OptConfigType = None,
                 default_ref_bone_length: float = DEFAULT_REF_BONE_LENGTH_MM,
                 init_cfg: OptConfigType = None):
        super().__init__(init_cfg=init_cfg)
        if mode not in ('regression', 'heatmap'):
            raise ValueError(f"Hand25DHead: mode must be 'regression' or 'heatmap', got {mode!r}")
        if loss_2d_unit not in ('normalized', 'pixel'):
            raise ValueError(f"Hand25DHead: loss_2d_unit must be 'normalized' or 'pixel', got {loss_2d_unit!r}")
        if bmc_root_depth not in ('refined', 'refined_detached', 'closed_form'):
            raise ValueError("Hand25DHead: bmc_root_depth must be 'refined', 'refined_detached' or 'closed_form', got "
                             f'{bmc_root_depth!r}')
        if len(input_size) != 2:
            raise ValueError(f'Hand25DHead: input_size must be (w, h), got {input_size!r}')
        if default_ref_bone_length <= 0:
            raise ValueError(f'Hand25DHead: default_ref_bone_length must be > 0 mm, got {default_ref_bone_length}')
        if num_joints <= max(REF_BONE_JOINTS):
            raise ValueError(f'Hand25DHead: num_joints={num_joints} does not contain the reference bone '
                             f'{REF_BONE_JOINTS}')
        self.in_channels = in_channels
        self.num_joints = num_joints
        self.input_size = tuple(int(s) for s in input_size)
        self.mode = mode
        self.feature_index = feature_index
        self.zroot_range = tuple(zroot_range) if zroot_range is not None else None
        self.closed_form_gradient = closed_form_gradient
        self.loss_2d_weight = loss_2d_weight
        self.loss_zr_weight = loss_zr_weight
        self.loss_zroot_weight = loss_zroot_weight
        self.loss_zroot_closed_form_weight = loss_zroot_closed_form_weight
        self.loss_2d_unit = loss_2d_unit
        self.bmc_root_depth = bmc_root_depth
        self.default_ref_bone_length = float(default_ref_bone_length)
        # BaseHead.decode expects the attribute; this head decodes itself (no codec: targets need K and 3D).
        self.decoder = None

        if mode == 'regression':
            self.fc = nn.Linear(in_channels, num_joints * 3)
            nn.init.normal_(self.fc.weight, std=1e-3)
            nn.init.zeros_(self.fc.bias)
        else:
            layers = []
            channels = in_channels
            for out_channels in deconv_out_channels:
                deconv = nn.ConvTranspose2d(channels, out_channels, 4, stride=2, padding=1, bias=False)
                nn.init.normal_(deconv.weight, std=1e-3)
                layers += [deconv, nn.BatchNorm2d(out_channels), nn.ReLU(inplace=True)]
                channels = out_channels
            self.deconv_layers = nn.Sequential(*layers)
            self.final_layer = nn.Conv2d(channels, 2 * num_joints, 1)
            nn.init.normal_(self.final_layer.weight, std=1e-3)
            nn.init.zeros_(self.final_layer.bias)

        self.zroot_refiner = MODELS.build(zroot_refiner) if zroot_refiner is not None else None
        self.bmc_loss = MODELS.build(bmc_loss) if bmc_loss is not None else None
        self.loss_2d_module = MODELS.build(loss_2d) if loss_2d is not None else None
        self.bone_direction_loss = MODELS.build(bone_direction_loss) if bone_direction_loss is not None else None

    # ------------------------------------------------------------------------------------------------------
    # network
    def forward(self, feats: Tuple[Tensor]) -> Tuple[Tensor, Tensor]:
        """Predict the 2.5D pose.

        Args:
            feats (tuple[Tensor]): backbone features; ``feats[feature_index]`` has shape ``(B, C, h, w)``.

        Returns:
            tuple[Tensor, Tensor]: ``uv`` ``(B, J, 2)`` crop pixels and ``z_r`` ``(B, J)`` reference-bone units.
        """
        x = feats[self.feature_index]
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f'Hand25DHead: expected a (B, {self.in_channels}, h, w) feature map at '
                             f'feats[{self.feature_index}], got {tuple(x.shape)}; set head.in_channels to the '
                             'backbone output channels (ResNet-50 2048, ResNet-18 512, MobileNetV2 1280, '
                             'HRNet-w32 32)')
        size = x.new_tensor(self.input_size)
        if self.mode == 'regression':
            out = self.fc(x.mean(dim=(2, 3))).view(-1, self.num_joints, 3)
            uv = (out[..., :2] + 0.5) * size
            z_r = out[..., 2]
        else:
            maps = self.final_layer(self.deconv_layers(x))
            batch, _, h, w = maps.shape
            logits, depth = maps[:, :self.num_joints], maps[:, self.num_joints:]
            prob = F.softmax(logits.flatten(2), dim=-1).view(batch, self.num_joints, h, w)
            xs = torch.arange(w, dtype=x.dtype, device=x.device) * (size[0] / w)
            ys = torch.arange(h, dtype=x.dtype, device=x.device) * (size[1] / h)
            uv = torch.stack(((prob.sum(2) * xs).sum(-1), (prob.sum(3) * ys).sum(-1)), dim=-1)
            z_r = (prob * depth).flatten(2).sum(-1)
        z_r = z_r - z_r[:, ROOT_JOINT:ROOT_JOINT + 1]
        return uv, z_r

    def lift(self, uv: Tensor, z_r: Tensor, K: Tensor) -> Dict[str, Tensor]:
        """Root depth (closed form, then refined) and scale-normalised 3D joints in the crop camera frame.

        ``uv`` is bounded to ``GEOMETRY_UV_MARGIN`` crop sizes around the crop and ``|z_r|`` to
        ``GEOMETRY_MAX_ABS_ZR`` before the geometry, so that no finite input can overflow into inf / NaN.

        Args:
            uv (Tensor): ``(B, J, 2)`` crop pixels.
            z_r (Tensor): ``(B, J)`` root-relative depths.
            K (Tensor): ``(B, 3, 3)`` crop intrinsics.

        Returns:
            dict[str, Tensor]: ``rays`` (B, J, 3), ``z_root_closed_form`` (B,), ``z_root`` (B,) refined (equal to
            the closed form without a refiner), ``joints_3d_norm`` (B, J, 3), ``joints_3d_norm_closed_form``
            (B, J, 3) placed with the closed-form root depth.
        """
        # Absurd outputs (e.g. an untrained network in eval mode) would overflow float32 in the squared terms of
        # the closed form; bound them for the geometry only (the 2D / z_r losses see the raw values and pull them
        # back). No meaningful prediction lies this far outside the crop or this deep.
        size = uv.new_tensor(self.input_size)
        uv = torch.maximum(torch.minimum(uv, (1 + self.GEOMETRY_UV_MARGIN) * size), -self.GEOMETRY_UV_MARGIN * size)
        z_r = z_r.clamp(min=-self.GEOMETRY_MAX_ABS_ZR, max=self.GEOMETRY_MAX_ABS_ZR)
        rays = normalized_rays(uv, K)
        if self.closed_form_gradient:
            z_root_cf = zroot_closed_form(uv, z_r, K, depth_range=self.zroot_range)
        else:
            z_root_cf = zroot_closed_form(uv.detach(), z_r.detach(), K, depth_range=self.zroot_range)
        z_root = self.zroot_refiner(z_r, rays, z_root_cf) if self.zroot_refiner is not None else z_root_cf
        joints = reconstruct_joints_3d(uv, z_r, z_root, K, rays=rays)
        joints_cf = reconstruct_joints_3d(uv, z_r, z_root_cf, K, rays=rays)
        return dict(rays=rays, z_root_closed_form=z_root_cf, z_root=z_root, joints_3d_norm=joints,
                    joints_3d_norm_closed_form=joints_cf)

    # ------------------------------------------------------------------------------------------------------
    # training
    def loss(self, feats: Tuple[Tensor], batch_data_samples: OptSampleList, train_cfg: ConfigType = {}) -> dict:
        """Masked L1 losses on 2D, ``z_r`` and ``Z_root`` plus the optional BMC loss.

        Labels come from ``gt_instance_labels`` (``docs/architecture.md``): ``keypoints_2d`` (1, J, 2) crop px,
        ``keypoint_weights`` (1, J), ``keypoints_3d`` (1, J, 3) mm crop camera frame, ``has_3d`` (1,),
        ``ref_bone_length`` (1,) mm, ``cam_K`` (1, 3, 3) crop K. Targets ``z_r`` and ``Z_root / s`` are derived
        here.

        Returns:
            dict: ``loss_2d``, ``loss_zr``, ``loss_zroot`` (+ ``loss_zroot_cf``, ``loss_bmc``, ``loss_bone_dir`` when
            enabled) and the logged metrics ``mpjpe_2d`` (px) and ``mpjpe_3d`` (mm).
        """
        uv, z_r = self.forward(feats)
        labels = [d.gt_instance_labels for d in batch_data_samples]
        try:
            gather = {key: torch.cat([getattr(lab, key) for lab in labels]).to(uv)
                      for key in ('keypoints_2d', 'keypoint_weights', 'keypoints_3d', 'has_3d', 'ref_bone_length',
                                  'cam_K')}
        except AttributeError as err:
            raise KeyError(f'Hand25DHead.loss: gt_instance_labels lack a field ({err}); expected keypoints_2d, '
                           'keypoint_weights, keypoints_3d, has_3d, ref_bone_length, cam_K as packed by '
                           'PackHand3DInputs') from err
        lifted = self.lift(uv, z_r, gather['cam_K'])
        zr_gt, zroot_gt = relative_depths(gather['keypoints_3d'], gather['ref_bone_length'])
        weight_2d = gather['keypoint_weights']  # (B, J)
        ref = gather['ref_bone_length']
        weight_3d = gather['has_3d'] * (ref > 0).to(uv)  # (B,)

        unit = uv.new_tensor(self.input_size) if self.loss_2d_unit == 'normalized' else uv.new_ones(2)
        losses = dict()
        if self.loss_2d_module is None:
            err_2d = ((uv - gather['keypoints_2d']) / unit).abs()
            losses['loss_2d'] = self.loss_2d_weight * (err_2d * weight_2d[..., None]).sum() / (
                2 * weight_2d.sum()).clamp(min=1)
        else:
            losses['loss_2d'] = self.loss_2d_weight * self.loss_2d_module(uv / unit, gather['keypoints_2d'] / unit,
                                                                          weight_2d)
        if self.bone_direction_loss is not None:
            name = getattr(self.bone_direction_loss, 'loss_name', 'loss_bone_dir')
            losses[name] = self.bone_direction_loss(uv, gather['keypoints_2d'], weight_2d)
        num_3d = weight_3d.sum()
        losses['loss_zr'] = self.loss_zr_weight * ((z_r - zr_gt).abs() * weight_3d[:, None]).sum() / (
            self.num_joints * num_3d).clamp(min=1)
        losses['loss_zroot'] = self.loss_zroot_weight * (
            (lifted['z_root'] - zroot_gt).abs() * weight_3d).sum() / num_3d.clamp(min=1)
        if self.loss_zroot_closed_form_weight > 0:
            losses['loss_zroot_cf'] = self.loss_zroot_closed_form_weight * (
                (lifted['z_root_closed_form'] - zroot_gt).abs() * weight_3d).sum() / num_3d.clamp(min=1)
        if self.bmc_loss is not None:
            # every sample, 2D-only ones included; logged under the loss's own name (BMCLoss: 'loss_bmc')
            if self.bmc_root_depth == 'refined_detached':
                joints_bmc = reconstruct_joints_3d(uv, z_r, lifted['z_root'].detach(), None, rays=lifted['rays'])
            else:
                key = 'joints_3d_norm_closed_form' if self.bmc_root_depth == 'closed_form' else 'joints_3d_norm'
                joints_bmc = lifted[key]
            losses[getattr(self.bmc_loss, 'loss_name', 'loss_bmc')] = self.bmc_loss(joints_bmc)

        with torch.no_grad():
            dist_2d = (uv - gather['keypoints_2d']).norm(dim=-1)
            losses['mpjpe_2d'] = (dist_2d * weight_2d).sum() / weight_2d.sum().clamp(min=1)
            pred = lifted['joints_3d_norm']
            pred_rel = (pred - pred[:, ROOT_JOINT:ROOT_JOINT + 1]) * ref[:, None, None]
            gt = gather['keypoints_3d']
            gt_rel = gt - gt[:, ROOT_JOINT:ROOT_JOINT + 1]
            dist_3d = (pred_rel - gt_rel).norm(dim=-1).mean(-1)
            losses['mpjpe_3d'] = (dist_3d * weight_3d).sum() / num_3d.clamp(min=1)
        return losses

    # ------------------------------------------------------------------------------------------------------
    # inference
    def predict_tensors(self,
                        feats: Features,
                        K: Tensor,
                        ref_bone_length: Optional[Tensor] = None,
                        with_joint_angles: bool = False) -> Dict[str, Tensor]:
        """Batched prediction in the crop frame, as tensors (no per-sample work, no numpy, no host sync).

        Args:
            feats (tuple[Tensor]): backbone features.
            K (Tensor): ``(B, 3, 3)`` crop intrinsics.
            ref_bone_length (Tensor, optional): ``(B,)`` reference-bone length in mm, ``<= 0`` where unknown;
                ``None`` means unknown for every sample (``default_ref_bone_length`` scales the metric output).
            with_joint_angles (bool): also compute the 15 (flexion, abduction) pairs, radians.

        Returns:
            dict[str, Tensor]: ``keypoints_crop`` (B, J, 2) crop px, ``z_r`` (B, J), ``z_root`` (B,) refined and
            ``z_root_closed_form`` (B,) in reference-bone units, ``keypoints_3d_norm`` (B, J, 3) reference-bone
            units and ``keypoints_3d`` (B, J, 3) mm, both in the crop camera frame, ``ref_bone_length_used``
            (B,) mm, and ``joint_angles`` (B, 15, 2) radians when asked.
        """
        uv, z_r = self.forward(feats)
        lifted = self.lift(uv, z_r, K.to(uv))
        default = torch.full_like(lifted['z_root'], self.default_ref_bone_length)
        scale = default if ref_bone_length is None else torch.where(ref_bone_length.to(uv) > 0,
                                                                      ref_bone_length.to(uv), default)
        joints_norm = lifted['joints_3d_norm']
        outputs = dict(
            keypoints_crop=uv,
            z_r=z_r,
            z_root=lifted['z_root'],
            z_root_closed_form=lifted['z_root_closed_form'],
            keypoints_3d_norm=joints_norm,
            keypoints_3d=joints_norm * scale[:, None, None],
            ref_bone_length_used=scale)
        if with_joint_angles:
            outputs['joint_angles'] = hand_joint_angles(joints_norm)
        return outputs

    @staticmethod
    def batch_camera_inputs(batch_data_samples: OptSampleList) -> Tuple[np.ndarray, np.ndarray]:
        """Crop intrinsics ``(B, 3, 3)`` and reference-bone lengths ``(B,)`` (mm, 0 if unknown) from metainfo."""
        metas = [d.metainfo for d in batch_data_samples]
        missing = [i for i, m in enumerate(metas) if 'cam_K' not in m]
        if missing:
            raise KeyError(f'Hand25DHead.predict: metainfo of samples {missing} lacks "cam_K" (3, 3) crop '
                           'intrinsics; use PackHand3DInputs (or set it for inference)')
        K = np.stack([np.asarray(m['cam_K'], np.float32).reshape(3, 3) for m in metas])
        ref = np.array([float(m.get('ref_bone_length', 0.) or 0.) for m in metas], np.float32)
        return K, ref

    def predict(self, feats: Features, batch_data_samples: OptSampleList, test_cfg: ConfigType = {}) -> InstanceList:
        """Predict 2.5D, root depth and 3D for every sample (crop frame; the estimator maps to the image).

        Flip test-time augmentation is not supported: a horizontal flip turns the right hand the model was trained
        on into a left hand.

        Args:
            feats (tuple[Tensor]): backbone features.
            batch_data_samples (list[PoseDataSample]): with ``metainfo['cam_K']`` (3, 3) crop intrinsics and
                ``metainfo['ref_bone_length']`` (mm, 0 or absent if unknown).
            test_cfg (dict): ``flip_test`` must be falsy; ``output_joint_angles=True`` adds ``joint_angles``.

        Returns:
            list[InstanceData]: per sample (numpy, one instance): ``keypoints`` (1, J, 2) crop px (the estimator
            maps them to the original image), ``keypoint_scores`` (1, J) ones (a regression head has no
            confidence), ``keypoints_crop`` (1, J, 2), ``z_r`` (1, J), ``z_root`` (1,) refined and
            ``z_root_closed_form`` (1,) in reference-bone units, ``keypoints_3d_norm`` (1, J, 3) and
            ``keypoints_3d`` (1, J, 3) mm in the crop camera frame (mm from ``ref_bone_length`` when > 0, else
            ``default_ref_bone_length``) and, only with ``test_cfg.output_joint_angles``, ``joint_angles``
            (1, 15, 2) radians (flexion, abduction).
        """
        self.check_test_cfg(test_cfg)
        K, ref = self.batch_camera_inputs(batch_data_samples)
        outputs = self.predict_tensors(feats, torch.from_numpy(K), torch.from_numpy(ref),
                                       with_joint_angles=bool(test_cfg.get('output_joint_angles', False)))
        return self.split_outputs(self.outputs_to_numpy(outputs))

    @staticmethod
    def check_test_cfg(test_cfg: ConfigType) -> None:
        if test_cfg.get('flip_test', False):
            raise ValueError('Hand25DHead: flip_test=True is not supported (a flipped right hand is a left hand); '
                             'set model.test_cfg.flip_test=False')

    @staticmethod
    def outputs_to_numpy(outputs: Dict[str, Tensor]) -> Dict[str, np.ndarray]:
        """Batched tensors -> float32 numpy arrays (one transfer per key), plus ``keypoints`` (= crop 2D) and
        ``keypoint_scores`` (ones) as the MMPose contract names them."""
        arrays = {k: v.detach().float().cpu().numpy() for k, v in outputs.items() if k != 'ref_bone_length_used'}
        arrays['keypoints'] = arrays['keypoints_crop']
        arrays['keypoint_scores'] = np.ones(arrays['z_r'].shape, np.float32)
        return arrays

    @staticmethod
    def split_outputs(arrays: Dict[str, np.ndarray]) -> InstanceList:
        """Batched arrays ``(B, ...)`` -> one ``InstanceData`` per sample with leading dim 1 (views, no copy)."""
        batch = len(next(iter(arrays.values())))
        return [InstanceData(**{k: v[i:i + 1] for k, v in arrays.items()}) for i in range(batch)]
