# Copyright (c) bmc_mmpose authors. All rights reserved.
"""A plain folder of images with a detections file as a 2D-only hand dataset (no manual labels)."""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmpose.registry import DATASETS

from bmc_mmpose.geometry.skeleton import NUM_JOINTS

from .base_hand_dataset import BaseHandDataset, mirror_annotation
from .formats._files import image_size_of, load_json, require_file
from .detections import HAND_SIDES, HandDetections, load_detections, path_key_candidates

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff')
_ON_MISSING = ('error', 'skip', 'zero_weight')


def default_focal_intrinsics(width: int, height: int) -> np.ndarray:
    """The K used when none is given: focal ``max(H, W)`` px, principal point at the image centre ``(W/2, H/2)``.

    That is a ~53 degree field of view along the longer side, typical of phone and webcam images; it matches
    :func:`bmc_mmpose.apis.inference.default_intrinsics`. The 2D supervision does not depend on K; the
    closed-form root depth (and thus the metric 3D a model predicts) does.
    """
    focal = float(max(width, height))
    return np.array([[focal, 0., width / 2.], [0., focal, height / 2.], [0., 0., 1.]], np.float64)


@DATASETS.register_module()
class ImageFolderHandDataset(BaseHandDataset):
    """Every image below ``data_root`` with its 2D hand detection (one hand per image) as a training sample.

    The samples follow ``docs/architecture.md``: ``keypoints`` (1, 21, 2) = the detection (original-image px,
    FreiHAND order; a left hand is mirrored to a right hand, ``u -> W - 1 - u``, ``cx -> W - 1 - cx``,
    ``mirrored=True``), ``keypoints_visible`` (1, 21) = the confidence as weight (0 for missing joints and below
    ``min_confidence``), ``keypoints_3d`` zeros, ``has_3d = has_3d_eval = 0``, ``ref_bone_length`` =
    ``ref_bone_length`` (mm; 0 = unknown), ``bbox`` = tight box of the weighted joints (the whole image when fewer
    than two joints are weighted; ``HandCropAffine`` adds its padding), ``dataset_name`` = ``dataset_name``.

    Images are all files with an extension in ``image_extensions`` below ``data_root`` (recursively, sorted by
    relative path; ``img_id`` = position). Each is looked up in the detections by its path: any trailing part of
    the path, with or without extension, may be the key (so both the plain format's relative paths and OpenPose's
    ``<stem>_keypoints.json`` names work); two images resolving to the same key are an error.

    Intrinsics: ``cam_K`` (a 3x3 for every image), else ``cam_K_file`` (JSON: one 3x3 for all images, or a dict
    ``{image key: 3x3}`` with keys like the detections'), else the default ``f = max(H, W)`` px with the principal
    point at the image centre (:func:`default_focal_intrinsics`).

    Args:
        data_root (str): the image folder.
        detections_file (str): plain-format JSON, OpenPose JSON file or OpenPose output folder
            (:mod:`bmc_mmpose.datasets.detections`).
        split (str): ``'all'`` (the only split).
        min_confidence (float): joints below it get weight 0.
        hand (str): ``'auto'`` (the more confident side when an image has both), ``'right'`` or ``'left'``.
        on_missing (str): images without a detection: ``'error'`` (default, naming image and file), ``'skip'``
            (counted in the log) or ``'zero_weight'`` (kept with weight 0 everywhere; useful with BMC alone).
        cam_K (Sequence, optional): 3x3 intrinsics of every image.
        cam_K_file (str, optional): JSON intrinsics file (see above).
        ref_bone_length (float): known reference-bone length in mm, 0 if unknown.
        image_extensions (Sequence[str]): file extensions that count as images (case-insensitive).
        dataset_name (str): ``dataset_name`` of the samples.
        **kwargs: forwarded to :class:`BaseHandDataset` (``pipeline``, ``test_mode``, ...; ``supervision`` and
            ``num_3d_samples`` have no effect: there are no 3D labels).
    """

    DATASET_NAME = 'image_folder'
    SPLITS = ('all', )

    def __init__(self,
                 data_root: str,
                 detections_file: str,
                 split: str = 'all',
                 min_confidence: float = 0.0,
                 hand: str = 'auto',
                 on_missing: str = 'error',
                 cam_K: Optional[Sequence] = None,
                 cam_K_file: Optional[str] = None,
                 ref_bone_length: float = 0.0,
                 image_extensions: Sequence[str] = IMAGE_EXTENSIONS,
                 dataset_name: str = 'image_folder',
                 **kwargs):
        if hand not in ('auto', ) + HAND_SIDES:
            raise ValueError(f"ImageFolderHandDataset: hand must be 'auto', 'right' or 'left', got {hand!r}")
        if on_missing not in _ON_MISSING:
            raise ValueError(f'ImageFolderHandDataset: on_missing must be one of {_ON_MISSING}, got {on_missing!r}')
        if not min_confidence >= 0:
            raise ValueError(f'ImageFolderHandDataset: min_confidence must be >= 0, got {min_confidence!r}')
        if not ref_bone_length >= 0:
            raise ValueError(f'ImageFolderHandDataset: ref_bone_length must be >= 0 mm, got {ref_bone_length!r}')
        self.detections_file = str(detections_file)
        self.min_confidence = float(min_confidence)
        self.hand = hand
        self.on_missing = on_missing
        self.cam_K = None if cam_K is None else self._as_array(cam_K, (3, 3), 'ImageFolderHandDataset', 'cam_K')
        self.cam_K_file = cam_K_file
        self.ref_bone_length = float(ref_bone_length)
        self.image_extensions = tuple(e.lower() for e in image_extensions)
        self.dataset_name = dataset_name
        super().__init__(data_root=data_root, split=split, **kwargs)

    def _expected_layout(self) -> str:
        return f'a folder of images ({", ".join(self.image_extensions)}), searched recursively'

    def get_data_info(self, idx: int) -> dict:
        info = super().get_data_info(idx)
        info['dataset_name'] = self.dataset_name
        return info

    def _make_data_info(self, record: dict) -> dict:
        info = super()._make_data_info(record)
        info['dataset_name'] = self.dataset_name
        return info

    # -- loading -------------------------------------------------------------------------------------------
    def _image_paths(self) -> List[str]:
        paths = []
        for root, dirs, files in os.walk(self.data_root):
            dirs.sort()
            paths += [osp.join(root, f) for f in files if osp.splitext(f)[1].lower() in self.image_extensions]
        paths.sort(key=lambda p: osp.relpath(p, self.data_root))
        if not paths:
            raise FileNotFoundError(f'ImageFolderHandDataset: no image ({", ".join(self.image_extensions)}) below '
                                    f'{self.data_root}')
        return paths

    def _intrinsics_table(self):
        """``(single K or None, {key: K})`` from ``cam_K_file``."""
        if self.cam_K_file is None:
            return None, {}
        path = require_file(self.cam_K_file, 'a JSON file with a 3x3 K or a dict image key -> 3x3 K')
        data = load_json(path, 'a 3x3 K or a dict image key -> 3x3 K')
        if isinstance(data, list):
            return self._as_array(data, (3, 3), path, 'K'), {}
        if not isinstance(data, dict):
            raise ValueError(f'{path}: expected a 3x3 list or a dict image key -> 3x3, got {type(data).__name__}')
        return None, {str(k).replace('\\', '/'): self._as_array(v, (3, 3), path, str(k)) for k, v in data.items()}

    def _load_records(self) -> List[dict]:
        detections: HandDetections = load_detections(self.detections_file)
        shared_K, per_image_K = self._intrinsics_table()
        records, owner = [], {}
        for img_id, img_path in enumerate(self._image_paths()):
            key = detections.find_key(img_path)
            if key is not None:
                if key in owner:
                    raise ValueError(f'ImageFolderHandDataset: images {owner[key]!r} and {img_path!r} both match the '
                                     f'detection key {key!r} of {self.detections_file}; use keys with relative paths')
                owner[key] = img_path
            det = None if key is None else detections.get(key, None if self.hand == 'auto' else self.hand)
            if det is None:
                if self.on_missing == 'error':
                    what = 'no entry' if key is None else f'no {self.hand} hand in entry {key!r}'
                    raise KeyError(f'ImageFolderHandDataset: {self.detections_file}: {what} for image {img_path!r}; '
                                   'add it, or set on_missing="skip" or "zero_weight"')
                if self.on_missing == 'skip':
                    self.skip_counts['no detection'] += 1
                    continue
            width, height = image_size_of(img_path)
            K = self._intrinsics(img_path, width, height, shared_K, per_image_K)
            if det is None:
                kpts = np.zeros((NUM_JOINTS, 2))
                weights = np.zeros(NUM_JOINTS, np.float32)
                left = False
            else:
                weights = det.weights(self.min_confidence)
                kpts = np.where((weights > 0)[:, None], det.keypoints_filled(), 0.0)
                left = det.hand == 'left'
            if left:
                kpts, _, K = mirror_annotation(kpts, np.zeros((NUM_JOINTS, 3)), K, width)
                kpts = np.where((weights > 0)[:, None], kpts, 0.0)
            if int((weights > 0).sum()) >= 2:
                used = kpts[weights > 0]
                bbox = np.concatenate([used.min(0), used.max(0)])
            else:
                bbox = np.array([0., 0., width - 1., height - 1.])
            records.append(dict(img_path=img_path, img_id=img_id, unique_id=img_id, keypoints=kpts,
                                keypoints_visible=weights, keypoints_3d=None, cam_K=K, bbox=bbox, mirrored=left,
                                ref_bone_length=self.ref_bone_length, image_wh=(width, height)))
        return records

    def _intrinsics(self, img_path: str, width: int, height: int, shared_K, per_image_K: Dict) -> np.ndarray:
        if self.cam_K is not None:
            return self.cam_K
        if shared_K is not None:
            return shared_K
        if per_image_K:
            for key in path_key_candidates(img_path):
                if key in per_image_K:
                    return per_image_K[key]
            raise KeyError(f'ImageFolderHandDataset: {self.cam_K_file} has no intrinsics for image {img_path!r}')
        return default_focal_intrinsics(width, height)
