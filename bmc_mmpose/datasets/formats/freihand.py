# Copyright (c) bmc_mmpose authors. All rights reserved.
"""FreiHAND v2 (Zimmermann et al. 2019) on disk: reading, writing, and the joints' conversion.

Layout (``shared/docs/datasets.md`` section 2; ``root`` = ``FreiHAND_pub_v2``, plus the ``_eval`` archive)::

    <root>/<prefix>_K.json       list of N (3, 3) intrinsics ``[[fx, 0, cx], [0, fy, cy], [0, 0, 1]]``, 224 x 224
    <root>/<prefix>_xyz.json     list of N (21, 3) joints, metres, OpenCV camera frame, FreiHAND order
    <root>/<prefix>_scale.json   list of N floats, |xyz[9] - xyz[10]| in metres (the middle MCP -> PIP bone)
    <root>/<prefix>/rgb/%08d.jpg image ``i + N * v`` shows annotation ``i`` on background version ``v``

with ``prefix`` ``'training'`` (N = 32,560, four versions) or ``'evaluation'`` (N = 3,960, one version). All hands
are right hands in FreiHAND order, the internal order; the only conversion at the border is metres -> mm.
"""
import os.path as osp
from typing import Mapping, Optional

import numpy as np

from bmc_mmpose.geometry.camera_numpy import reference_bone_length
from ._files import dump_json, load_json, require_file, write_image

#: Width and height of the published FreiHAND images, pixels.
FREIHAND_IMAGE_SIZE = 224
#: Background versions of each training hand (0 green screen, 1 hom, 2 sample, 3 auto).
FREIHAND_NUM_VERSIONS = 4
#: Annotated hands of the training set; image ids run over ``FREIHAND_NUM_VERSIONS`` times as many.
FREIHAND_NUM_TRAINING = 32560
#: The annotation files of a split: ``<prefix>_<name>.json``.
FILES = ('K', 'xyz', 'scale')


def json_path(root: str, prefix: str, name: str) -> str:
    """``<root>/<prefix>_<name>.json`` with ``name`` in :data:`FILES`."""
    return osp.join(root, f'{prefix}_{name}.json')


def rgb_dir(root: str, prefix: str) -> str:
    """``<root>/<prefix>/rgb``."""
    return osp.join(root, prefix, 'rgb')


def image_path(root: str, prefix: str, img_id: int) -> str:
    """``<root>/<prefix>/rgb/%08d.jpg`` of image id ``img_id`` (= annotation index + N * version)."""
    return osp.join(rgb_dir(root, prefix), '%08d.jpg' % int(img_id))


def read_list(root: str, prefix: str, name: str, what: str, required: bool = True) -> Optional[list]:
    """Read one ``<prefix>_<name>.json`` list (one entry per annotated hand).

    Returns:
        list | None: the entries as stored; None when the file is absent and not ``required``.

    Raises:
        FileNotFoundError / ValueError naming the file and ``what`` it should hold.
    """
    path = json_path(root, prefix, name)
    if not required and not osp.exists(path):
        return None
    require_file(path, what)
    data = load_json(path, what)
    if not isinstance(data, list):
        raise ValueError(f'{path}: expected a JSON list ({what}), got {type(data).__name__}')
    return data


def joints_to_internal(xyz_m: np.ndarray) -> np.ndarray:
    """Stored joints (..., 21, 3) metres -> internal (..., 21, 3) mm (same order and camera frame)."""
    return np.asarray(xyz_m, np.float64) * 1000.


def joints_from_internal(xyz_mm: np.ndarray) -> np.ndarray:
    """Internal joints (..., 21, 3) mm -> FreiHAND's (..., 21, 3) metres, as stored and as submitted."""
    return np.asarray(xyz_mm, np.float64) / 1000.


def write_split(root: str, prefix: str, xyz_m: Optional[np.ndarray], cam_K: np.ndarray,
                images: Mapping[int, np.ndarray], scale_m: Optional[np.ndarray] = None, write_scale: bool = True,
                png_compression: Optional[int] = None) -> None:
    """Write a FreiHAND split: ``<prefix>_{K,xyz,scale}.json`` and ``<prefix>/rgb/%08d.jpg``.

    Args:
        root (str): dataset root.
        prefix (str): ``'training'`` or ``'evaluation'``.
        xyz_m (np.ndarray, optional): (N, 21, 3) metres, FreiHAND order; None for an evaluation split without
            released 3D (no ``<prefix>_xyz.json``).
        cam_K (np.ndarray): (N, 3, 3) intrinsics.
        images (Mapping): {image id: (H, W, 3) uint8 BGR}, written as ``%08d.jpg``.
        scale_m (np.ndarray, optional): (N,) reference bone lengths in metres; computed from ``xyz_m`` when None.
        write_scale (bool): write ``<prefix>_scale.json``.
        png_compression (int, optional): unused by jpg files; accepted so every format's writer has the same
            image options.
    """
    root = str(root)
    dump_json(json_path(root, prefix, 'K'), np.asarray(cam_K, np.float64).tolist())
    if xyz_m is not None:
        dump_json(json_path(root, prefix, 'xyz'), np.asarray(xyz_m, np.float64).tolist())
    if write_scale:
        if scale_m is None and xyz_m is None:
            raise ValueError('freihand.write_split: scale_m is required when xyz_m is None and write_scale is True')
        if scale_m is None:
            scale_m = reference_bone_length(xyz_m)
        dump_json(json_path(root, prefix, 'scale'), [float(s) for s in scale_m])
    for img_id, image in images.items():
        write_image(image_path(root, prefix, img_id), image, png_compression=png_compression)
