# Copyright (c) bmc_mmpose authors. All rights reserved.
import logging
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import mmpose.datasets  # noqa: F401  (registers MMPose's datasets first: their names must stay theirs)
import numpy as np
from mmengine.logging import print_log
from mmpose.registry import DATASETS

from bmc_mmpose.geometry.camera_numpy import project_points, reference_bone_length
from bmc_mmpose.geometry.skeleton import NUM_JOINTS
from .base_hand_dataset import BaseHandDataset, bbox_from_keypoints
from .formats import freihand as freihand_format
from .formats._files import image_size_of, require_file
from .formats.freihand import FREIHAND_IMAGE_SIZE, FREIHAND_NUM_VERSIONS


def freihand_val_ids(num_unique: int, val_fraction: float, seed: int, num_val: Optional[int] = None) -> np.ndarray:
    """Sorted unique-sample ids of the deterministic FreiHAND validation split.

    The first ``M`` entries of ``RandomState(seed).permutation(num_unique)``, with ``M = num_val`` if given, else
    ``round(num_unique * val_fraction)``. The split is over **unique** samples, so all background versions of a
    validation hand are in validation.

    Args:
        num_unique (int): number of annotated hands (32,560 for FreiHAND v2 training).
        val_fraction (float): fraction in [0, 1).
        seed (int): permutation seed.
        num_val (int, optional): explicit number of validation hands (overrides ``val_fraction``).

    Returns:
        np.ndarray: (M,) int64 sorted ids.
    """
    if num_val is None:
        num_val = int(round(num_unique * val_fraction))
    if not 0 <= num_val <= num_unique:
        raise ValueError(f'num_val must be in [0, {num_unique}], got {num_val}')
    return np.sort(np.random.RandomState(seed).permutation(num_unique)[:num_val])


