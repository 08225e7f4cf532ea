# Copyright (c) bmc_mmpose authors. All rights reserved.
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.structures import InstanceData
from mmpose.models.heads.base_head import BaseHead
from mmpose.registry import KEYPOINT_CODECS, MODELS
from mmpose.utils.typing import ConfigType, Features, InstanceList, OptConfigType, OptSampleList
from torch import Tensor

from bmc_mmpose.codecs import Hand25DCodec  # noqa: F401  (registers the default decoder)
from bmc_mmpose.geometry.angles import hand_joint_angles
from bmc_mmpose.geometry.camera import normalized_rays
from bmc_mmpose.geometry.kinematics import TEMPLATE_BONE_LENGTHS
from bmc_mmpose.geometry.skeleton import NUM_BONES, NUM_JOINTS, REF_BONE_JOINTS
from bmc_mmpose.geometry.zroot import reconstruct_joints_3d
from bmc_mmpose.geometry.zroot_bones import zroot_from_bones

#: Reference-bone length (mm) used for metric output when a sample's length is unknown. The middle finger's
#: MCP -> PIP distance (the proximal phalanx) is about 39-45 mm in adult hand-anthropometry studies (women to
#: men); 40 mm is a rounded adult mean. RHD's synthetic hands measure 35-37 mm, FreiHAND publishes the exact value
#: per test sample (``evaluation_scale.json``), so the default only matters for images of unknown hands.
DEFAULT_REF_BONE_LENGTH_MM = 40.0

#: Arguments of :meth:`Hand25DHead.refine_with_bmc` accepted in ``test_cfg.bmc_refine`` and their defaults.
BMC_REFINE_DEFAULTS = dict(steps=100, lr=0.01, loss=None, uv_std=None)


