# Copyright (c) bmc_mmpose authors. All rights reserved.
import os.path as osp
from typing import Dict, List, Tuple

import numpy as np
from mmpose.registry import DATASETS

from bmc_mmpose.geometry.camera_numpy import project_points
from bmc_mmpose.geometry.skeleton import NUM_JOINTS
from .base_hand_dataset import BaseHandDataset, bbox_from_keypoints
from .formats import ho3d as ho3d_format
from .formats._files import image_size_of, require_key
from .formats.ho3d import joints_to_internal as ho3d_joints_to_internal


@DATASETS.register_module()
class HO3DDataset(BaseHandDataset):
    """HO-3D v2 / v3 (Hampali et al. 2020) read from its original files.

    Layout (read with :mod:`bmc_mmpose.datasets.formats.ho3d`)::

        <data_root>/train.txt, evaluation.txt           one '<SEQ>/<fid>' line per usable frame
        <data_root>/<train|evaluation>/<SEQ>/meta/<fid>.pkl
        <data_root>/<train|evaluation>/<SEQ>/rgb/<fid>.png (v2) or .jpg (v3), 640x480
        <data_root>/evaluation_xyz.json                  optional: released evaluation GT (Nov 2024)

    Conversions at the border: ``handJoints3D`` (metres, OpenGL camera, MANO order with tips appended) ->
    OpenCV via diag(1, -1, -1), FreiHAND order via ``MANO_TO_FREIHAND``, mm. The 2D joints are the projection
    with the per-frame ``camMat``; HO-3D has no visibility labels (all ones). All hands are right hands.

    Frames whose annotation is ``None`` (``handJoints3D`` or ``camMat``) are skipped and counted in the log
    (``skip_counts['None annotation']``). The evaluation split only has the wrist position (``handJoints3D`` as a
    3-vector) and ``handBoundingBox`` [x1, y1, x2, y2]: such samples have zero keypoints, ``keypoints_visible``
    = 0, ``has_3d = has_3d_eval = 0``, ``ref_bone_length = 0``, the given box, and the extra keys ``root_3d``
    (1, 3) mm (OpenCV) and ``has_root_3d`` (1,). With ``evaluation_xyz.json`` present (and ``use_eval_3d``) the
    evaluation split gets full 3D labels instead (``has_3d_eval = 1``; ``has_3d`` follows ``supervision``).
    Every HO-3D sample carries ``root_3d`` / ``has_root_3d`` so the keys are uniform; ``root_3d`` stays in the
    camera frame of the original image (``HandCropAffine`` rotates only ``keypoints_3d``; the depth is the same).

    Args:
        data_root (str): HO-3D root (``HO3D_v2`` or ``HO3D_v3``).
        split (str): ``'train'`` or ``'evaluation'``.
        version (str): ``'v2'`` (png first) or ``'v3'`` (jpg first); both extensions are tried.
        use_eval_3d (bool): use ``evaluation_xyz.json`` when present.
        **kwargs: see :class:`BaseHandDataset` (``supervision``, ``num_3d_samples``, ``pipeline``, ...).
    """

    DATASET_NAME = 'ho3d'
    SPLITS = ('train', 'evaluation')

    def __init__(self, data_root: str, split: str = 'train', version: str = 'v3', use_eval_3d: bool = True,
                 **kwargs):
        if version not in ('v2', 'v3'):
            raise ValueError(f"HO3DDataset: version must be 'v2' or 'v3', got {version!r}")
        self.version = version
        self.use_eval_3d = use_eval_3d
        super().__init__(data_root=data_root, split=split, **kwargs)

    def _expected_layout(self) -> str:
        return 'train.txt, evaluation.txt, <split>/<SEQ>/meta/<fid>.pkl, <split>/<SEQ>/rgb/<fid>.png|jpg'

    def _image_path(self, rgb_dir: str, fid: str, ext_cache: Dict[str, str]) -> str:
        """Path of frame ``fid``; the extension found for the sequence's first frame stands for the sequence."""
        if rgb_dir not in ext_cache:
            ext_cache[rgb_dir] = ho3d_format.find_image(rgb_dir, fid, self.version)
        return osp.join(rgb_dir, fid + ext_cache[rgb_dir])

    def _load_records(self) -> List[dict]:
        split_file, lines = ho3d_format.read_split_lines(self.data_root, self.split)
        eval_xyz = None
        if self.split == 'evaluation' and self.use_eval_3d:
            eval_xyz = ho3d_format.read_eval_xyz(self.data_root, len(lines))
        ext_cache: Dict[str, str] = {}
        # One camera per sequence: the first frame's size stands for the sequence (640 x 480 in HO-3D).
        size_cache: Dict[str, Tuple[int, int]] = {}
        records = []
        for line_idx, line in enumerate(lines):
            seq, fid = ho3d_format.parse_line(line, split_file, line_idx)
            seq_dir = ho3d_format.sequence_dir(self.data_root, self.split, seq)
            meta_path = ho3d_format.meta_path(self.data_root, self.split, seq, fid)
            meta = ho3d_format.read_meta(meta_path)
            joints = require_key(meta, 'handJoints3D', meta_path, '(21, 3) joints or the (3,) root, metres, OpenGL')
            cam_mat = require_key(meta, 'camMat', meta_path, '(3, 3) intrinsics')
            if joints is None or cam_mat is None:
                self.skip_counts['None annotation'] += 1
                continue
            cam_K = self._as_array(cam_mat, (3, 3), meta_path, 'camMat')
            img_path = self._image_path(osp.join(seq_dir, 'rgb'), fid, ext_cache)
            if seq_dir not in size_cache:
                size_cache[seq_dir] = image_size_of(img_path)
            record = dict(img_path=img_path, img_id=line_idx, unique_id=line_idx, cam_K=cam_K, mirrored=False,
                          image_wh=size_cache[seq_dir])
            joints = np.asarray(joints, np.float64)
            if eval_xyz is not None:
                joints = self._as_array(eval_xyz[line_idx], (NUM_JOINTS, 3), 'evaluation_xyz.json', str(line_idx))
            if joints.size == NUM_JOINTS * 3:
                xyz_mm = ho3d_joints_to_internal(self._as_array(joints, (NUM_JOINTS, 3), meta_path, 'handJoints3D'))
                with np.errstate(divide='ignore', invalid='ignore'):
                    uv = project_points(xyz_mm, cam_K, eps=0.)
                record.update(keypoints=uv, keypoints_visible=np.ones(NUM_JOINTS), keypoints_3d=xyz_mm,
                              bbox=bbox_from_keypoints(uv) if np.all(np.isfinite(uv)) else np.full(4, np.nan),
                              extra=dict(root_3d=xyz_mm[:1].copy(), has_root_3d=np.ones(1)))
            elif joints.size == 3:
                root_mm = ho3d_format.points_to_internal(self._as_array(joints, (1, 3), meta_path, 'handJoints3D'))
                box = self._as_array(require_key(meta, 'handBoundingBox', meta_path, '[x1, y1, x2, y2] pixels'),
                                     (4,), meta_path, 'handBoundingBox')
                record.update(keypoints=np.zeros((NUM_JOINTS, 2)), keypoints_visible=np.zeros(NUM_JOINTS),
                              keypoints_3d=None, bbox=box, extra=dict(root_3d=root_mm, has_root_3d=np.ones(1)))
            else:
                raise ValueError(f'{meta_path}: handJoints3D has {joints.size} values; expected (21, 3) joints '
                                 '(training) or the (3,) root joint (evaluation)')
            records.append(record)
        return records