# MMPose registers its own COCO-style ``FreiHandDataset`` (2D, converted json); this original-format 3D reader has
# a name of its own so that importing ``bmc_mmpose`` leaves MMPose's stock FreiHAND configs working.
@DATASETS.register_module()
class FreiHand3DDataset(BaseHandDataset):
    """FreiHAND v2 (Zimmermann et al. 2019) read from its original files.

    Layout (``data_root`` = ``FreiHAND_pub_v2``, plus the ``_eval`` archive's files for evaluation 3D; read with
    :mod:`bmc_mmpose.datasets.formats.freihand`)::

        <data_root>/training_K.json       list of N (3, 3) intrinsics of the 224x224 images
        <data_root>/training_xyz.json     list of N (21, 3) joints, metres, OpenCV camera, FreiHAND order
        <data_root>/training_scale.json   list of N floats = |xyz[9] - xyz[10]| in metres (optional here)
        <data_root>/training/rgb/%08d.jpg N x 4 images; image id = i + N * v for background version v
        <data_root>/evaluation_{K,scale}.json, evaluation_xyz.json (optional), evaluation/rgb/%08d.jpg

    Annotations are indexed by ``image_id % N`` (N = 32,560 for the real dataset). All hands are right hands in
    FreiHAND order; the only conversion is metres -> mm. FreiHAND has no 2D labels or occlusion flags: the 2D
    joints are the projection of ``xyz`` with ``K`` and all are visible.

    ``*_scale.json`` (datasets.md 2.3, from pred.py's docstring) is the metric length of the middle MCP -> PIP
    bone, ``norm(xyz[9] - xyz[10])`` in metres, the same bone as ``ref_bone_length``. When ``xyz`` is available,
    ``ref_bone_length`` is computed from it and compared with the scale file (mismatches > 0.1 mm are counted
    and logged); for the evaluation split without released 3D it is ``scale * 1000``.

    Splits of the training set (deterministic, documented): ``'val'`` holds ``num_val`` (default
    ``round(N * val_fraction)``) unique hands chosen by ``RandomState(split_seed).permutation(N)``, ``'train'``
    the rest, ``'all'`` everything; ``unique_id`` = annotation index, so the four versions of a validation hand
    never land in ``'train'``.
    ``'evaluation'`` is the official test split: with ``evaluation_xyz.json`` present it has 3D and 2D labels
    (``has_3d_eval = 1``), without it the keypoints are zeros, ``keypoints_visible = 0``, the box is the whole
    image and only ``cam_K`` and ``ref_bone_length`` (from ``evaluation_scale.json``) are known.

    Args:
        data_root (str): FreiHAND root.
        split (str): ``'train'``, ``'val'``, ``'all'`` (training set) or ``'evaluation'``.
        versions (Sequence[int]): background versions of the training images to use (0 green screen, 1 hom,
            2 sample, 3 auto). Ignored for ``'evaluation'`` (one version).
        val_fraction (float): validation fraction of the training set.
        num_val (int, optional): number of validation hands instead of ``val_fraction`` (e.g. 3,255 leaves 29,305
            training hands, the largest ``num_3d_samples`` of supplementary Tab. 5).
        split_seed (int): seed of the train/val split.
        use_eval_3d (bool): use ``evaluation_xyz.json`` when present.
        image_size (int, optional): image width and height in pixels; None (default) reads the size of the split's
            first image (224 x 224 for the published FreiHAND). Boxes without overlap with the image are skipped.
        **kwargs: see :class:`BaseHandDataset` (``supervision``, ``num_3d_samples``, ``pipeline``, ...).
    """

    DATASET_NAME = 'freihand'
    SPLITS = ('train', 'val', 'all', 'evaluation')

    def __init__(self, data_root: str, split: str = 'train', versions: Sequence[int] = (0, 1, 2, 3),
                 val_fraction: float = 0.1, num_val: Optional[int] = None, split_seed: int = 0,
                 use_eval_3d: bool = True, image_size: Optional[int] = None, **kwargs):
        versions = tuple(int(v) for v in versions)
        if not versions or any(v not in range(FREIHAND_NUM_VERSIONS) for v in versions) or \
                len(set(versions)) != len(versions):
            raise ValueError(f'FreiHand3DDataset: versions must be distinct values in 0..3, got {versions}')
        if not 0. <= val_fraction < 1.:
            raise ValueError(f'FreiHand3DDataset: val_fraction must be in [0, 1), got {val_fraction}')
        self.versions = versions
        self.val_fraction = val_fraction
        self.num_val = num_val
        self.split_seed = split_seed
        self.use_eval_3d = use_eval_3d
        self.image_size = image_size
        self.scale_mismatches = 0
        super().__init__(data_root=data_root, split=split, **kwargs)

    def _expected_layout(self) -> str:
        return 'training_{K,xyz,scale}.json, training/rgb/%08d.jpg, evaluation_{K,scale}.json, evaluation/rgb/'

    def _image_wh(self, prefix: str, num_unique: int) -> Tuple[int, int]:
        """(W, H) of the split's images: ``image_size`` when given, else the first image's (224 if absent)."""
        if self.image_size is not None:
            return int(self.image_size), int(self.image_size)
        first = freihand_format.image_path(self.data_root, prefix,
                                           0 if self.split == 'evaluation' else num_unique * self.versions[0])
        if osp.exists(first):
            return image_size_of(first)
        return FREIHAND_IMAGE_SIZE, FREIHAND_IMAGE_SIZE

    def _load_records(self) -> List[dict]:
        evaluation = self.split == 'evaluation'
        prefix = 'evaluation' if evaluation else 'training'
        read_list = freihand_format.read_list
        k_list = read_list(self.data_root, prefix, 'K', 'a list of (3, 3) intrinsics, one per unique sample')
        xyz_list = read_list(self.data_root, prefix, 'xyz', 'a list of (21, 3) joints in metres',
                             required=not evaluation)
        if evaluation and not self.use_eval_3d:
            xyz_list = None
        scale_list = read_list(self.data_root, prefix, 'scale', 'a list of reference bone lengths in metres',
                               required=evaluation and xyz_list is None)
        num_unique = len(k_list)
        for name, lst in (('xyz', xyz_list), ('scale', scale_list)):
            if lst is not None and len(lst) != num_unique:
                raise ValueError(f'{freihand_format.json_path(self.data_root, prefix, name)}: {len(lst)} entries but '
                                 f'{prefix}_K.json has {num_unique}; expected one entry per unique sample')
        require_file(freihand_format.rgb_dir(self.data_root, prefix), f'the FreiHAND images {prefix}/rgb/%08d.jpg')

        if evaluation:
            ids, versions = np.arange(num_unique), (0,)
        elif self.split == 'all':
            ids, versions = np.arange(num_unique), self.versions
        else:
            val_ids = freihand_val_ids(num_unique, self.val_fraction, self.split_seed, self.num_val)
            if self.split == 'val':
                ids = val_ids
            else:
                ids = np.setdiff1d(np.arange(num_unique), val_ids)
            versions = self.versions

        image_wh = self._image_wh(prefix, num_unique)
        full_box = np.array([0, 0, image_wh[0] - 1, image_wh[1] - 1], np.float32)
        records = []
        for idx in ids:
            idx = int(idx)
            source = f'{prefix}_*.json [{idx}]'
            cam_K = self._as_array(k_list[idx], (3, 3), source, 'K')
            record = dict(cam_K=cam_K, unique_id=idx, mirrored=False, image_wh=image_wh)
            if xyz_list is not None:
                xyz_mm = freihand_format.joints_to_internal(self._as_array(xyz_list[idx], (NUM_JOINTS, 3), source,
                                                                           'xyz'))
                with np.errstate(divide='ignore', invalid='ignore'):
                    uv = project_points(xyz_mm, cam_K, eps=0.)
                record.update(keypoints=uv, keypoints_visible=np.ones(NUM_JOINTS, np.float32), keypoints_3d=xyz_mm,
                              bbox=bbox_from_keypoints(uv) if np.all(np.isfinite(uv)) else np.full(4, np.nan))
                if scale_list is not None and np.all(np.isfinite(xyz_mm)):
                    scale_mm = float(np.asarray(scale_list[idx], np.float64).reshape(-1)[0]) * 1000.
                    if abs(scale_mm - float(reference_bone_length(xyz_mm))) > 0.1:
                        self.scale_mismatches += 1
            else:
                scale = self._as_array(scale_list[idx], (1,), source, 'scale')[0]
                record.update(keypoints=np.zeros((NUM_JOINTS, 2)), keypoints_visible=np.zeros(NUM_JOINTS),
                              keypoints_3d=None, bbox=full_box, ref_bone_length=scale * 1000.)
            for version in versions:
                img_id = idx + num_unique * version
                records.append(dict(record, img_path=freihand_format.image_path(self.data_root, prefix, img_id),
                                    img_id=img_id))
        if self.scale_mismatches:
            print_log(f'FreiHand3DDataset: {self.scale_mismatches} samples whose {prefix}_scale.json differs from '
                      '|xyz[9] - xyz[10]| by more than 0.1 mm; ref_bone_length uses xyz',
                      logger='current', level=logging.WARNING)
        return records
