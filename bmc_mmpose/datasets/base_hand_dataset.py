# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Shared logic of the hand datasets that read RHD, FreiHAND and HO-3D from their original files.

Every dataset returns one right hand per sample in FreiHAND joint order, OpenCV camera frame, millimetres
(``docs/architecture.md``, "What a dataset returns"). This module holds the pure-numpy helpers used at the
dataset borders (mirroring of a whole annotation, boxes, intrinsics checks; projection, mirroring and the reference
bone themselves are :mod:`bmc_mmpose.geometry.camera_numpy`'s) and :class:`BaseHandDataset`, which turns the
per-dataset raw records into data infos, drops non-finite annotations (and counts them), and applies the
supervision switch and the ``num_3d_samples`` selection.
"""
import logging
import os.path as osp
from collections import Counter
from typing import List, Optional, Tuple

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from bmc_mmpose.geometry.camera_numpy import (mirror_intrinsics, mirror_keypoints_2d, mirror_points_3d, project_points,
                                              reference_bone_length)
from bmc_mmpose.geometry.skeleton import NUM_JOINTS
from .formats._files import as_array, image_size_of, load_json, load_pickle, require_file, require_key
from .hand_metainfo import get_hand21_dataset_info

#: Re-exported for the dataset modules and ``bmc_mmpose.datasets``: the camera facts live in ``camera_numpy``, the
#: file helpers in ``formats._files``.
__all__ = ['BaseHandDataset', 'mirror_annotation', 'bbox_from_keypoints', 'intrinsics_problem', 'validate_intrinsics',
           'box_overlaps_image', 'project_points', 'mirror_intrinsics', 'reference_bone_length', 'as_array',
           'image_size_of', 'load_json', 'load_pickle', 'require_file', 'require_key']

SUPERVISION_MODES = ('3d', '2d')


# --------------------------------------------------------------------------------------------------------------
# Pure numpy helpers
# --------------------------------------------------------------------------------------------------------------
def mirror_annotation(keypoints: np.ndarray, keypoints_3d: np.ndarray, cam_K: np.ndarray,
                      width: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mirror a (left) hand annotation to the horizontally flipped image: u -> W-1-u, x -> -x, K -> F K D
    (:mod:`bmc_mmpose.geometry.camera_numpy`, which says why the three must go together).

    Args:
        keypoints (np.ndarray): (J, 2) pixels.
        keypoints_3d (np.ndarray): (J, 3) camera frame (any unit).
        cam_K (np.ndarray): (3, 3).
        width (int): image width W.

    Returns:
        tuple: mirrored (keypoints (J, 2), keypoints_3d (J, 3), cam_K (3, 3)), float64.
    """
    return mirror_keypoints_2d(keypoints, width), mirror_points_3d(keypoints_3d), mirror_intrinsics(cam_K, width)


def bbox_from_keypoints(keypoints: np.ndarray, valid: Optional[np.ndarray] = None) -> np.ndarray:
    """Tight xyxy box around the (valid) 2D joints; the crop transform adds the padding.

    Args:
        keypoints (np.ndarray): (J, 2) pixels.
        valid (np.ndarray, optional): (J,) mask of joints to use; all joints when None or when none is valid.

    Returns:
        np.ndarray: (4,) float32 ``[x1, y1, x2, y2]``.
    """
    keypoints = np.asarray(keypoints, np.float64)
    if valid is not None and np.any(valid > 0):
        keypoints = keypoints[np.asarray(valid) > 0]
    return np.concatenate([keypoints.min(0), keypoints.max(0)]).astype(np.float32)


def intrinsics_problem(cam_K: np.ndarray) -> Optional[str]:
    """Why ``cam_K`` is not a usable pinhole intrinsics matrix of an original image, or None if it is.

    Expected: (3, 3), finite, ``[[fx, s, cx], [0, fy, cy], [0, 0, 1]]`` with ``fx, fy > 0`` (any skew ``s``).
    A transposed K (``[[fx, 0, 0], [0, fy, 0], [cx, cy, 1]]``, a common mistake when reading row/column-major
    files) fails the last-row test unless its principal point is (0, 0).

    Args:
        cam_K (np.ndarray): the candidate intrinsics (any shape; pixels).

    Returns:
        str | None: a short reason (used as the skip-count key of the datasets), or None.
    """
    try:
        k = np.asarray(cam_K, np.float64)
    except (TypeError, ValueError):
        return 'cam_K not numeric'
    if k.shape != (3, 3):
        return f'cam_K of shape {k.shape}, not (3, 3)'
    if not np.all(np.isfinite(k)):
        return 'non-finite cam_K'
    if not (k[0, 0] > 0 and k[1, 1] > 0):
        return 'cam_K focal length fx or fy not > 0'
    scale = max(abs(k[0, 0]), abs(k[1, 1]), 1.0)
    if abs(k[1, 0]) > 1e-6 * scale or np.any(np.abs(k[2] - (0., 0., 1.)) > 1e-6):
        return 'cam_K not of the form [[fx, s, cx], [0, fy, cy], [0, 0, 1]] (transposed?)'
    return None


def validate_intrinsics(cam_K: np.ndarray, source: str) -> np.ndarray:
    """``cam_K`` as a (3, 3) float64 array, or a ``ValueError`` naming ``source`` and the problem
    (see :func:`intrinsics_problem`)."""
    problem = intrinsics_problem(cam_K)
    if problem is not None:
        raise ValueError(f'{source}: {problem}; got {np.asarray(cam_K).tolist()}')
    return np.asarray(cam_K, np.float64)


def box_overlaps_image(bbox: np.ndarray, image_wh: Tuple[int, int]) -> bool:
    """Whether an xyxy box (pixels) shares any area with the image ``[0, W - 1] x [0, H - 1]``."""
    x1, y1, x2, y2 = np.asarray(bbox, np.float64).reshape(-1)[:4]
    width, height = image_wh
    return bool(x2 >= 0 and y2 >= 0 and x1 <= width - 1 and y1 <= height - 1)


# --------------------------------------------------------------------------------------------------------------
# Dataset base class
# --------------------------------------------------------------------------------------------------------------
class BaseHandDataset(BaseDataset):
    """Base class of the single-hand 3D datasets (RHD, FreiHAND, HO-3D).

    Subclasses implement :meth:`_load_records`, returning raw records with keys ``img_path`` (str), ``img_id``
    (int), ``unique_id`` (int, the same for every image of one annotated hand, e.g. FreiHAND's background
    versions), ``keypoints`` (21, 2) px, ``keypoints_visible`` (21,), ``keypoints_3d`` (21, 3) mm or None,
    ``cam_K`` (3, 3), ``bbox`` (4,), ``mirrored`` (bool), optionally ``ref_bone_length`` (mm, when known without
    3D), ``image_wh`` ((W, H) of the image, when known: a box without overlap with it is skipped) and ``extra``
    (dict of additional keys, e.g. HO-3D's ``root_3d``). All of it already converted to the
    internal convention (right hand, FreiHAND order, OpenCV, mm).

    Records that cannot be used are skipped and counted by reason (``skip_counts``, logged): non-finite values,
    a K that :func:`intrinsics_problem` rejects, 3D behind the camera, a degenerate reference bone, a box
    outside the image.

    Args:
        data_root (str): dataset root folder (the folder the authors' archive unpacks to).
        split (str): dataset-specific split name.
        supervision (str): ``'3d'``: samples with 3D labels get ``has_3d = 1``; ``'2d'``: ``has_3d = 0`` for all
            samples (3D fields stay filled so batches are uniform and ``has_3d_eval`` keeps validation 3D).
        num_3d_samples (int, optional): keep ``has_3d = 1`` only for this many annotated hands (distinct
            ``unique_id``), chosen by a permutation seeded with ``num_3d_seed``; the rest become 2D-only
            (supplementary Tab. 5). None keeps all.
        num_3d_seed (int): seed of that choice.
        **kwargs: forwarded to :class:`mmengine.dataset.BaseDataset` (``pipeline``, ``test_mode``, ``indices``,
            ``serialize_data``, ``lazy_init``, ``max_refetch``).
    """

    DATASET_NAME: str = 'hand'
    SPLITS: Tuple[str, ...] = ()

    def __init__(self,
                 data_root: str,
                 split: str,
                 supervision: str = '3d',
                 num_3d_samples: Optional[int] = None,
                 num_3d_seed: int = 0,
                 **kwargs):
        if split not in self.SPLITS:
            raise ValueError(f'{type(self).__name__}: split must be one of {self.SPLITS}, got {split!r}')
        if supervision not in SUPERVISION_MODES:
            raise ValueError(f'{type(self).__name__}: supervision must be one of {SUPERVISION_MODES}, '
                             f'got {supervision!r}')
        if num_3d_samples is not None and (int(num_3d_samples) != num_3d_samples or num_3d_samples < 0):
            raise ValueError(f'num_3d_samples must be a non-negative integer or None, got {num_3d_samples!r}')
        if not data_root or not osp.isdir(data_root):
            raise FileNotFoundError(f'{type(self).__name__}: data_root {data_root!r} is not a directory; expected '
                                    f'the {self.DATASET_NAME} dataset root ({self._expected_layout()})')
        self.split = split
        self.supervision = supervision
        self.num_3d_samples = num_3d_samples
        self.num_3d_seed = num_3d_seed
        self.skip_counts: Counter = Counter()
        kwargs.pop('ann_file', None)
        super().__init__(ann_file='', data_root=data_root, **kwargs)

    # -- metainfo ------------------------------------------------------------------------------------------
    @classmethod
    def _load_metainfo(cls, metainfo: Optional[dict] = None) -> dict:
        """Parse the internal 21-joint hand metainfo (MMPose format) with this dataset's name."""
        from mmpose.datasets.datasets.utils import parse_pose_metainfo
        if metainfo is None:
            metainfo = get_hand21_dataset_info(cls.DATASET_NAME)
        return parse_pose_metainfo(dict(metainfo))

    def _join_prefix(self):
        """Paths are built by the subclasses from ``data_root`` and the split; nothing to join."""

    def _expected_layout(self) -> str:
        return 'see the class docstring'

    # -- loading -------------------------------------------------------------------------------------------
    def _load_records(self) -> List[dict]:
        raise NotImplementedError

    def load_data_list(self) -> List[dict]:
        """Build data infos from the original files, drop and count invalid ones, apply supervision."""
        records = self._load_records()
        data_list = []
        for record in records:
            reason = self._invalid_reason(record)
            if reason is not None:
                self.skip_counts[reason] += 1
                continue
            data_list.append(self._make_data_info(record))
        self._apply_num_3d(data_list)
        summary = ', '.join(f'{v} {k}' for k, v in sorted(self.skip_counts.items())) or 'none'
        n_3d = int(sum(d['has_3d'][0] for d in data_list))
        print_log(f'{type(self).__name__} ({self.data_root}, split={self.split}, supervision={self.supervision}):'
                  f' {len(data_list)} samples, {n_3d} with 3D supervision; skipped: {summary}',
                  logger='current', level=logging.WARNING if self.skip_counts else logging.INFO)
        if not data_list:
            raise ValueError(f'{type(self).__name__}: no valid sample in {self.data_root} (split={self.split}); '
                             f'skipped: {summary}')
        return data_list

    @staticmethod
    def _invalid_reason(record: dict) -> Optional[str]:
        """Name of the reason a record cannot be used (non-finite or degenerate annotation), else None."""
        k_problem = intrinsics_problem(record['cam_K'])
        if k_problem is not None:
            return k_problem
        for key in ('keypoints', 'bbox'):
            if not np.all(np.isfinite(np.asarray(record[key], np.float64))):
                return f'non-finite {key}'
        xyz = record.get('keypoints_3d')
        if xyz is not None:
            xyz = np.asarray(xyz, np.float64)
            if not np.all(np.isfinite(xyz)):
                return 'non-finite keypoints_3d'
            if np.any(xyz[:, 2] <= 0):
                return 'keypoints_3d behind the camera'
            if reference_bone_length(xyz) <= 1e-3:
                return 'degenerate reference bone'
        ref = record.get('ref_bone_length')
        if ref is not None and not np.isfinite(ref):
            return 'non-finite ref_bone_length'
        image_wh = record.get('image_wh')
        if image_wh is not None and not box_overlaps_image(record['bbox'], image_wh):
            return 'box outside the image'
        extra = record.get('extra') or {}
        for key, value in extra.items():
            if isinstance(value, np.ndarray) and not np.all(np.isfinite(value)):
                return f'non-finite {key}'
        return None

    def _make_data_info(self, record: dict) -> dict:
        xyz = record.get('keypoints_3d')
        has_gt_3d = xyz is not None
        if has_gt_3d:
            keypoints_3d = np.asarray(xyz, np.float32).reshape(1, NUM_JOINTS, 3)
            ref = reference_bone_length(np.asarray(xyz, np.float64))
        else:
            keypoints_3d = np.zeros((1, NUM_JOINTS, 3), np.float32)
            ref = record.get('ref_bone_length') or 0.
        has_3d = float(has_gt_3d and self.supervision == '3d')
        info = dict(
            img_path=record['img_path'],
            img_id=int(record['img_id']),
            unique_id=int(record['unique_id']),
            bbox=np.asarray(record['bbox'], np.float32).reshape(1, 4),
            bbox_score=np.ones(1, np.float32),
            keypoints=np.asarray(record['keypoints'], np.float32).reshape(1, NUM_JOINTS, 2),
            keypoints_visible=np.asarray(record['keypoints_visible'], np.float32).reshape(1, NUM_JOINTS),
            keypoints_3d=keypoints_3d,
            cam_K=np.asarray(record['cam_K'], np.float32).reshape(3, 3),
            has_3d=np.array([has_3d], np.float32),
            has_3d_eval=np.array([float(has_gt_3d)], np.float32),
            ref_bone_length=np.array([ref], np.float32),
            mirrored=bool(record.get('mirrored', False)),
            dataset_name=self.DATASET_NAME)
        for key, value in (record.get('extra') or {}).items():
            info[key] = np.asarray(value, np.float32) if isinstance(value, np.ndarray) else value
        return info

    def _apply_num_3d(self, data_list: List[dict]):
        """Keep ``has_3d`` only for ``num_3d_samples`` distinct hands (deterministic, seeded)."""
        if self.num_3d_samples is None:
            return
        candidates = sorted({d['unique_id'] for d in data_list if d['has_3d'][0] > 0})
        if self.num_3d_samples > len(candidates):
            raise ValueError(f'{type(self).__name__}: num_3d_samples={self.num_3d_samples} but only '
                             f'{len(candidates)} distinct 3D-labelled hands are available (split={self.split}, '
                             f'supervision={self.supervision})')
        order = np.random.RandomState(self.num_3d_seed).permutation(len(candidates))
        keep = {candidates[i] for i in order[:self.num_3d_samples]}
        for d in data_list:
            if d['unique_id'] not in keep:
                d['has_3d'] = np.zeros(1, np.float32)

    def get_data_info(self, idx: int) -> dict:
        """Data info with the MMPose metainfo keys that ``BaseCocoStyleDataset`` also injects."""
        data_info = super().get_data_info(idx)
        for key in ('flip_indices', 'dataset_keypoint_weights', 'upper_body_ids', 'lower_body_ids', 'flip_pairs',
                    'skeleton_links'):
            if key in self._metainfo:
                data_info[key] = self._metainfo[key]
        data_info['dataset_name'] = self.DATASET_NAME
        return data_info

    #: ``np.asarray(value, float64)`` reshaped to ``shape`` or a ``ValueError`` naming source and key.
    _as_array = staticmethod(as_array)
