# Copyright (c) bmc_mmpose authors. All rights reserved.
"""RHD (Rendered Hand Pose dataset, Zimmermann & Brox 2017) on disk: reading, writing, and one hand's conversion.

Layout (``shared/docs/datasets.md`` section 1; ``root`` = ``RHD_published_v2``)::

    <root>/<split>/anno_<split>.pickle   dict {sample_id (int): {'xyz' (42, 3) m, 'uv_vis' (42, 3), 'K' (3, 3)}}
    <root>/<split>/color/%05d.png        320 x 320 RGB renderings
    <root>/<split>/mask/%05d.png         segmentation (class ids: 0 background, 1 person, 2-17 left hand,
                                         18-33 right hand)

``xyz`` is in metres in the OpenCV camera frame; ``uv_vis`` holds pixels ``u, v`` and a visibility flag (1 =
visible); ``K`` is ``[[fx, 0, cx], [0, fy, cy], [0, 0, 1]]`` of the 320 x 320 image. Joints 0-20 are the left
hand, 21-41 the right hand, each the wrist followed by every finger from its **tip to the palm** (thumb, index,
middle, ring, little).

The conversion at the border to the internal convention (FreiHAND order, mm) is :func:`hand_to_internal`;
mirroring a left hand to a right hand is the dataset's (it needs the image width), with
:mod:`bmc_mmpose.geometry.camera_numpy`. :func:`hand_from_internal` and :func:`write_split` are the inverse, used
by the synthetic generator and the test fixtures.
"""
import os.path as osp
from typing import Dict, Mapping, Optional, Tuple

import numpy as np

from bmc_mmpose.geometry.skeleton import FREIHAND_TO_RHD, NUM_JOINTS, RHD_TO_FREIHAND
from ._files import as_array, dump_pickle, load_pickle, require_file, require_key, write_image

#: Width and height of the published RHD images, pixels.
RHD_IMAGE_SIZE = 320
#: Joint slots in one annotation: both hands.
NUM_RHD_JOINTS = 2 * NUM_JOINTS
#: First slot of each hand in the (42, .) arrays.
HAND_OFFSET = {'left': 0, 'right': NUM_JOINTS}


def annotation_path(root: str, split: str) -> str:
    """``<root>/<split>/anno_<split>.pickle``."""
    return osp.join(root, split, f'anno_{split}.pickle')


def color_dir(root: str, split: str) -> str:
    """``<root>/<split>/color``."""
    return osp.join(root, split, 'color')


def color_path(root: str, split: str, sample_id: int) -> str:
    """``<root>/<split>/color/%05d.png`` of one sample."""
    return osp.join(color_dir(root, split), '%05d.png' % int(sample_id))


def mask_path(root: str, split: str, sample_id: int) -> str:
    """``<root>/<split>/mask/%05d.png`` of one sample."""
    return osp.join(root, split, 'mask', '%05d.png' % int(sample_id))


def hand_pixel_counts(mask: np.ndarray) -> Tuple[int, int]:
    """Pixels of the left hand (class ids 2-17) and of the right hand (ids above 17) in a segmentation mask.

    Args:
        mask (np.ndarray): (H, W) class ids, or (H, W, C) whose first channel holds them.

    Returns:
        tuple: (left pixels, right pixels).
    """
    if mask.ndim == 3:
        mask = mask[..., 0]
    return int(np.count_nonzero((mask > 1) & (mask < 18))), int(np.count_nonzero(mask > 17))


def read_annotations(root: str, split: str) -> Tuple[str, Dict[int, dict]]:
    """Read a split's annotation pickle.

    Returns:
        tuple: (the pickle's path, dict {sample_id: {'xyz', 'uv_vis', 'K'}} as stored).

    Raises:
        FileNotFoundError / ValueError naming the file when it is missing, corrupt or not a dict.
    """
    path = require_file(annotation_path(root, split), 'the RHD annotation pickle (dict sample_id -> {xyz, uv_vis, K})')
    annotations = load_pickle(path, 'the RHD annotation dict sample_id -> {xyz, uv_vis, K}')
    if not isinstance(annotations, dict):
        raise ValueError(f'{path}: expected a dict sample_id -> annotation, got {type(annotations).__name__}')
    return path, annotations


