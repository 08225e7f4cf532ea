# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Image -> 3D hand: model construction and single-image inference with the config's test pipeline."""
import copy
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from torch import nn

from bmc_mmpose.geometry.angles import hand_joint_angles
from bmc_mmpose.geometry.camera_numpy import mirror_keypoints_2d, mirror_points_3d
from bmc_mmpose.geometry.skeleton import ANGLE_BONES, JOINT_NAMES, NUM_JOINTS

from .predictor import HAND_SIDES, default_intrinsics, pipeline_input, read_bgr_image, test_pipeline_config


def _load_config(config: Any, cfg_options: Optional[dict] = None):
    from mmengine.config import Config
    if isinstance(config, (str, bytes)) or hasattr(config, '__fspath__'):
        config = Config.fromfile(str(config))
    elif isinstance(config, dict) and not isinstance(config, Config):
        config = Config(config)
    elif not isinstance(config, Config):
        raise TypeError(f'init_hand3d_model: `config` must be a path, a dict or a Config, got {type(config)}')
    if cfg_options:
        config.merge_from_dict(cfg_options)
    return config


def _test_pipeline(cfg) -> Sequence[dict]:
    """The config's test pipeline (``predictor.test_pipeline_config``; this name is what tools import)."""
    return test_pipeline_config(cfg)


def init_hand3d_model(config: Any,
                      checkpoint: Optional[str] = None,
                      device: Union[str, torch.device] = 'cpu',
                      cfg_options: Optional[dict] = None,
                      keep_bmc_loss: bool = False,
                      allow_partial: bool = False,
                      trust_checkpoint: bool = False) -> nn.Module:
    """Build a bmc_mmpose model from a config and optionally load a checkpoint.

    Without a checkpoint the model keeps the weights its modules are constructed with (no ``init_weights``, so
    no pretrained backbone is downloaded); this is what tests and smoke runs use.

    Args:
        config (str | dict | Config): config file path or object; its ``model`` is built with MMPose's
            ``MODELS`` and its ``test_dataloader.dataset.pipeline`` is what :func:`inference_hand3d` runs.
        checkpoint (str, optional): checkpoint path (a Runner checkpoint or a plain state dict).
        device (str | torch.device): where the model runs.
        cfg_options (dict, optional): overrides merged into the config.
        keep_bmc_loss (bool): keep the head's training-only ``bmc_loss``. Default False: prediction does not use
            it, and its limits file (often computed from a training set, e.g. ``data/bmc_limits/*.json``) need
            not exist where the model is deployed; its buffers in the checkpoint are then skipped. The
            plausibility check of :func:`inference_hand3d` takes its own limits.
        allow_partial (bool): load a checkpoint that does not fit the model (missing, unexpected or differently
            shaped keys; those weights keep their initial values). Default False: such a checkpoint raises
            ``CheckpointMismatchError`` naming the file and the keys.
        trust_checkpoint (bool): read the checkpoint with ``weights_only=False`` (only for a trusted legacy file;
            see ``bmc_mmpose/utils/checkpoint.py``). Default False: weights-only, MMEngine's types allowed.

    Returns:
        nn.Module: the model in eval mode, with the config attached as ``model.cfg``.
    """
    import importlib

    # Registers every bmc_mmpose component, also when the package __init__ does not import them all.
    for module in ('bmc_mmpose', 'bmc_mmpose.models', 'bmc_mmpose.datasets', 'bmc_mmpose.evaluation'):
        importlib.import_module(module)
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS

    from bmc_mmpose.utils.checkpoint import load_model_weights

    cfg = _load_config(config, cfg_options)
    if 'model' not in cfg:
        raise KeyError('init_hand3d_model: the config has no `model`')
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.pop('init_cfg', None)  # never fetch pretrained weights here
    dropped_prefix = None
    if not keep_bmc_loss and isinstance(model_cfg.get('head'), dict) and model_cfg['head'].get('loss_bmc'):
        model_cfg['head']['loss_bmc'] = None
        dropped_prefix = 'head.loss_bmc.'
    model = MODELS.build(model_cfg)
    if checkpoint is not None:
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'init_hand3d_model: checkpoint {checkpoint!r} does not exist')
        ckpt = load_model_weights(model, checkpoint, allow_partial=allow_partial, trusted=trust_checkpoint,
                                  ignore_prefixes=() if dropped_prefix is None else (dropped_prefix, ))
        meta = ckpt.get('meta', {}) if isinstance(ckpt, dict) else {}
        if 'dataset_meta' in meta:
            model.dataset_meta = meta['dataset_meta']
    model.cfg = cfg
    model.to(device)
    model.eval()
    return model


