# Copyright (c) bmc_mmpose authors. All rights reserved.
"""FreiHAND CodaLab submission (competition 21238): ``pred.json`` = ``[xyz_list, verts_list]``.

Format (``../shared/docs/datasets.md`` §2.5, lmb-freiburg/freihand ``pred.py`` / ``eval.py``): 3,960 entries in
evaluation-index order; each xyz entry is 21x3 in **metres**, **camera frame** (OpenCV, as the ground truth),
**FreiHAND joint order** (= ours); each verts entry an (N, 3) list.

This model predicts no mesh. We write 778 placeholder vertices per sample (see :func:`placeholder_vertices`)
because the server computes its mesh metrics only when N = 778 (with N != 778 it reports them as -1 but still
needs a 2-D list). **The mesh error, mesh AUC and F-scores of such a submission are meaningless**; only
``xyz_*`` scores measure this model.
"""
from typing import List, Optional, Tuple

import numpy as np

from bmc_mmpose.datasets.formats import freihand as freihand_format
from ._io import NUM_MANO_VERTS, check_joints, read_pred_json, unmirror, write_submission

FREIHAND_NUM_EVAL = 3960


def freihand_joints_from_ours(joints_mm: np.ndarray, mirrored: Optional[np.ndarray] = None) -> np.ndarray:
    """Our convention (mm, OpenCV, FreiHAND order, right hand) -> FreiHAND submission (m, OpenCV, FreiHAND)."""
    return freihand_format.joints_from_internal(unmirror(check_joints(joints_mm, 'freihand submission'), mirrored))


def write_freihand_submission(joints_mm: np.ndarray,
                              out_file: str,
                              mirrored: Optional[np.ndarray] = None,
                              placeholder: str = 'root',
                              num_verts: int = NUM_MANO_VERTS,
                              make_zip: bool = True,
                              expected_len: Optional[int] = FREIHAND_NUM_EVAL) -> Tuple[str, Optional[str]]:
    """Write a FreiHAND ``pred.json`` (and ``pred.zip``).

    Args:
        joints_mm (np.ndarray): (N, 21, 3) predicted joints in mm, camera frame, FreiHAND order, **in evaluation
            index order** (entry i = ``evaluation/rgb/%08d.jpg`` % i).
        out_file (str): ``.json`` or ``.zip`` path (see :func:`write_pred_json`); json and zip share the stem.
        mirrored (np.ndarray, optional): (N,) True where the dataset mirrored a left hand (never for FreiHAND,
            whose hands are all right hands; kept for generality).
        placeholder (str): ``'root'`` or ``'zeros'`` placeholder vertices (mesh scores are meaningless).
        num_verts (int): vertices per entry; 778 so that the server's format checks pass.
        make_zip (bool): also write the zip to upload.
        expected_len (int, optional): raise if N differs (3960 for the official split); None to allow subsets
            for local evaluation.

    Returns:
        tuple: (json path, zip path or None).
    """
    joints_m = freihand_joints_from_ours(joints_mm, mirrored)
    if expected_len is not None and joints_m.shape[0] != expected_len:
        raise ValueError(f'write_freihand_submission: got {joints_m.shape[0]} samples, the FreiHAND server expects '
                         f'{expected_len} (pass expected_len=None to write a subset for local evaluation)')
    return write_submission(joints_m, out_file, placeholder, num_verts, make_zip)


def read_freihand_submission(path: str) -> Tuple[np.ndarray, List[np.ndarray]]:
    """Read a FreiHAND ``pred.json``/``pred.zip`` back into our convention.

    Returns:
        tuple: joints (N, 21, 3) in mm, OpenCV camera frame, FreiHAND order; vertices list of (V, 3) in mm.
    """
    xyz_m, verts_m = read_pred_json(path)
    return freihand_format.joints_to_internal(xyz_m), [freihand_format.joints_to_internal(v) for v in verts_m]