def read_sample(annotation: Mapping, source: str) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One stored annotation as arrays: ``xyz`` (42, 3) m, ``uv_vis`` (42, 3) (px, px, flag), ``K`` (3, 3), float64.

    Args:
        annotation (Mapping): the pickle's entry of one sample.
        source (str): file and sample named by errors.
    """
    xyz = as_array(require_key(annotation, 'xyz', source, '(42, 3) joints in metres'), (NUM_RHD_JOINTS, 3), source,
                   'xyz')
    uv_vis = as_array(require_key(annotation, 'uv_vis', source, '(42, 3) u, v, visible'), (NUM_RHD_JOINTS, 3), source,
                      'uv_vis')
    cam_K = as_array(require_key(annotation, 'K', source, '(3, 3) intrinsics'), (3, 3), source, 'K')
    return xyz, uv_vis, cam_K


def hand_to_internal(xyz_m: np.ndarray, uv_vis: np.ndarray, left: bool) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One hand of an annotation in the internal joint order and unit (not mirrored).

    Args:
        xyz_m (np.ndarray): (42, 3) stored joints, metres.
        uv_vis (np.ndarray): (42, 3) stored pixels and visibility flags.
        left (bool): take the left hand's slots (0-20), else the right hand's (21-41).

    Returns:
        tuple: ``uv`` (21, 2) px, ``visible`` (21,) float32 (flag == 1), ``xyz_mm`` (21, 3) mm, FreiHAND order.
    """
    joints = np.asarray(RHD_TO_FREIHAND) + HAND_OFFSET['left' if left else 'right']
    uv = uv_vis[joints, :2]
    visible = (uv_vis[joints, 2] == 1).astype(np.float32)
    return uv, visible, xyz_m[joints] * 1000.


def hand_from_internal(xyz_mm: np.ndarray, uv: np.ndarray, visible: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """One hand in FreiHAND order (mm, px) -> RHD's slots of one hand: ``xyz`` (21, 3) m and ``uv_vis`` (21, 3),
    RHD order (wrist, fingers tip -> palm), float64."""
    perm = list(FREIHAND_TO_RHD)
    xyz = np.asarray(xyz_mm, np.float64)[perm] / 1000.
    uv_vis = np.concatenate([np.asarray(uv, np.float64), np.asarray(visible, np.float64)[:, None]], 1)[perm]
    return xyz, uv_vis


def make_annotation(left: Tuple[np.ndarray, np.ndarray], right: Tuple[np.ndarray, np.ndarray],
                    cam_K: np.ndarray) -> Dict[str, np.ndarray]:
    """One sample's pickle entry from both hands' ``(xyz (21, 3) m, uv_vis (21, 3))`` in RHD order.

    Returns:
        dict: ``{'xyz' (42, 3), 'uv_vis' (42, 3), 'K' (3, 3)}``, float32 as in the release.
    """
    xyz = np.concatenate([left[0], right[0]])
    uv_vis = np.concatenate([left[1], right[1]])
    return dict(xyz=xyz.astype(np.float32), uv_vis=uv_vis.astype(np.float32),
                K=np.asarray(cam_K).astype(np.float32))


def write_split(root: str, split: str, annotations: Mapping[int, Mapping], images: Mapping[int, np.ndarray],
                masks: Optional[Mapping[int, np.ndarray]] = None, png_compression: Optional[int] = None) -> str:
    """Write an RHD split: ``anno_<split>.pickle``, ``color/%05d.png`` and (given) ``mask/%05d.png``.

    Args:
        root (str): dataset root (``RHD_published_v2``).
        split (str): ``'training'`` or ``'evaluation'``.
        annotations (Mapping): {sample_id: {'xyz', 'uv_vis', 'K'}} as :func:`make_annotation` builds them.
        images (Mapping): {sample_id: (H, W, 3) uint8 BGR}, one per annotation.
        masks (Mapping, optional): {sample_id: (H, W) uint8 class ids}.
        png_compression (int, optional): zlib level of the png files (None: cv2's default).

    Returns:
        str: path of the annotation pickle.
    """
    path = annotation_path(str(root), split)
    dump_pickle(path, {int(k): v for k, v in annotations.items()})
    for sample_id in annotations:
        write_image(color_path(str(root), split, sample_id), images[sample_id], png_compression=png_compression)
        if masks is not None and sample_id in masks:
            write_image(mask_path(str(root), split, sample_id), masks[sample_id])
    return path
