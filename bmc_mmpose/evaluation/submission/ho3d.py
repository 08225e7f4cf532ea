# Copyright (c) bmc_mmpose authors. All rights reserved.
"""HO-3D CodaLab submission (v2: competition 4318, 11,524 frames; v3: 4393, 20,137 frames).

Format (``../shared/docs/datasets.md`` §3.4-3.6): ``pred.json`` = ``[xyz_list, verts_list]`` like FreiHAND, in
``evaluation.txt`` order; each xyz entry is 21x3 in **metres**, **OpenGL** camera frame (OpenGL = (x, -y, -z) of
OpenCV, hands have negative z) and **HO-3D native (MANO + tips) joint order**: the joints of the dataset's own
files, converted by :mod:`bmc_mmpose.datasets.formats.ho3d` (``joints_from_internal`` / ``joints_to_internal``).

As for FreiHAND, the model predicts no mesh: 778 placeholder vertices are written and **the server's mesh
scores and F-scores of such a submission are meaningless**.
"""
from typing import List, Optional, Tuple

import numpy as np

from bmc_mmpose.datasets.formats import ho3d as ho3d_format
from ._io import NUM_MANO_VERTS, check_joints, read_pred_json, unmirror, write_submission

HO3D_NUM_EVAL = {'v2': 11524, 'v3': 20137}


def ho3d_joints_from_ours(joints_mm: np.ndarray, mirrored: Optional[np.ndarray] = None) -> np.ndarray:
    """Our convention (mm, OpenCV, FreiHAND order) -> HO-3D submission (m, OpenGL, MANO order)."""
    return ho3d_format.joints_from_internal(unmirror(check_joints(joints_mm, 'ho3d submission'), mirrored))


def write_ho3d_submission(joints_mm: np.ndarray,
                          out_file: str,
                          mirrored: Optional[np.ndarray] = None,
                          version: Optional[str] = None,
                          placeholder: str = 'root',
                          num_verts: int = NUM_MANO_VERTS,
                          make_zip: bool = True) -> Tuple[str, Optional[str]]:
    """Write an HO-3D ``pred.json`` (and ``pred.zip``).

    Args:
        joints_mm (np.ndarray): (N, 21, 3) predicted joints, mm, OpenCV camera frame, FreiHAND order, in
            ``evaluation.txt`` order.
        out_file (str): ``.json`` or ``.zip`` path (see :func:`write_pred_json`); json and zip share the stem.
        mirrored (np.ndarray, optional): (N,) True where a left hand was mirrored by the dataset.
        version (str, optional): ``'v2'`` or ``'v3'`` to check N against the official size; None to skip.
        placeholder (str): ``'root'`` or ``'zeros'`` placeholder vertices (mesh scores are meaningless).
        num_verts (int): vertices per entry.
        make_zip (bool): also write the zip to upload.

    Returns:
        tuple: (json path, zip path or None).
    """
    joints_m = ho3d_joints_from_ours(joints_mm, mirrored)
    if version is not None:
        if version not in HO3D_NUM_EVAL:
            raise ValueError(f'write_ho3d_submission: `version` must be one of {list(HO3D_NUM_EVAL)}, got {version!r}')
        if joints_m.shape[0] != HO3D_NUM_EVAL[version]:
            raise ValueError(f'write_ho3d_submission: got {joints_m.shape[0]} samples, HO-3D {version} expects '
                             f'{HO3D_NUM_EVAL[version]} (pass version=None to write a subset)')
    return write_submission(joints_m, out_file, placeholder, num_verts, make_zip)


def read_ho3d_submission(path: str) -> Tuple[np.ndarray, List[np.ndarray]]:
    """Read an HO-3D ``pred.json``/``pred.zip`` back into our convention.

    Returns:
        tuple: joints (N, 21, 3) in mm, OpenCV frame, FreiHAND order; vertices list of (V, 3) in mm, OpenCV frame.
    """
    xyz_m, verts_m = read_pred_json(path)
    return ho3d_format.joints_to_internal(xyz_m), [ho3d_format.points_to_internal(v) for v in verts_m]
