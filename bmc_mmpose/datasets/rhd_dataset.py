# Copyright (c) bmc_mmpose authors. All rights reserved.
import logging
import os.path as osp
from typing import List, Optional, Tuple

import numpy as np
from mmengine.logging import print_log
from mmpose.registry import DATASETS

from bmc_mmpose.geometry.skeleton import NUM_JOINTS
from .base_hand_dataset import BaseHandDataset, bbox_from_keypoints, mirror_annotation
from .formats import rhd as rhd_format
from .formats._files import image_size_of, require_file
from .formats.rhd import RHD_IMAGE_SIZE

HAND_CHOICES = ('auto', 'mask', 'left', 'right')


@DATASETS.register_module()
class Rhd3DDataset(BaseHandDataset):
    """Rendered Hand Pose dataset (Zimmermann & Brox 2017) read from its original files.

    Layout (``data_root`` = ``RHD_published_v2``; read with :mod:`bmc_mmpose.datasets.formats.rhd`)::

        <data_root>/<split>/anno_<split>.pickle   dict {sample_id: {'xyz' (42, 3) m, 'uv_vis' (42, 3), 'K' (3, 3)}}
        <data_root>/<split>/color/%05d.png         320x320 RGB
        <data_root>/<split>/mask/%05d.png          segmentation (only read with ``hand='mask'``)

    Joints 0-20 are the left hand, 21-41 the right hand, each wrist then every finger **tip -> palm**. One hand
    per image is kept and converted at the border: reordered with ``RHD_TO_FREIHAND``, metres -> mm, and a left
    hand is mirrored to a right hand (x -> -x, u -> W-1-u, K -> F K diag(-1, 1, 1), i.e. cx -> W-1-cx) with
    ``mirrored=True`` so that ``HandCropAffine`` flips the image too; projection stays exact. W is the real width
    of the image file (read from its header), so images of any size mirror correctly (``HandCropAffine`` flips the
    image with its own width).

    ``keypoints`` are RHD's stored ``uv`` (not re-projected); ``keypoints_visible`` is the ``uv_vis`` flag (or all
    ones with ``visibility='all'``, since the synthetic labels of occluded joints are exact).

    Args:
        data_root (str): RHD root.
        split (str): ``'training'`` or ``'evaluation'``.
        hand (str): which hand to keep: ``'auto'`` the hand with more visible keypoints (``uv_vis[:, 2] == 1``,
            as MengHao666/bihand/S2HAND), ties broken by the larger 2D joint box, then the right hand;
            ``'mask'`` the hand with more segmentation pixels (hand3d's / Spurr's "dominant hand", reads
            ``mask/%05d.png``); ``'left'`` / ``'right'`` that hand always.
        visibility (str): ``'flag'`` (``uv_vis`` flag) or ``'all'``.
        image_size (int, optional): image width and height in pixels. None (default): read each image's size
            from its file header (320 x 320 for the published RHD). Given: used for every sample without reading
            each file (annotation-only use); the first image of the split is checked against it and a mismatch
            is an error naming the image.
        **kwargs: see :class:`BaseHandDataset` (``supervision``, ``num_3d_samples``, ``pipeline``, ...).
    """

    DATASET_NAME = 'rhd'
    SPLITS = ('training', 'evaluation')

    def __init__(self, data_root: str, split: str = 'training', hand: str = 'auto', visibility: str = 'flag',
                 image_size: Optional[int] = None, **kwargs):
        if hand not in HAND_CHOICES:
            raise ValueError(f'Rhd3DDataset: hand must be one of {HAND_CHOICES}, got {hand!r}')
        if visibility not in ('flag', 'all'):
            raise ValueError(f"Rhd3DDataset: visibility must be 'flag' or 'all', got {visibility!r}")
        self.hand = hand
        self.visibility = visibility
        if image_size is not None and int(image_size) <= 0:
            raise ValueError(f'Rhd3DDataset: image_size must be a positive width in pixels or None, got {image_size!r}')
        self.image_size = image_size
        self.unread_sizes = 0
        self._size_checked = False
        super().__init__(data_root=data_root, split=split, **kwargs)

    def _expected_layout(self) -> str:
        return '<root>/{training,evaluation}/anno_<split>.pickle and color/%05d.png'

    def _choose_left(self, uv_vis: np.ndarray, mask_path: str) -> bool:
        if self.hand in ('left', 'right'):
            return self.hand == 'left'
        if self.hand == 'mask':
            import cv2
            path = require_file(mask_path, "RHD segmentation mask (hand='mask')")
            mask = cv2.imread(path, cv2.IMREAD_UNCHANGED)
            if mask is None:
                raise IOError(f'{path}: cannot decode the RHD segmentation mask')
            left, right = rhd_format.hand_pixel_counts(mask)
            return bool(left > right)
        visible = uv_vis[:, 2] == 1
        n_left, n_right = int(visible[:NUM_JOINTS].sum()), int(visible[NUM_JOINTS:].sum())
        if n_left != n_right:
            return n_left > n_right

        def area(uv):
            span = uv.max(0) - uv.min(0)
            return float(span[0] * span[1])

        return area(uv_vis[:NUM_JOINTS, :2]) > area(uv_vis[NUM_JOINTS:, :2])

    def _load_records(self) -> List[dict]:
        ann_path, annotations = rhd_format.read_annotations(self.data_root, self.split)
        color_dir = require_file(rhd_format.color_dir(self.data_root, self.split),
                                 'the RHD colour images color/%05d.png')
        records = []
        for sample_id in sorted(annotations):
            source = f'{ann_path} [sample {sample_id}]'
            xyz, uv_vis, cam_K = rhd_format.read_sample(annotations[sample_id], source)
            left = self._choose_left(uv_vis, rhd_format.mask_path(self.data_root, self.split, sample_id))
            uv, visible, xyz_mm = rhd_format.hand_to_internal(xyz, uv_vis, left)
            if self.visibility == 'all':
                visible = np.ones(NUM_JOINTS, np.float32)
            img_path = rhd_format.color_path(self.data_root, self.split, sample_id)
            image_wh = self._image_wh(img_path)
            if left:
                uv, xyz_mm, cam_K = mirror_annotation(uv, xyz_mm, cam_K, image_wh[0])
            records.append(dict(
                img_path=img_path,
                image_wh=image_wh,
                img_id=int(sample_id),
                unique_id=int(sample_id),
                keypoints=uv,
                keypoints_visible=visible,
                keypoints_3d=xyz_mm,
                cam_K=cam_K,
                bbox=bbox_from_keypoints(uv),
                mirrored=left))
        if self.unread_sizes:
            print_log(f'Rhd3DDataset: {self.unread_sizes} images of {color_dir} not found; their size is taken as '
                      f'{RHD_IMAGE_SIZE} px (the published RHD size) for mirroring and box checks',
                      logger='current', level=logging.WARNING)
        return records

    def _image_wh(self, img_path: str) -> Tuple[int, int]:
        """(W, H) of a sample's image: ``image_size`` when given (checked against the first image found), else
        read from the file's header."""
        if self.image_size is not None:
            if not self._size_checked and osp.exists(img_path):
                self._size_checked = True
                width, height = image_size_of(img_path)
                if (width, height) != (self.image_size, self.image_size):
                    raise ValueError(f'Rhd3DDataset: {img_path} is {width}x{height} px but image_size={self.image_size}'
                                     '; left hands would be mirrored with the wrong width (omit image_size to read '
                                     'each image\'s size)')
            return int(self.image_size), int(self.image_size)
        if not osp.exists(img_path):
            self.unread_sizes += 1
            return RHD_IMAGE_SIZE, RHD_IMAGE_SIZE
        return image_size_of(img_path)
