# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Shared reading/writing of CodaLab ``pred.json`` files (``[xyz_list, verts_list]``, metres)."""
import json
import os
import os.path as osp
import zipfile
from typing import List, Optional, Tuple

import numpy as np

NUM_MANO_VERTS = 778
PLACEHOLDER_MODES = ('root', 'zeros')


def check_joints(joints_mm: np.ndarray, who: str) -> np.ndarray:
    joints_mm = np.asarray(joints_mm, dtype=np.float64)
    if joints_mm.ndim != 3 or joints_mm.shape[1:] != (21, 3):
        raise ValueError(f'{who}: `joints_mm` must have shape (N, 21, 3) (mm, FreiHAND order), got {joints_mm.shape}')
    if not np.isfinite(joints_mm).all():
        raise ValueError(f'{who}: `joints_mm` contains NaN/inf; the server would reject or mis-score the file')
    return joints_mm


def unmirror(joints_mm: np.ndarray, mirrored: Optional[np.ndarray]) -> np.ndarray:
    """Undo the dataset's left-to-right mirroring (x -> -x in the camera frame) for samples flagged ``mirrored``."""
    if mirrored is None:
        return joints_mm
    mirrored = np.asarray(mirrored, dtype=bool).reshape(-1)
    if mirrored.shape[0] != joints_mm.shape[0]:
        raise ValueError(f'submission: `mirrored` has {mirrored.shape[0]} entries for {joints_mm.shape[0]} samples')
    sign = np.where(mirrored, -1.0, 1.0)
    out = joints_mm.copy()
    out[:, :, 0] *= sign[:, None]
    return out


def placeholder_vertices(joints_m: np.ndarray, mode: str, num_verts: int) -> np.ndarray:
    """Vertex list for a model that predicts no mesh: (N, num_verts, 3) metres.

    ``'root'``: every vertex at the sample's predicted wrist (finite, in the right place, so the server's vertex
    alignment stays well defined); ``'zeros'``: every vertex at the camera centre. Either way the server's mesh
    error, mesh AUC and F-scores are **meaningless**; only the keypoint (xyz) scores count.
    """
    if mode not in PLACEHOLDER_MODES:
        raise ValueError(f'submission: `placeholder` must be one of {PLACEHOLDER_MODES}, got {mode!r}')
    if num_verts < 1:
        raise ValueError(f'submission: `num_verts` must be >= 1, got {num_verts}')
    if mode == 'zeros':
        return np.zeros((joints_m.shape[0], num_verts, 3))
    return np.repeat(joints_m[:, :1, :], num_verts, axis=1)


def _array_json(array: np.ndarray, decimals: Optional[int]) -> str:
    """JSON text of an (N, 3) array; identical rows (the placeholder mesh) are serialised once and repeated,
    which makes writing 3960 x 778 placeholder vertices take about a second instead of half a minute."""
    if decimals is not None:
        array = np.round(array, decimals)
    if len(array) > 1 and (array == array[:1]).all():
        return '[' + ', '.join([json.dumps(array[0].tolist())] * len(array)) + ']'
    return json.dumps(array.tolist())


def write_pred_json(xyz_m: np.ndarray,
                    verts_m: np.ndarray,
                    out_file: str,
                    make_zip: bool = True,
                    verts_decimals: Optional[int] = 6) -> Tuple[str, Optional[str]]:
    """Write ``[xyz_list, verts_list]`` as json, and optionally as a zip to upload.

    ``out_file`` may end with ``.json`` (the json is written there and, if ``make_zip``, a zip with the same stem
    beside it) or with ``.zip`` (the zip is written there, the json beside it with the same stem). The zip always
    holds the json under the name ``pred.json`` at its top level, like ``zip -j pred.zip pred.json``.

    The joints are written at full float64 precision (``json`` writes the shortest repr that reads back to the
    same double); the placeholder vertices are rounded to ``verts_decimals`` to keep the file small.

    Returns:
        tuple: (json path, zip path or None).
    """
    stem, ext = osp.splitext(osp.abspath(out_file))
    if ext not in ('.json', '.zip'):
        raise ValueError(f'submission: `out_file` must end with .json or .zip, got {out_file!r}')
    json_path = stem + '.json'
    zip_path = stem + '.zip' if (make_zip or ext == '.zip') else None
    os.makedirs(osp.dirname(json_path), exist_ok=True)
    with open(json_path, 'w') as f:
        f.write('[[')
        f.write(', '.join(_array_json(x, None) for x in xyz_m))
        f.write('], [')
        f.write(', '.join(_array_json(v, verts_decimals) for v in verts_m))
        f.write(']]')
    if zip_path is not None:
        with zipfile.ZipFile(zip_path, 'w', compression=zipfile.ZIP_DEFLATED) as zf:
            zf.write(json_path, arcname='pred.json')
    return json_path, zip_path


def write_submission(joints_m: np.ndarray, out_file: str, placeholder: str, num_verts: int,
                     make_zip: bool) -> Tuple[str, Optional[str]]:
    """Write already converted joints (N, 21, 3) metres with placeholder vertices (see
    :func:`placeholder_vertices`) as ``pred.json`` (and the zip); returns (json path, zip path or None)."""
    verts = placeholder_vertices(joints_m, placeholder, num_verts)
    return write_pred_json(joints_m, verts, out_file, make_zip=make_zip)


def read_pred_json(path: str) -> Tuple[np.ndarray, List[np.ndarray]]:
    """Read ``[xyz_list, verts_list]`` from a ``pred.json`` or a zip holding ``pred.json``.

    Returns:
        tuple: xyz (N, 21, 3) float64 as stored (metres, the file's joint order and axes), verts list of (V, 3).
    """
    if path.endswith('.zip'):
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.endswith('.json')]
            if len(names) != 1:
                raise ValueError(f'submission: {path} must hold exactly one .json file, found {names}')
            payload = json.loads(zf.read(names[0]))
    else:
        with open(path) as f:
            payload = json.load(f)
    if not isinstance(payload, list) or len(payload) != 2 or len(payload[0]) != len(payload[1]):
        raise ValueError(f'submission: {path} is not [xyz_list, verts_list] with equal lengths')
    xyz = np.asarray(payload[0], dtype=np.float64)
    if xyz.ndim != 3 or xyz.shape[1:] != (21, 3):
        raise ValueError(f'submission: xyz entries of {path} must be 21x3, got array shape {xyz.shape}')
    return xyz, [np.asarray(v, dtype=np.float64) for v in payload[1]]
