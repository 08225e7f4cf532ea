# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Batched image + boxes -> 3D hands, with a PyTorch or an onnxruntime backend behind one interface."""
import copy
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import nn

from bmc_mmpose.geometry.camera_numpy import mirror_bbox, mirror_intrinsics, mirror_keypoints_2d, mirror_points_3d
from bmc_mmpose.geometry.skeleton import ANGLE_BONES, JOINT_NAMES, NUM_JOINTS

from .crop_network import CROP_NETWORK_INPUTS, CROP_NETWORK_OUTPUTS, Hand3DCropNetwork

BACKENDS = ('pytorch', 'onnxruntime')
HAND_SIDES = ('right', 'left')


def default_intrinsics(height: int, width: int) -> np.ndarray:
    """The K used when none is given: focal length ``max(H, W)`` px, principal point at the image centre
    ``(W / 2, H / 2)``, no skew. That is a ~53 degree field of view along the longer side, typical of phone and
    webcam images; the 2D prediction does not depend on it, the metric 3D (depth, scale) does.
    """
    focal = float(max(height, width))
    return np.array([[focal, 0.0, width / 2.0], [0.0, focal, height / 2.0], [0.0, 0.0, 1.0]], dtype=np.float64)


def test_pipeline_config(cfg) -> Sequence[dict]:
    """The config's ``test_dataloader.dataset.pipeline`` (else the val one)."""
    for loader in ('test_dataloader', 'val_dataloader'):
        try:
            return cfg[loader]['dataset']['pipeline']
        except (KeyError, TypeError, AttributeError):
            continue
    raise KeyError('the model config has no test_dataloader.dataset.pipeline (nor a val one); expected LoadImage -> '
                   'HandCropAffine -> PackHand3DInputs')


class _TorchBackend:

    def __init__(self, model: nn.Module):
        self.network = Hand3DCropNetwork(model).eval()
        self.device = next(model.parameters()).device

    def __call__(self, crops: np.ndarray, cam_k: np.ndarray) -> Dict[str, np.ndarray]:
        with torch.inference_mode():
            outputs = self.network(torch.from_numpy(crops).to(self.device), torch.from_numpy(cam_k).to(self.device))
        return {name: out.float().cpu().numpy() for name, out in zip(CROP_NETWORK_OUTPUTS, outputs)}


class _OnnxRuntimeBackend:

    def __init__(self, onnx_file: str, num_threads: Optional[int] = None, providers: Optional[List[str]] = None):
        try:
            import onnxruntime as ort
        except ImportError as err:
            raise ImportError('Hand3DPredictor: backend "onnxruntime" needs the onnxruntime package '
                              '(pip install onnxruntime; tools/install.sh installs it)') from err
        if not osp.isfile(onnx_file):
            raise FileNotFoundError(f'Hand3DPredictor: ONNX file {onnx_file!r} does not exist (export one with '
                                    'tools/deployment/pytorch2onnx.py)')
        options = ort.SessionOptions()
        if num_threads:
            options.intra_op_num_threads = int(num_threads)
            options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(onnx_file, sess_options=options,
                                            providers=providers or ['CPUExecutionProvider'])
        inputs = [i.name for i in self.session.get_inputs()]
        outputs = [o.name for o in self.session.get_outputs()]
        if tuple(inputs) != CROP_NETWORK_INPUTS or tuple(outputs) != CROP_NETWORK_OUTPUTS:
            raise ValueError(f'Hand3DPredictor: {onnx_file} has inputs {inputs} and outputs {outputs}; expected '
                             f'{list(CROP_NETWORK_INPUTS)} -> {list(CROP_NETWORK_OUTPUTS)} '
                             '(tools/deployment/pytorch2onnx.py)')
        shape = self.session.get_inputs()[0].shape
        self.input_hw = tuple(shape[2:4]) if all(isinstance(s, int) for s in shape[2:4]) else None

    def __call__(self, crops: np.ndarray, cam_k: np.ndarray) -> Dict[str, np.ndarray]:
        outputs = self.session.run(list(CROP_NETWORK_OUTPUTS), {'crops': crops, 'cam_K': cam_k})
        return dict(zip(CROP_NETWORK_OUTPUTS, outputs))