@MODELS.register_module()
class Hand25DHead(BaseHead):
    """2.5D hand head with closed-form root depth, Z-root refiner and BMC loss (Spurr et al., ECCV 2020).

    The head predicts, for every joint, pixels ``(u, v)`` in the network input crop and the scale-normalised
    root-relative depth ``z_r`` (``docs/architecture.md``), lifts them with the crop intrinsics ``K`` to 3D and
    supervises them. Its parts, each a config:

    - ``readout``: features -> ``(u, v, z_r)``; ``RegressionReadout2p5D`` (the paper, supp. Sec. 8: pooling and
      one linear layer) or ``HeatmapReadout2p5D`` (latent 2.5D heatmaps of Iqbal et al. 2018), see
      :mod:`bmc_mmpose.models.heads.readouts`. The head fills in ``in_channels``, ``num_joints`` and
      ``input_size`` and re-centres ``z_r`` on the root joint (``z_r[root] = 0``), so that the lifted wrist lies at
      exactly ``Z_root``, as the representation defines.
    - ``decoder``: the 2.5D representation, :class:`~bmc_mmpose.codecs.Hand25DCodec`: depth targets from the labels
      (``encode``) and the lifting ``J = (Z_root + z_r) K^-1 [u, v, 1]`` in reference-bone units with the
      closed-form root depth of Iqbal et al. 2018 (``decode``).
    - ``zroot_refiner``: the residual MLP of supp. Tab. 6 (:class:`ZRootRefiner`) that refines the closed-form
      root depth before the final lifting; ``None`` keeps the closed form (paper Tab. 3 "w/o refinement").
    - losses (Eq. 10, weights of supp. Sec. 8 in the default configs), each called as
      ``loss(pred, target, weight)`` and carrying its own ``loss_weight``; the default ``MaskedL1Loss`` divides
      by the number of supervised elements (clamped to >= 1, so a batch with no 3D sample gives 0, finite, with
      zero gradient from that term):

      - ``loss_2d``: on ``(u, v)`` ``(B, J, 2)`` with the ``keypoint_weights`` ``(B, J)``, in the unit
        ``loss_2d_unit``. The paper does not state the 2D unit; ``'pixel'`` (default) is crop pixels, our
        reading of lambda_2D = 1 next to 2D errors reported in px; ``'normalized'`` divides by the input size
        (a 1 px error on a 128 px crop costs 1/128), which makes the 2D term ~100x weaker than the depth terms.
        E.g. ``ConfidenceKeypoint2DLoss`` (S2HAND Eq. 3: detector confidences as weights, SmoothL1; its
        ``beta`` is in that unit) instead of the L1.
      - ``loss_zr``: on ``z_r`` ``(B, J)`` for samples with ``has_3d`` and a known ``ref_bone_length``.
      - ``loss_zroot``: on the (refined, if a refiner is configured) ``Z_root / s`` ``(B,)``, same mask.
      - ``loss_zroot_cf`` (optional): on the closed-form root. Off by default: the closed form is a fixed
        function of the supervised ``(u, v)`` and ``z_r``, and the paper supervises one ``Z_root``.
      - ``loss_bmc`` (optional, e.g. ``dict(type='BMCLoss', ...)``): the biomechanical prior on the predicted
        scale-normalised 3D joints ``(B, J, 3)`` of **every** sample (2D-only samples included: that is the
        point), called as ``loss_bmc(joints)`` and logged under its ``loss_name``.
      - ``bone_direction_loss`` (optional, e.g. ``dict(type='BoneDirection2DLoss', loss_weight=0.1)``): S2HAND
        Eq. 4, the directions of the 20 predicted 2D bones against the labelled ones, weighted by the product of
        the two joints' ``keypoint_weights``; computed in crop pixels (directions do not depend on the unit, and a
        non-square normalisation would distort them); logged under its ``loss_name``.
      - ``loss_heatmap`` (optional, heatmap read-outs only, e.g. ``dict(type='HeatmapDistributionLoss')``): dense
        supervision of the latent 2D heatmaps by the 2D labels (``keypoint_weights``); the soft-argmax stays
        the read-out. Not in the paper, which regresses; used by the synthetic proxy's heatmap model.

    ``root_solver`` chooses the closed form the refiner starts from (and BMC's ``'closed_form'`` placement uses):
    ``'closed_form'`` is Iqbal et al.'s (the codec's), which makes the reference bone (joints 9 -> 10) exactly 1
    long; ``'bones'`` pools the same quadratic over all 20 bones with expected lengths ``bone_lengths``
    (:func:`bmc_mmpose.geometry.zroot_bones.zroot_from_bones`, clamped to the codec's ``zroot_range``). The first
    is exact for exact 2.5D values but turns a small ``z_r`` error of joints 9 / 10 into a large root error when
    that bone points towards the camera (and with it a wrong size of the whole hand in x and y); the second
    averages 20 bones and is off by the hand's deviation from the expected proportions instead
    With ``'bones'`` the outputs named ``z_root_closed_form``
    hold the pooled root.

    Logged metrics (not summed into the objective): ``mpjpe_2d`` (crop px, over labelled joints) and
    ``mpjpe_3d`` (mm, root-relative, over 3D-labelled samples).

    Args:
        in_channels (int): channels of the selected backbone feature map (ResNet-50: 2048).
        num_joints (int): number of joints (21).
        input_size (tuple[int, int]): network input ``(w, h)`` in pixels (128, 128).
        readout (dict): config of the read-out (``MODELS``).
        feature_index (int): which backbone output to use. Defaults to -1 (the last).
        decoder (dict, optional): config of the codec (``KEYPOINT_CODECS``); default ``dict(type='Hand25DCodec')``
            with the head's ``input_size``. Its ``zroot_range`` clamps the closed-form root depth.
        zroot_refiner (dict, optional): config of the refiner, e.g. ``dict(type='ZRootRefiner')``; ``None``
            uses the closed form alone.
        closed_form_gradient (bool): let gradients flow through the closed-form Z-root back into ``uv`` and
            ``z_r``. Off by default: the closed form is ill-conditioned (Z ~ 1/d for a reference bone of d pixels,
            so dZ/du ~ 1/d^2), and at initialisation every joint sits near the crop centre; the Z-root loss then
            dominates and drags the 2D predictions away from their labels (on the synthetic data the 2D error grew
            over the first iterations instead of falling). The refiner, the 3D joints (through ``uv``, ``z_r`` and
            the refined residual) and the BMC loss keep their gradients either way.
        loss_2d (dict): config of the 2D loss, called as ``loss_2d(pred (B, J, 2), target (B, J, 2),
            keypoint_weights (B, J)) -> scalar`` in the unit ``loss_2d_unit``.
        loss_zr (dict): config of the ``z_r`` loss, ``(B, J), (B, J), (B,) -> scalar``.
        loss_zroot (dict): config of the root-depth loss, ``(B,), (B,), (B,) -> scalar``.
        loss_zroot_cf (dict, optional): config of the closed-form root-depth loss (same call), None for none.
        loss_2d_unit (str): ``'normalized'`` or ``'pixel'`` (see above).
        loss_bmc (dict, optional): config of the biomechanical loss, called as ``loss_bmc(joints (B, J, 3)) ->
            scalar`` and carrying its own weights.
        bmc_root_depth (str): which root depth places the joints the BMC loss sees. ``'refined'`` (default, the
            paper: "directly on the predicted 3D keypoints"): the refiner's ``Z_root``. ``'closed_form'``: the
            closed-form ``Z_root`` of ``(uv, z_r)`` (detached as above), whose reference bone has length 1 by
            construction, so BMC constrains the shape the 2.5D output implies and is not fooled by the
            refiner's root-depth error, which scales the hand in x and y (on a target domain the refiner never saw
            with 3D labels that error is large, and the bone-length term then pulls ``z_r`` away from the truth).
            ``'refined_detached'``: the refiner's ``Z_root`` without its gradient, so BMC shapes ``uv`` and ``z_r``
            but cannot move the root depth directly (the refiner still reads the ``z_r`` and rays that BMC
            reshapes, so the root depth can still drift through them).
        bone_direction_loss (dict, optional): config of the 2D bone-direction loss (called like ``loss_2d``, in
            crop pixels), None for none.
        loss_heatmap (dict, optional): config of a dense loss on the heatmap logits, called as
            ``loss_heatmap(logits (B, J, h, w), uv (B, J, 2) crop px, input_size, keypoint_weights (B, J))``;
            needs a read-out with ``forward_with_heatmaps``. None for none.
        root_solver (str): ``'closed_form'`` (Iqbal et al., the paper) or ``'bones'``, see below.
        bone_lengths (Sequence[float] | str, optional): 20 expected bone lengths (reference-bone units,
            ``BONE_CHILDREN`` order) for ``root_solver='bones'``, or ``'template'`` for the kinematic template's
            lengths; default (None): the midpoints of the BMC loss's bone-length limits when a BMC loss is
            configured, else the template's.
        default_ref_bone_length (float): mm; metric output for samples whose ``ref_bone_length`` is unknown (0).
        init_cfg (dict, optional): mmengine init config (layers are already initialised in their constructors).
    """

    def __init__(self,
                 in_channels: int = 2048,
                 num_joints: int = NUM_JOINTS,
                 input_size: Tuple[int, int] = (128, 128),
                 readout: ConfigType = dict(type='RegressionReadout2p5D'),
                 feature_index: int = -1,
                 decoder: OptConfigType = None,
                 zroot_refiner: OptConfigType = dict(type='ZRootRefiner'),
                 closed_form_gradient: bool = False,
                 loss_2d: ConfigType = dict(type='MaskedL1Loss', loss_weight=1.0),
                 loss_zr: ConfigType = dict(type='MaskedL1Loss', loss_weight=5.0),
                 loss_zroot: ConfigType = dict(type='MaskedL1Loss', loss_weight=1.0),
                 loss_zroot_cf: OptConfigType = None,
                 loss_2d_unit: str = 'pixel',
                 loss_bmc: OptConfigType = None,
                 bmc_root_depth: str = 'refined',
                 bone_direction_loss: OptConfigType = None,
                 loss_heatmap: OptConfigType = None,
                 root_solver: str = 'closed_form',
                 bone_lengths: Optional[Union[Sequence[float], str]] = None,
                 default_ref_bone_length: float = DEFAULT_REF_BONE_LENGTH_MM,
                 init_cfg: OptConfigType = None):
        super().__init__(init_cfg=init_cfg)
        if loss_2d_unit not in ('normalized', 'pixel'):
            raise ValueError(f"Hand25DHead: loss_2d_unit must be 'normalized' or 'pixel', got {loss_2d_unit!r}")
        if root_solver not in ('closed_form', 'bones'):
            raise ValueError(f"Hand25DHead: root_solver must be 'closed_form' or 'bones', got {root_solver!r}")
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
        self.feature_index = feature_index
        self.closed_form_gradient = closed_form_gradient
        self.loss_2d_unit = loss_2d_unit
        self.bmc_root_depth = bmc_root_depth
        self.default_ref_bone_length = float(default_ref_bone_length)

        # Build order = order of the random initialisations (read-out, then refiner): keep it for reproducibility.
        readout = dict(readout)
        readout.setdefault('in_channels', in_channels)
        readout.setdefault('num_joints', num_joints)
        readout.setdefault('input_size', self.input_size)
        self.readout = MODELS.build(readout)
        decoder = dict(type='Hand25DCodec') if decoder is None else dict(decoder)
        decoder.setdefault('input_size', self.input_size)
        self.decoder = KEYPOINT_CODECS.build(decoder)
        if tuple(self.decoder.input_size) != self.input_size:
            raise ValueError(f'Hand25DHead: decoder input_size {self.decoder.input_size} differs from the head\'s '
                             f'{self.input_size}')
        self.zroot_refiner = MODELS.build(zroot_refiner) if zroot_refiner is not None else None
        self.loss_bmc = MODELS.build(loss_bmc) if loss_bmc is not None else None
        self.loss_2d = MODELS.build(loss_2d)
        self.loss_zr = MODELS.build(loss_zr)
        self.loss_zroot = MODELS.build(loss_zroot)
        self.loss_zroot_cf = MODELS.build(loss_zroot_cf) if loss_zroot_cf is not None else None
        self.bone_direction_loss = MODELS.build(bone_direction_loss) if bone_direction_loss is not None else None
        self.loss_heatmap = MODELS.build(loss_heatmap) if loss_heatmap is not None else None
        if self.loss_heatmap is not None and not hasattr(self.readout, 'forward_with_heatmaps'):
            raise ValueError(f'Hand25DHead: loss_heatmap needs a read-out with heatmaps (HeatmapReadout2p5D), got '
                             f'{type(self.readout).__name__}')
        self.root_solver = root_solver
        if isinstance(bone_lengths, str) and bone_lengths == 'template':
            lengths = torch.tensor(TEMPLATE_BONE_LENGTHS)
        elif bone_lengths is None:
            if self.loss_bmc is not None and hasattr(self.loss_bmc, 'bone_length_min'):
                lengths = 0.5 * (self.loss_bmc.bone_length_min + self.loss_bmc.bone_length_max)
            else:
                lengths = torch.tensor(TEMPLATE_BONE_LENGTHS)
        else:
            lengths = torch.as_tensor(list(bone_lengths), dtype=torch.float32)
        if lengths.shape != (NUM_BONES, ) or not bool((lengths > 0).all()):
            raise ValueError(f'{type(self).__name__}: bone_lengths must be {NUM_BONES} positive lengths, got '
                             f'{lengths.tolist()}')
        self.register_buffer('expected_bone_lengths', lengths.detach().float().clone(), persistent=False)
        self._register_load_state_dict_pre_hook(self._rename_legacy_keys)

    def _rename_legacy_keys(self, state_dict: dict, prefix: str, *args, **kwargs) -> None:
        """Load checkpoints whose read-out layers sat directly in the head (``fc``, ``deconv_layers``,
        ``final_layer``) into ``readout.<name>``."""
        for key in list(state_dict):
            rest = key[len(prefix):] if key.startswith(prefix) else None
            if rest is not None and rest.split('.')[0] in ('fc', 'deconv_layers', 'final_layer'):
                state_dict[prefix + 'readout.' + rest] = state_dict.pop(key)

    # ------------------------------------------------------------------------------------------------------
    # network
    def forward(self, feats: Tuple[Tensor]) -> Tuple[Tensor, Tensor]:
        """Predict the 2.5D pose.

        Args:
            feats (tuple[Tensor]): backbone features; ``feats[feature_index]`` has shape ``(B, C, h, w)``.

        Returns:
            tuple[Tensor, Tensor]: ``uv`` ``(B, J, 2)`` crop pixels and ``z_r`` ``(B, J)`` reference-bone units.
        """
        x = self.selected_features(feats)
        uv, z_r = self.readout(x)
        return uv, self.center_on_root(z_r)

    def selected_features(self, feats: Tuple[Tensor]) -> Tensor:
        """``feats[feature_index]``, checked to be a ``(B, in_channels, h, w)`` map."""
        x = feats[self.feature_index]
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f'Hand25DHead: expected a (B, {self.in_channels}, h, w) feature map at '
                             f'feats[{self.feature_index}], got {tuple(x.shape)}; set head.in_channels to the '
                             'backbone output channels (ResNet-50 2048, ResNet-18 512, MobileNetV2 1280, '
                             'HRNet-w32 32)')
        return x

    def forward_with_heatmaps(self, feats: Tuple[Tensor]) -> Tuple[Tensor, Tensor, Tensor]:
        """As :meth:`forward`, plus the read-out's 2D heatmap logits ``(B, J, h, w)`` (heatmap read-outs only)."""
        uv, z_r, logits = self.readout.forward_with_heatmaps(self.selected_features(feats))
        return uv, self.center_on_root(z_r), logits

    def center_on_root(self, z_r: Tensor) -> Tensor:
        """``z_r`` ``(B, J)`` minus its root entry (the representation's ``z_r[root] = 0``)."""
        root = self.decoder.root_joint
        return z_r - z_r[:, root:root + 1]

    def closed_form_root(self, uv: Tensor, z_r: Tensor, K: Tensor) -> Tensor:
        """Closed-form root depth ``(B,)`` (reference-bone units) the refiner starts from: the codec's two-joint
        closed form, or with ``root_solver='bones'`` the root pooled over all 20 bones."""
        if self.root_solver == 'closed_form':
            return self.decoder.closed_form_root(uv, z_r, K)
        return zroot_from_bones(uv, z_r, K, self.expected_bone_lengths.to(uv), depth_range=self.decoder.zroot_range)

    def lift(self, uv: Tensor, z_r: Tensor, K: Tensor) -> Dict[str, Tensor]:
        """Root depth (closed form, then refined) and scale-normalised 3D joints in the crop camera frame.

        ``uv`` and ``z_r`` are bounded by the codec (:meth:`Hand25DCodec.bound`) before the geometry, so that no
        finite input can overflow into inf / NaN; the 2D / ``z_r`` losses see the raw values and pull them back.

        Args:
            uv (Tensor): ``(B, J, 2)`` crop pixels.
            z_r (Tensor): ``(B, J)`` root-relative depths.
            K (Tensor): ``(B, 3, 3)`` crop intrinsics.

        Returns:
            dict[str, Tensor]: ``rays`` (B, J, 3), ``z_root_closed_form`` (B,), ``z_root`` (B,) refined (equal to
            the closed form without a refiner), ``joints_3d_norm`` (B, J, 3), ``joints_3d_norm_closed_form``
            (B, J, 3) placed with the closed-form root depth.
        """
        uv, z_r = self.decoder.bound(uv, z_r)
        rays, z_root_cf, z_root = self.root_depths(uv, z_r, K)
        joints, _ = self.decoder.decode(uv, z_r, K, z_root=z_root, rays=rays)
        joints_cf, _ = self.decoder.decode(uv, z_r, K, z_root=z_root_cf, rays=rays)
        return dict(rays=rays, z_root_closed_form=z_root_cf, z_root=z_root, joints_3d_norm=joints,
                    joints_3d_norm_closed_form=joints_cf)

    def root_depths(self, uv: Tensor, z_r: Tensor, K: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Rays ``(B, J, 3)``, closed-form and refined root depths ``(B,)`` of already bounded ``(uv, z_r)``
        (the part of :meth:`lift` before the joints are placed)."""
        rays = normalized_rays(uv, K)
        if self.closed_form_gradient:
            z_root_cf = self.closed_form_root(uv, z_r, K)
        else:
            z_root_cf = self.closed_form_root(uv.detach(), z_r.detach(), K)
        z_root = self.zroot_refiner(z_r, rays, z_root_cf) if self.zroot_refiner is not None else z_root_cf
        return rays, z_root_cf, z_root

    # ------------------------------------------------------------------------------------------------------
    # training
    def loss(self, feats: Tuple[Tensor], batch_data_samples: OptSampleList, train_cfg: ConfigType = {}) -> dict:
        """Losses on 2D, ``z_r`` and ``Z_root`` plus the optional ones (see the class docstring).

        Labels come from ``gt_instance_labels`` (``docs/architecture.md``): ``keypoints_2d`` (1, J, 2) crop px,
        ``keypoint_weights`` (1, J), ``keypoints_3d`` (1, J, 3) mm crop camera frame, ``has_3d`` (1,),
        ``ref_bone_length`` (1,) mm, ``cam_K`` (1, 3, 3) crop K. The ``z_r`` and ``Z_root / s`` targets are
        encoded here by the codec, batched.

        Returns:
            dict: ``loss_2d``, ``loss_zr``, ``loss_zroot`` (+ ``loss_zroot_cf``, ``loss_bmc``, ``loss_bone_dir``, ``loss_heatmap`` when
            enabled) and the logged metrics ``mpjpe_2d`` (px) and ``mpjpe_3d`` (mm).
        """
        if self.loss_heatmap is not None:
            uv, z_r, heatmap_logits = self.forward_with_heatmaps(feats)
        else:
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
        ref = gather['ref_bone_length']
        targets = self.decoder.encode(gather['keypoints_2d'], gather['keypoint_weights'],
                                      keypoints_3d=gather['keypoints_3d'], ref_bone_length=ref)
        uv_gt, weight_2d = targets['keypoint_labels'], targets['keypoint_weights']  # (B, J, 2), (B, J)
        weight_3d = gather['has_3d'] * (ref > 0).to(uv)  # (B,)

        unit = uv.new_tensor(self.input_size) if self.loss_2d_unit == 'normalized' else uv.new_ones(2)
        losses = dict()
        losses['loss_2d'] = self.loss_2d(uv / unit, uv_gt / unit, weight_2d)
        if self.bone_direction_loss is not None:
            name = getattr(self.bone_direction_loss, 'loss_name', 'loss_bone_dir')
            losses[name] = self.bone_direction_loss(uv, uv_gt, weight_2d)
        if self.loss_heatmap is not None:
            losses['loss_heatmap'] = self.loss_heatmap(heatmap_logits, uv_gt, self.input_size, weight_2d)
        losses['loss_zr'] = self.loss_zr(z_r, targets['zr_labels'], weight_3d)
        losses['loss_zroot'] = self.loss_zroot(lifted['z_root'], targets['zroot_labels'], weight_3d)
        if self.loss_zroot_cf is not None:
            losses['loss_zroot_cf'] = self.loss_zroot_cf(lifted['z_root_closed_form'], targets['zroot_labels'],
                                                         weight_3d)
        if self.loss_bmc is not None:
            # every sample, 2D-only ones included; logged under the loss's own name (BMCLoss: 'loss_bmc')
            if self.bmc_root_depth == 'refined_detached':
                joints_bmc = reconstruct_joints_3d(uv, z_r, lifted['z_root'].detach(), None, rays=lifted['rays'])
            else:
                key = 'joints_3d_norm_closed_form' if self.bmc_root_depth == 'closed_form' else 'joints_3d_norm'
                joints_bmc = lifted[key]
            losses[getattr(self.loss_bmc, 'loss_name', 'loss_bmc')] = self.loss_bmc(joints_bmc)

        with torch.no_grad():
            dist_2d = (uv - uv_gt).norm(dim=-1)
            losses['mpjpe_2d'] = (dist_2d * weight_2d).sum() / weight_2d.sum().clamp(min=1)
            root = self.decoder.root_joint
            pred = lifted['joints_3d_norm']
            pred_rel = (pred - pred[:, root:root + 1]) * ref[:, None, None]
            gt = gather['keypoints_3d']
            gt_rel = gt - gt[:, root:root + 1]
            dist_3d = (pred_rel - gt_rel).norm(dim=-1).mean(-1)
            losses['mpjpe_3d'] = (dist_3d * weight_3d).sum() / weight_3d.sum().clamp(min=1)
        return losses

    # ------------------------------------------------------------------------------------------------------
    # inference
    def predict_tensors(self,
                        feats: Features,
                        K: Tensor,
                        ref_bone_length: Optional[Tensor] = None,
                        with_joint_angles: bool = False,
                        bmc_refine: Optional[dict] = None) -> Dict[str, Tensor]:
        """Batched prediction in the crop frame, as tensors (no per-sample work, no numpy, no host sync).

        Args:
            feats (tuple[Tensor]): backbone features.
            K (Tensor): ``(B, 3, 3)`` crop intrinsics.
            ref_bone_length (Tensor, optional): ``(B,)`` reference-bone length in mm, ``<= 0`` where unknown;
                ``None`` means unknown for every sample (``default_ref_bone_length`` scales the metric output).
            with_joint_angles (bool): also compute the 15 (flexion, abduction) pairs, radians.
            bmc_refine (dict, optional): test-time BMC refinement (:meth:`refine_with_bmc` arguments ``steps``,
                ``lr``, ``loss``, ``uv_std``); None for none.

        Returns:
            dict[str, Tensor]: ``keypoints_crop`` (B, J, 2) crop px, ``z_r`` (B, J), ``z_root`` (B,) refined and
            ``z_root_closed_form`` (B,) in reference-bone units, ``keypoints_3d_norm`` (B, J, 3) reference-bone
            units and ``keypoints_3d`` (B, J, 3) mm, both in the crop camera frame, ``ref_bone_length_used``
            (B,) mm, and ``joint_angles`` (B, 15, 2) radians when asked.
        """
        uv, z_r = self.forward(feats)
        if bmc_refine:
            uv, z_r = self.refine_with_bmc(uv, z_r, K.to(uv), **bmc_refine)
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
            test_cfg (dict): ``flip_test`` must be falsy; ``output_joint_angles=True`` adds ``joint_angles``;
                ``bmc_refine=dict(steps=100, lr=0.01, loss=None, uv_std=None)`` refines each hand with L_BMC
                (:meth:`refine_with_bmc`; not in the paper).

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
                                       with_joint_angles=bool(test_cfg.get('output_joint_angles', False)),
                                       bmc_refine=test_cfg.get('bmc_refine'))
        return self.split_outputs(self.outputs_to_numpy(outputs))

    @staticmethod
    def check_test_cfg(test_cfg: ConfigType) -> None:
        if test_cfg.get('flip_test', False):
            raise ValueError('Hand25DHead: flip_test=True is not supported (a flipped right hand is a left hand); '
                             'set model.test_cfg.flip_test=False')
        refine = test_cfg.get('bmc_refine')
        if refine:
            unknown = set(refine) - set(BMC_REFINE_DEFAULTS)
            if unknown:
                raise ValueError(f'test_cfg.bmc_refine: unknown keys {sorted(unknown)}; expected a subset of '
                                 f'{sorted(BMC_REFINE_DEFAULTS)}')

    def refine_with_bmc(self, uv: Tensor, z_r: Tensor, K: Tensor, steps: int = BMC_REFINE_DEFAULTS['steps'],
                        lr: float = BMC_REFINE_DEFAULTS['lr'], loss: OptConfigType = None,
                        uv_std: Optional[float] = BMC_REFINE_DEFAULTS['uv_std']) -> Tuple[Tensor, Tensor]:
        """Test-time BMC refinement (not in the paper, which uses BMC only as a training loss): ``steps`` Adam
        steps on each hand's own L_BMC over its relative depths ``z_r`` and, with ``uv_std``, its 2D.

        The joints BMC reads are placed as in training with ``bmc_root_depth='refined'``: the refiner's root
        depth of the current ``(uv, z_r)``, recomputed every step without gradient. The objective is summed over
        hands and Adam scales each element on its own, so every hand is refined independently of the batch; with
        the 2D held, also independently of the loss's overall scale (only the ratios of its term weights matter).

        With ``uv_std`` (crop px, the expected error of the input 2D) the 2D moves too, as ``uv + uv_std * d``
        with a Gaussian prior ``|d|^2 / 2`` per joint (mean over joints) added to L_BMC: BMC may then move a noisy
        joint where its bones and angles become plausible, at a cost that grows with the distance in units of
        the expected 2D error. The balance with L_BMC then depends on the loss's weights.

        Works under ``no_grad`` and ``inference_mode`` (gradients are enabled locally; the model's parameters are
        not touched).

        Args:
            uv (Tensor): ``(B, J, 2)`` crop pixels (held fixed unless ``uv_std``).
            z_r (Tensor): ``(B, J)`` starting relative depths (reference-bone units).
            K (Tensor): ``(B, 3, 3)`` crop intrinsics.
            steps (int): Adam steps (> 0).
            lr (float): Adam learning rate (> 0): reference-bone units per step for ``z_r``, ``uv_std`` pixels
                per step for the 2D.
            loss (dict, optional): config of the per-hand loss (a module with ``terms(joints)['loss']`` of
                shape ``(B,)``, e.g. ``dict(type='BMCLoss', limits=...)``); None uses the head's ``loss_bmc``.
            uv_std (float, optional): > 0 to refine the 2D as well, see above; None holds it.

        Returns:
            tuple[Tensor, Tensor]: ``uv`` ``(B, J, 2)`` (the input unless ``uv_std``) and the refined ``z_r``
            ``(B, J)`` (root entry 0), without gradient.
        """
        if int(steps) != steps or steps <= 0 or not lr > 0:
            raise ValueError(f'test_cfg.bmc_refine: steps must be a positive integer and lr > 0, got steps={steps!r}, '
                             f'lr={lr!r}')
        if uv_std is not None and not uv_std > 0:
            raise ValueError(f'test_cfg.bmc_refine: uv_std must be None or > 0 (crop px), got {uv_std!r}')
        with torch.inference_mode(False), torch.enable_grad():
            # built and cloned outside inference mode, so that autograd may save these tensors
            bmc = self._refine_loss(loss).to(uv.device)
            uv, K = uv.detach().clone(), K.detach().clone()
            z = z_r.detach().clone().requires_grad_(True)
            shift = torch.zeros_like(uv, requires_grad=uv_std is not None)
            optimizer = torch.optim.Adam([z, shift] if uv_std is not None else [z], lr=float(lr))
            for _ in range(int(steps)):
                uv_now = uv + shift * uv_std if uv_std is not None else uv
                uv_now, centred = self.decoder.bound(uv_now, self.center_on_root(z))
                with torch.no_grad():
                    _, _, z_root = self.root_depths(uv_now, centred, K)
                joints, _ = self.decoder.decode(uv_now, centred, K, z_root=z_root)
                objective = bmc.terms(joints)['loss'].sum()
                if uv_std is not None:
                    objective = objective + 0.5 * shift.square().sum(-1).mean(-1).sum()
                optimizer.zero_grad(set_to_none=True)
                objective.backward()
                optimizer.step()
            uv_out = (uv + shift * uv_std).detach() if uv_std is not None else uv
            return uv_out, self.center_on_root(z.detach())

    def bmc_residual(self, joints: Tensor, loss: OptConfigType = None) -> Tensor:
        """Per-hand L_BMC ``(B,)`` of lifted ``joints`` ``(B, J, 3)`` (reference-bone units) under the refinement's
        loss (``test_cfg.bmc_refine.loss``; None: the head's ``loss_bmc``), without gradient: after
        :meth:`refine_with_bmc`, the L_BMC a hand keeps -- the confidence signal of BMC-refined pseudo-labels
        (``bmc_mmpose.datasets.lifted.bmc_residual_confidence``)."""
        with torch.no_grad():
            return self._refine_loss(loss).to(joints.device).terms(joints)['loss']

    def _refine_loss(self, loss: OptConfigType) -> torch.nn.Module:
        """The loss module of :meth:`refine_with_bmc`, built once per config."""
        if loss is None:
            if self.loss_bmc is None:
                raise ValueError('test_cfg.bmc_refine: the head has no loss_bmc; give the refinement its own '
                                 "loss, e.g. bmc_refine=dict(loss=dict(type='BMCLoss', limits=...))")
            return self.loss_bmc
        key = repr(sorted(dict(loss).items()))
        cached = getattr(self, '_refine_loss_cache', None)
        if cached is None or cached[0] != key:
            module = MODELS.build(loss)
            if not hasattr(module, 'terms'):
                raise ValueError(f'test_cfg.bmc_refine.loss: {type(module).__name__} has no terms(joints) giving a '
                                 "per-hand 'loss'; use BMCLoss")
            # a plain attribute, not a submodule: it must not enter the state dict or the optimiser
            object.__setattr__(self, '_refine_loss_cache', (key, module))
            cached = self._refine_loss_cache
        return cached[1]

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