def plausibility_report(joints_norm: np.ndarray, limits: Any,
                        cache: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
    """BMC plausibility of a batch of right hands in reference-bone units.

    Args:
        joints_norm (np.ndarray): ``(B, 21, 3)`` scale-normalised joints (right hands, FreiHAND order).
        limits (str | dict): ``BMCLoss(limits=...)``.
        cache (dict, optional): keeps the built loss per limits name across calls (videos).

    Returns:
        list[dict]: per hand, the violation masks and counts per constraint, the BMC loss terms, ``plausible``
        and ``limits``.
    """
    from bmc_mmpose.models.losses.bmc_loss import BMCLoss
    key = limits if isinstance(limits, str) else None
    loss = cache.get(key) if (cache is not None and key is not None) else None
    if loss is None:
        loss = BMCLoss(limits=limits)
        if cache is not None and key is not None:
            cache[key] = loss
    with torch.no_grad():
        terms = loss.terms(torch.as_tensor(np.asarray(joints_norm).reshape(-1, NUM_JOINTS, 3), dtype=torch.float32))
    names = ('violation_bone_length', 'violation_root_curvature', 'violation_root_angle', 'violation_joint_angle')
    masks = {name: terms[name].cpu().numpy().astype(bool) for name in names}
    losses = {name: terms[name].cpu().numpy().astype(np.float64) for name in ('loss_bl', 'loss_rb', 'loss_a')}
    reports = []
    for i in range(len(masks[names[0]])):
        out: Dict[str, Any] = {}
        for name in names:
            out[name] = masks[name][i].tolist()
            out[name.replace('violation_', 'num_violations_')] = int(masks[name][i].sum())
        for name, value in losses.items():
            out[name] = float(value[i])
        out['plausible'] = not any(out[k] for k in out if k.startswith('num_violations_'))
        out['limits'] = limits if isinstance(limits, str) else 'custom'
        reports.append(out)
    return reports


def inference_hand3d(model: nn.Module,
                     image: Union[str, np.ndarray],
                     bbox: Optional[Sequence[float]] = None,
                     K: Optional[np.ndarray] = None,
                     hand_side: str = 'right',
                     ref_bone_length: Optional[float] = None,
                     plausibility_limits: Optional[Any] = 'literature') -> Dict[str, Any]:
    """Predict the 3D hand in one image.

    The image goes through the config's test pipeline (``LoadImage`` -> ``HandCropAffine`` ->
    ``PackHand3DInputs``) exactly as in evaluation. The model predicts a right hand; for ``hand_side='left'`` the
    input is mirrored (image flipped by the crop, box and K mirrored) and the outputs are mirrored back
    (``u -> W - 1 - u``, ``X -> -X``), so every returned coordinate refers to the image as given. Joint angles
    are anatomical and unchanged by the mirroring.

    Args:
        model (nn.Module): from :func:`init_hand3d_model`.
        image (str | np.ndarray): image path or (H, W, 3) uint8 **BGR** array (OpenCV).
        bbox (Sequence[float], optional): hand box ``(x1, y1, x2, y2)`` in pixels; default the whole image.
        K (np.ndarray, optional): (3, 3) intrinsics; default :func:`default_intrinsics` (f = max(H, W), principal
            point at the image centre).
        hand_side (str): ``'right'`` or ``'left'``.
        ref_bone_length (float, optional): length of the middle-finger MCP->PIP bone in mm, to scale the
            prediction to mm; default the head's ``default_ref_bone_length``.
        plausibility_limits (str | dict, optional): BMC limits for the plausibility check (``BMCLoss(limits=)``);
            None skips the check.

    Returns:
        dict: ``keypoints_2d`` (21, 2) px, ``keypoints_3d_norm`` (21, 3) reference-bone units, ``keypoints_3d``
        (21, 3) mm, camera frame (OpenCV); ``z_root`` (mm) and ``z_root_norm``; ``joint_angles_rad`` and
        ``joint_angles_deg`` (15, 2) (flexion, abduction) for ``angle_bones`` (child joint names);
        ``plausibility`` (violations per constraint, BMC loss terms; absent if skipped); ``K``, ``bbox``,
        ``hand_side``, ``ref_bone_length`` (mm used), ``image_shape``, ``joint_names`` and ``data_sample`` (the
        raw ``PoseDataSample``; in the mirrored frame for left hands).
    """
    from mmengine.dataset import Compose, pseudo_collate
    from mmengine.registry import init_default_scope

    if hand_side not in HAND_SIDES:
        raise ValueError(f'inference_hand3d: `hand_side` must be one of {HAND_SIDES}, got {hand_side!r}')
    img, img_path = read_bgr_image(image, 'inference_hand3d')
    height, width = img.shape[:2]
    box = np.array([0.0, 0.0, width - 1.0, height - 1.0] if bbox is None else bbox, dtype=np.float64).reshape(-1)
    if box.shape != (4, ) or not (box[2] > box[0] and box[3] > box[1]):
        raise ValueError(f'inference_hand3d: `bbox` must be (x1, y1, x2, y2) with x2 > x1, y2 > y1, got {bbox}')
    cam_k = default_intrinsics(height, width) if K is None else np.asarray(K, dtype=np.float64)
    if cam_k.shape != (3, 3):
        raise ValueError(f'inference_hand3d: `K` must be (3, 3), got {cam_k.shape}')
    if ref_bone_length is not None and not ref_bone_length > 0:
        raise ValueError(f'inference_hand3d: `ref_bone_length` must be > 0 mm, got {ref_bone_length}')
    mirrored = hand_side == 'left'

    cfg = getattr(model, 'cfg', None)
    if cfg is None:
        raise AttributeError('inference_hand3d: `model.cfg` is missing; build the model with init_hand3d_model')
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    try:
        pipeline_cfg = test_pipeline_config(cfg)
    except KeyError as err:
        raise KeyError(f'inference_hand3d: {err.args[0]}') from None
    pipeline = Compose(copy.deepcopy(pipeline_cfg))
    results = pipeline_input(img, img_path, 0, box, cam_k, ref_bone_length or 0.0, mirrored)
    packed = pipeline(results)
    if packed is None:
        raise RuntimeError('inference_hand3d: the test pipeline dropped the sample')
    batch = pseudo_collate([packed])
    with torch.no_grad():
        sample = model.test_step(batch)[0]
    pred = sample.pred_instances

    def first(key):
        value = pred.get(key)
        if value is None:
            raise KeyError(f'inference_hand3d: the model gave no `pred_instances.{key}` (docs/architecture.md)')
        return np.asarray(value, dtype=np.float64)[0]

    kpts_2d = first('keypoints')
    joints_norm = first('keypoints_3d_norm')
    joints_mm = first('keypoints_3d')
    with torch.no_grad():  # the model's test_cfg may leave the angles out; they are a pure function of the joints
        angles = hand_joint_angles(torch.as_tensor(joints_norm)).numpy()
    z_root_norm = float(np.asarray(first('z_root')).reshape(-1)[0]) if 'z_root' in pred else float(joints_norm[0, 2])
    head = getattr(model, 'head', None)
    used_ref = float(ref_bone_length) if ref_bone_length else float(getattr(head, 'default_ref_bone_length', np.nan))
    plaus = plausibility_report(joints_norm[None], plausibility_limits)[0] if plausibility_limits is not None else None
    if mirrored:
        kpts_2d = mirror_keypoints_2d(kpts_2d, width).astype(kpts_2d.dtype)
        joints_norm = mirror_points_3d(joints_norm)
        joints_mm = mirror_points_3d(joints_mm)
    out: Dict[str, Any] = dict(
        keypoints_2d=kpts_2d,
        keypoints_3d_norm=joints_norm,
        keypoints_3d=joints_mm,
        z_root_norm=z_root_norm,
        z_root=float(joints_mm[0, 2]),
        joint_angles_rad=angles,
        joint_angles_deg=np.degrees(angles),
        angle_bones=[JOINT_NAMES[b + 1] for b in ANGLE_BONES],
        joint_names=list(JOINT_NAMES),
        K=cam_k,
        bbox=box,
        hand_side=hand_side,
        ref_bone_length=used_ref,
        image_shape=(height, width),
        data_sample=sample)
    if plaus is not None:
        out['plausibility'] = plaus
    return out