def read_bgr_image(image: Any, caller: str) -> Tuple[np.ndarray, str]:
    """An image given as a path or as an ``(H, W, 3)`` BGR array, and its path (``''`` for an array).

    Raises ``FileNotFoundError`` naming the file when it cannot be read, ``ValueError`` for a wrong array shape;
    ``caller`` starts both messages.
    """
    import cv2
    if isinstance(image, (str, bytes)) or hasattr(image, '__fspath__'):
        img_path = str(image)
        img = cv2.imread(img_path, cv2.IMREAD_COLOR)
        if img is None:
            raise FileNotFoundError(f'{caller}: cannot read image {img_path!r}')
        return img, img_path
    img = np.asarray(image)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f'{caller}: `image` must be (H, W, 3) BGR, got shape {img.shape}')
    return img, ''


def pipeline_input(image: np.ndarray, img_path: str, index: int, box: np.ndarray, cam_k: np.ndarray,
                   ref_bone_length: float, mirrored: bool) -> Dict[str, Any]:
    """The test pipeline's input for one hand box of an image, as a dataset would give it (``docs/architecture.md``).

    A left hand (``mirrored``) gets the mirrored box and intrinsics; the crop transform flips the image to match.

    Args:
        image (np.ndarray): ``(H, W, 3)`` BGR image.
        img_path (str): its path (``''`` for an array).
        index (int): the box's index (``sample_idx``).
        box (np.ndarray): ``(4,)`` xyxy box, original-image pixels.
        cam_k (np.ndarray): ``(3, 3)`` intrinsics of the image.
        ref_bone_length (float): reference-bone length in mm, 0 if unknown.
        mirrored (bool): the box shows a left hand.
    """
    height, width = image.shape[:2]
    return dict(
        img=image,
        img_path=img_path,
        img_id=0,
        sample_idx=index,
        bbox=(mirror_bbox(box, width) if mirrored else box)[None].astype(np.float32),
        bbox_score=np.ones(1, np.float32),
        keypoints=np.zeros((1, NUM_JOINTS, 2), np.float32),
        keypoints_visible=np.zeros((1, NUM_JOINTS), np.float32),
        keypoints_3d=np.zeros((1, NUM_JOINTS, 3), np.float32),
        cam_K=(mirror_intrinsics(cam_k, width) if mirrored else cam_k).astype(np.float32),
        has_3d=np.zeros(1, np.float32),
        has_3d_eval=np.zeros(1, np.float32),
        ref_bone_length=np.array([ref_bone_length], np.float32),
        mirrored=mirrored,
        dataset_name='inference',
        ori_shape=(height, width),
        img_shape=(height, width))


