# Copyright (c) bmc_mmpose authors. All rights reserved.
"""HO-3D v2 / v3 (Hampali et al. 2020) on disk: reading, writing, and the joints' conversion.

Layout (``shared/docs/datasets.md`` section 3; ``root`` = ``HO3D_v2`` or ``HO3D_v3``)::

    <root>/train.txt, evaluation.txt                 one '<SEQ>/<fid>' line per usable frame
    <root>/<split>/<SEQ>/meta/<fid>.pkl             dict: 'handJoints3D', 'camMat', 'handBoundingBox', ...
    <root>/<split>/<SEQ>/rgb/<fid>.png (v2) or .jpg (v3), 640 x 480
    <root>/evaluation_xyz.json                       optional: released evaluation joints, evaluation.txt order

``handJoints3D`` is (21, 3) metres in the **OpenGL** camera frame (y up, z towards the viewer; OpenCV = (x, -y,
-z)) in **MANO order with the fingertips appended** (training), or the (3,) wrist only (evaluation, with
``handBoundingBox`` = [x1, y1, x2, y2] pixels). ``camMat`` is ``[[fx, 0, cx], [0, fy, cy], [0, 0, 1]]``. Frames
without annotation hold None. The CodaLab ``pred.json`` uses the same joints (metres, OpenGL, MANO order), so the
submission writer converts with :func:`joints_from_internal` too.
"""
import os.path as osp
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from bmc_mmpose.geometry.skeleton import FREIHAND_TO_MANO, MANO_TO_FREIHAND
from ._files import dump_json, dump_pickle, load_json, load_pickle, require_file, write_image

#: Width and height of the HO-3D frames, pixels.
HO3D_IMAGE_SIZE = (640, 480)
#: OpenGL camera (y up, z towards the viewer) -> OpenCV camera (y down, z forward); its own inverse.
OPENGL_TO_OPENCV = np.diag([1., -1., -1.])
#: The same axis flip as a per-coordinate sign.
OPENGL_SIGNS = np.array([1., -1., -1.])
#: Image extensions in the order tried per version (both occur in the releases).
IMAGE_EXTENSIONS = {'v2': ('.png', '.jpg'), 'v3': ('.jpg', '.png')}


def split_file(root: str, split: str) -> str:
    """``<root>/<split>.txt``."""
    return osp.join(root, f'{split}.txt')


def sequence_dir(root: str, split: str, seq: str) -> str:
    """``<root>/<split>/<SEQ>``."""
    return osp.join(root, split, seq)


def meta_path(root: str, split: str, seq: str, fid: str) -> str:
    """``<root>/<split>/<SEQ>/meta/<fid>.pkl``."""
    return osp.join(sequence_dir(root, split, seq), 'meta', fid + '.pkl')


def rgb_path(root: str, split: str, seq: str, fid: str, ext: str) -> str:
    """``<root>/<split>/<SEQ>/rgb/<fid><ext>``."""
    return osp.join(sequence_dir(root, split, seq), 'rgb', fid + ext)


def eval_xyz_path(root: str) -> str:
    """``<root>/evaluation_xyz.json``."""
    return osp.join(root, 'evaluation_xyz.json')


def read_split_lines(root: str, split: str) -> Tuple[str, List[str]]:
    """The non-empty lines of ``<split>.txt``.

    Returns:
        tuple: (the file's path, its lines stripped of white space).
    """
    path = require_file(split_file(root, split), "the HO-3D split file with one '<SEQ>/<fid>' line per usable frame")
    with open(path) as f:
        return path, [line.strip() for line in f if line.strip()]


def parse_line(line: str, path: str, line_idx: int) -> Tuple[str, str]:
    """``'<SEQ>/<fid>'`` -> ``(SEQ, fid)``; anything else is a ``ValueError`` naming the file and line."""
    parts = line.split('/')
    if len(parts) != 2:
        raise ValueError(f"{path}:{line_idx + 1}: expected '<SEQ>/<fid>', got {line!r}")
    return parts[0], parts[1]


def read_meta(path: str) -> dict:
    """One frame's annotation dict (``handJoints3D``, ``camMat``, ...) as stored."""
    require_file(path, 'the HO-3D frame annotation pickle')
    return load_pickle(path, "the HO-3D frame annotation dict ('handJoints3D', 'camMat', ...)")


def find_image(rgb_dir: str, fid: str, version: str) -> str:
    """The extension (``'.png'`` or ``'.jpg'``) under which frame ``fid`` exists in ``rgb_dir``, trying the
    version's own first; ``FileNotFoundError`` when neither does."""
    for ext in IMAGE_EXTENSIONS[version]:
        if osp.exists(osp.join(rgb_dir, fid + ext)):
            return ext
    raise FileNotFoundError(f'{osp.join(rgb_dir, fid)}{{.png,.jpg}} does not exist; expected the HO-3D RGB frame')