class Hand3DPredictor:
    """Predict the 3D hands in an image from their boxes, batched, with either backend.

    Pre-processing is the config's test pipeline (``LoadImage`` -> ``HandCropAffine`` -> ``PackHand3DInputs``)
    once per box, as in evaluation; the network (:class:`Hand3DCropNetwork`: normalisation, backbone, head,
    Z-root, refiner, lifting) runs once on the whole batch of boxes, in PyTorch or from its ONNX export in
    onnxruntime; post-processing (back to the image and its camera, metric scale, mirroring of left hands, joint
    angles, plausibility) is shared numpy / torch code on the batch. The model predicts right hands: a left hand
    is mirrored in (box and K mirrored, the crop flipped) and its outputs mirrored back (``u -> W - 1 - u``,
    ``X -> -X``), so every coordinate refers to the image as given.

    Args:
        cfg (Config): the model config (its test pipeline; for ``'onnxruntime'`` also ``model.head``'s
            ``default_ref_bone_length``).
        model (nn.Module, optional): for ``backend='pytorch'``: a model from ``init_hand3d_model``.
        backend (str): ``'pytorch'`` or ``'onnxruntime'``.
        onnx_file (str, optional): for ``'onnxruntime'``: a file from ``tools/deployment/pytorch2onnx.py``.
        num_threads (int, optional): onnxruntime intra-op threads (PyTorch: ``torch.set_num_threads``).
    """

    def __init__(self,
                 cfg: Any,
                 model: Optional[nn.Module] = None,
                 backend: str = 'pytorch',
                 onnx_file: Optional[str] = None,
                 num_threads: Optional[int] = None):
        from mmengine.dataset import Compose
        from mmengine.registry import init_default_scope

        if backend not in BACKENDS:
            raise ValueError(f'Hand3DPredictor: backend must be one of {BACKENDS}, got {backend!r}')
        if backend == 'pytorch':
            if model is None:
                raise ValueError('Hand3DPredictor: backend "pytorch" needs `model` (init_hand3d_model)')
            self.network = _TorchBackend(model)
            head = model.head
            self.default_ref_bone_length = float(head.default_ref_bone_length)
            self.input_size = tuple(head.input_size)
        else:
            if onnx_file is None:
                raise ValueError('Hand3DPredictor: backend "onnxruntime" needs `onnx_file`')
            self.network = _OnnxRuntimeBackend(onnx_file, num_threads=num_threads)
            head_cfg = cfg['model']['head']
            from bmc_mmpose.models.heads.hand25d_head import DEFAULT_REF_BONE_LENGTH_MM
            self.default_ref_bone_length = float(head_cfg.get('default_ref_bone_length', DEFAULT_REF_BONE_LENGTH_MM))
            self.input_size = tuple(head_cfg['input_size'])
            if self.network.input_hw is not None and self.network.input_hw != self.input_size[::-1]:
                raise ValueError(f'Hand3DPredictor: {onnx_file} takes {self.network.input_hw[::-1]} (w, h) crops, '
                                 f'the config {self.input_size}')
        self.backend = backend
        self.cfg = cfg
        init_default_scope(cfg.get('default_scope', 'mmpose'))
        self.pipeline = Compose(copy.deepcopy(test_pipeline_config(cfg)))
        # With PackHand3DInputs last, the crop and its geometry are read from the transforms before it: packing
        # builds per-sample data elements (labels, metainfo) that prediction does not use.
        from bmc_mmpose.datasets.transforms.pack_hand3d_inputs import PackHand3DInputs
        transforms = self.pipeline.transforms
        self._crop_pipeline = Compose(transforms[:-1]) if transforms and isinstance(
            transforms[-1], PackHand3DInputs) else None
        self._limits_cache: Dict[str, Any] = {}

    @classmethod
    def from_config(cls,
                    config: Any,
                    checkpoint: Optional[str] = None,
                    backend: str = 'pytorch',
                    onnx_file: Optional[str] = None,
                    device: str = 'cpu',
                    cfg_options: Optional[dict] = None,
                    num_threads: Optional[int] = None,
                    allow_partial: bool = False,
                    trust_checkpoint: bool = False,
                    fuse_conv_bn: bool = False) -> 'Hand3DPredictor':
        """Build from a config (path, dict or Config) and a checkpoint for PyTorch (``init_hand3d_model``, which
        also takes ``allow_partial`` / ``trust_checkpoint``) or an ONNX file for onnxruntime.

        ``fuse_conv_bn`` (PyTorch) folds every BatchNorm into the convolution before it
        (``mmcv.cnn.fuse_conv_bn``): the same function up to float round-off, fewer operations per frame.
        (onnxruntime folds them itself when it optimises the graph.)
        """
        from .inference import _load_config, init_hand3d_model
        if backend == 'pytorch':
            model = init_hand3d_model(config, checkpoint, device=device, cfg_options=cfg_options,
                                      allow_partial=allow_partial, trust_checkpoint=trust_checkpoint)
            if fuse_conv_bn:
                from mmcv.cnn import fuse_conv_bn as fuse
                model = fuse(model)
            return cls(model.cfg, model=model, backend=backend)
        return cls(_load_config(config, cfg_options), backend=backend, onnx_file=onnx_file, num_threads=num_threads)

    # ------------------------------------------------------------------------------------------------------
    def preprocess(self, image: np.ndarray, boxes: np.ndarray, cam_k: np.ndarray, sides: Sequence[str],
                   refs: np.ndarray, img_path: str = '') -> Dict[str, np.ndarray]:
        """Crop every box with the test pipeline; returns the batched crops and the crop geometry."""
        height, width = image.shape[:2]
        crops, k_crop, warp, k_orig = [], [], [], []
        for i, (box, side) in enumerate(zip(boxes, sides)):
            mirrored = side == 'left'
            results = pipeline_input(image, img_path, i, box, cam_k, refs[i], mirrored)
            if self._crop_pipeline is not None:
                meta = self._crop_pipeline(results)
                if meta is None:
                    raise RuntimeError(f'Hand3DPredictor: the test pipeline dropped box {i} {box.tolist()}')
                crops.append(np.asarray(meta['img']).transpose(2, 0, 1))
            else:
                packed = self.pipeline(results)
                if packed is None:
                    raise RuntimeError(f'Hand3DPredictor: the test pipeline dropped box {i} {box.tolist()}')
                meta = packed['data_samples'].metainfo
                crops.append(packed['inputs'].numpy())
            k_crop.append(np.asarray(meta['cam_K'], np.float32).reshape(3, 3))
            warp.append(np.asarray(meta['warp_mat'], np.float64).reshape(2, 3))
            k_orig.append(np.asarray(meta['cam_K_orig'], np.float64).reshape(3, 3))
        crops = np.stack(crops).astype(np.float32)
        expected = (self.input_size[1], self.input_size[0])
        if crops.shape[2:] != expected:
            raise ValueError(f'Hand3DPredictor: the test pipeline gives {crops.shape[2:]} crops, the network takes '
                             f'{expected} (h, w)')
        return dict(crops=crops, cam_K=np.stack(k_crop), warp_mat=np.stack(warp), cam_K_orig=np.stack(k_orig))

    def __call__(self,
                 image: Union[str, np.ndarray],
                 bboxes: Optional[Union[Sequence[float], np.ndarray]] = None,
                 K: Optional[np.ndarray] = None,
                 hand_sides: Union[str, Sequence[str]] = 'right',
                 ref_bone_length: Optional[Union[float, Sequence[float]]] = None,
                 with_joint_angles: bool = False,
                 plausibility_limits: Optional[Any] = None) -> List[Dict[str, Any]]:
        """Predict every hand of one image.

        Args:
            image (str | np.ndarray): image path or (H, W, 3) uint8 **BGR** array.
            bboxes (array-like, optional): ``(N, 4)`` (or ``(4,)``) boxes ``(x1, y1, x2, y2)`` px; default one
                box, the whole image. ``N = 0`` returns ``[]``.
            K (np.ndarray, optional): (3, 3) intrinsics; default :func:`default_intrinsics`.
            hand_sides (str | Sequence[str]): ``'right'`` / ``'left'`` for all boxes or one per box.
            ref_bone_length (float | Sequence[float], optional): middle-finger MCP->PIP length in mm (one or one
                per box); default the model's ``default_ref_bone_length``.
            with_joint_angles (bool): add ``joint_angles_rad`` / ``joint_angles_deg`` (15, 2).
            plausibility_limits (str | dict, optional): BMC limits of a plausibility check; None skips it.

        Returns:
            list[dict]: per box, the keys of :func:`bmc_mmpose.apis.inference_hand3d` except ``data_sample``
            (and the angles / plausibility when not asked), plus ``z_root_closed_form_norm``.
        """
        img, img_path = read_bgr_image(image, 'Hand3DPredictor')
        height, width = img.shape[:2]
        if bboxes is None:
            boxes = np.array([[0.0, 0.0, width - 1.0, height - 1.0]])
        else:
            boxes = np.asarray(bboxes, dtype=np.float64)
            boxes = boxes.reshape(1, 4) if boxes.shape == (4, ) else boxes
        if boxes.ndim != 2 or boxes.shape[1] != 4 or not np.isfinite(boxes).all() or not (
                (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])).all():
            raise ValueError(f'Hand3DPredictor: `bboxes` must be (N, 4) finite (x1, y1, x2, y2) with x2 > x1 and '
                             f'y2 > y1, got {np.asarray(bboxes).tolist()}')
        num = len(boxes)
        if num == 0:
            return []
        sides = [hand_sides] * num if isinstance(hand_sides, str) else list(hand_sides)
        if len(sides) != num or any(s not in HAND_SIDES for s in sides):
            raise ValueError(f'Hand3DPredictor: `hand_sides` must be one of {HAND_SIDES} or a list of them, one per '
                             f'box ({num}), got {hand_sides!r}')
        refs = np.broadcast_to(np.asarray(0.0 if ref_bone_length is None else ref_bone_length, np.float64),
                               (num, )).copy()
        if ref_bone_length is not None and not (refs > 0).all():
            raise ValueError(f'Hand3DPredictor: `ref_bone_length` must be > 0 mm, got {ref_bone_length}')
        cam_k = default_intrinsics(height, width) if K is None else np.asarray(K, dtype=np.float64)
        if cam_k.shape != (3, 3):
            raise ValueError(f'Hand3DPredictor: `K` must be (3, 3), got {cam_k.shape}')

        batch = self.preprocess(img, boxes, cam_k, sides, refs, img_path)
        raw = self.network(batch['crops'], batch['cam_K'])
        return self.postprocess(raw, batch, boxes, cam_k, sides, refs, (height, width), with_joint_angles,
                                plausibility_limits)

    def postprocess(self, raw: Dict[str, np.ndarray], batch: Dict[str, np.ndarray], boxes: np.ndarray,
                    cam_k: np.ndarray, sides: Sequence[str], refs: np.ndarray, image_shape, with_joint_angles: bool,
                    plausibility_limits: Optional[Any]) -> List[Dict[str, Any]]:
        """Network outputs (crop frame, batched) -> per-box results in the image as given."""
        from bmc_mmpose.geometry.angles import hand_joint_angles
        from bmc_mmpose.models.pose_estimators.hand3d_estimator import (crop_predictions_to_image,
                                                                          crop_to_image_transforms)
        for name, value in raw.items():
            if not np.isfinite(value).all():
                raise FloatingPointError(f'Hand3DPredictor: the {self.backend} network gave non-finite '
                                         f'`{name}`')
        height, width = image_shape
        maps = crop_to_image_transforms(batch['warp_mat'], batch['cam_K'], batch['cam_K_orig'])
        kpts_2d, (joints_norm, ) = crop_predictions_to_image(raw['keypoints_crop'].astype(np.float64),
                                                             [raw['keypoints_3d_norm'].astype(np.float64)],
                                                             maps['warp_inv'], maps['crop_to_orig'])
        used_ref = np.where(refs > 0, refs, self.default_ref_bone_length)
        angles = None
        if with_joint_angles:  # anatomical angles of the right hand the model saw: unchanged by the mirroring
            with torch.inference_mode():
                angles = hand_joint_angles(torch.from_numpy(joints_norm)).numpy()
        plaus = None
        if plausibility_limits is not None:
            from .inference import plausibility_report
            plaus = plausibility_report(joints_norm, plausibility_limits, self._limits_cache)
        mirrored = np.array([s == 'left' for s in sides])
        kpts_2d[mirrored] = mirror_keypoints_2d(kpts_2d[mirrored], width)
        joints_norm[mirrored] = mirror_points_3d(joints_norm[mirrored])
        joints_mm = joints_norm * used_ref[:, None, None]
        results = []
        for i in range(len(boxes)):
            out: Dict[str, Any] = dict(
                keypoints_2d=kpts_2d[i],
                keypoints_3d_norm=joints_norm[i],
                keypoints_3d=joints_mm[i],
                z_root_norm=float(raw['z_root'][i]),
                z_root_closed_form_norm=float(raw['z_root_closed_form'][i]),
                z_root=float(joints_mm[i, 0, 2]),
                joint_names=list(JOINT_NAMES),
                K=cam_k,
                bbox=boxes[i],
                hand_side=sides[i],
                ref_bone_length=float(used_ref[i]),
                image_shape=(height, width))
            if angles is not None:
                out.update(joint_angles_rad=angles[i], joint_angles_deg=np.degrees(angles[i]),
                           angle_bones=[JOINT_NAMES[b + 1] for b in ANGLE_BONES])
            if plaus is not None:
                out['plausibility'] = plaus[i]
            results.append(out)
        return results