def read_eval_xyz(root: str, num_lines: int) -> Optional[list]:
    """The released evaluation joints (one (21, 3) list per ``evaluation.txt`` line, metres, OpenGL, MANO
    order), or None when ``evaluation_xyz.json`` is absent; a length mismatch is a ``ValueError``."""
    path = eval_xyz_path(root)
    if not osp.exists(path):
        return None
    xyz = load_json(path, 'the HO-3D evaluation joints: one (21, 3) list per evaluation.txt line, metres')
    if len(xyz) != num_lines:
        raise ValueError(f'{path}: {len(xyz)} entries but evaluation.txt has {num_lines} lines; expected one '
                         '(21, 3) entry per line, in evaluation.txt order')
    return xyz


def points_to_internal(points_gl_m: np.ndarray) -> np.ndarray:
    """(..., 3) points, metres, OpenGL camera -> (..., 3) mm, OpenCV camera."""
    return np.asarray(points_gl_m, np.float64) @ OPENGL_TO_OPENCV.T * 1000.


def points_from_internal(points_mm: np.ndarray) -> np.ndarray:
    """(..., 3) points, mm, OpenCV camera -> (..., 3) metres, OpenGL camera."""
    return np.asarray(points_mm, np.float64) * OPENGL_SIGNS / 1000.


def joints_to_internal(joints_gl_m: np.ndarray) -> np.ndarray:
    """HO-3D joints (..., 21, 3) metres, OpenGL, MANO order + tips -> (..., 21, 3) mm, OpenCV, FreiHAND order."""
    return points_to_internal(joints_gl_m)[..., list(MANO_TO_FREIHAND), :]


def joints_from_internal(joints_mm: np.ndarray) -> np.ndarray:
    """Internal joints (..., 21, 3) mm, OpenCV, FreiHAND order -> HO-3D (..., 21, 3) metres, OpenGL, MANO order."""
    return points_from_internal(joints_mm)[..., list(FREIHAND_TO_MANO), :]


def make_train_meta(joints_mm: np.ndarray, cam_K: np.ndarray) -> Dict:
    """A training ``meta/<fid>.pkl`` dict from internal joints (21, 3) mm and K (3, 3), with the release's other
    hand and object keys present (zeros; the reader does not use them)."""
    return dict(handJoints3D=joints_from_internal(joints_mm).astype(np.float32), camMat=np.asarray(cam_K, np.float32),
                handPose=np.zeros(48, np.float32), handTrans=np.zeros(3, np.float32),
                handBeta=np.zeros(10, np.float32), objRot=np.zeros((3, 1), np.float32),
                objTrans=np.zeros((3, 1), np.float32), objName='003_cracker_box', objLabel=1,
                objCorners3D=np.zeros((8, 3), np.float32), objCorners3DRest=np.zeros((8, 3), np.float32),
                camIDList=['0'])


def make_eval_meta(root_mm: np.ndarray, bbox: np.ndarray, cam_K: np.ndarray) -> Dict:
    """An evaluation meta dict: the wrist (3,) mm OpenCV (stored as metres, OpenGL), ``handBoundingBox``
    [x1, y1, x2, y2] px, ``camMat`` (3, 3), and the object keys."""
    return dict(handJoints3D=points_from_internal(root_mm).astype(np.float32),
                handBoundingBox=np.asarray(bbox).astype(np.float32).tolist(), camMat=np.asarray(cam_K, np.float32),
                objRot=np.zeros((3, 1), np.float32), objTrans=np.zeros((3, 1), np.float32),
                objName='003_cracker_box', objLabel=1, objCorners3D=np.zeros((8, 3), np.float32))


def make_none_meta() -> Dict:
    """The meta dict of a frame without annotation (its fields are None, as in the release)."""
    return dict(handJoints3D=None, camMat=None, handPose=None, handTrans=None, handBeta=None, objRot=None,
                objTrans=None, objName=None)


def write_split(root: str, split: str, frames: Sequence[Tuple[str, str, Mapping]], images: Sequence[np.ndarray],
                image_ext: str = '.jpg', split_lines: Optional[Sequence[str]] = None,
                eval_xyz_m: Optional[np.ndarray] = None) -> None:
    """Write an HO-3D split: ``<split>.txt``, ``<split>/<SEQ>/meta/<fid>.pkl``, ``<split>/<SEQ>/rgb/<fid><ext>``.

    Args:
        root (str): dataset root.
        split (str): ``'train'`` or ``'evaluation'``.
        frames (Sequence): ``(SEQ, fid, meta dict)`` triples; meta dicts hold numpy arrays / None as released.
        images (Sequence): one (H, W, 3) uint8 BGR image per frame.
        image_ext (str): ``'.png'`` (v2) or ``'.jpg'`` (v3).
        split_lines (Sequence[str], optional): lines of the split file (default: every frame, in order).
        eval_xyz_m (np.ndarray, optional): (N, 21, 3) metres, OpenGL, MANO order, written as
            ``evaluation_xyz.json``.
    """
    root = str(root)
    for (seq, fid, meta), image in zip(frames, images):
        dump_pickle(meta_path(root, split, seq, fid), meta, protocol=2)
        write_image(rgb_path(root, split, seq, fid, image_ext), image)
    lines = split_lines if split_lines is not None else [f'{seq}/{fid}' for seq, fid, _ in frames]
    with open(split_file(root, split), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    if eval_xyz_m is not None:
        dump_json(eval_xyz_path(root), np.asarray(eval_xyz_m, np.float64).tolist())
