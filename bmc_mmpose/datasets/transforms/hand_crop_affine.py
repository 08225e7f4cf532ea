# Copyright (c) bmc_mmpose authors. All rights reserved.
"""K- and 3D-aware crop-and-resize of one hand, with scale / shift / in-plane rotation augmentation."""
import math
from typing import Dict, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmpose.registry import TRANSFORMS

from bmc_mmpose.geometry.camera_numpy import horizontal_flip_matrix


def crop_affine_matrix(center: np.ndarray, box_size: np.ndarray, rotation_deg: float,
                       input_size: Tuple[int, int]) -> Tuple[np.ndarray, np.ndarray]:
    """Image affine that maps the box around ``center`` to the network input, and its in-plane rotation.

    ``p' = s R (p - center) + 0.5 * input_size`` with ``s = input_w / box_w`` (the box already has the input's
    aspect ratio) and ``R = [[cos a, -sin a], [sin a, cos a]]``, ``a = rotation_deg`` in radians, acting on pixel
    coordinates (x right, y down). This is MMPose's non-UDP crop convention, so ``input_center`` /
    ``input_scale`` map predictions back exactly when there is no rotation.

    Args:
        center (np.ndarray): (2,) box centre, pixels.
        box_size (np.ndarray): (2,) box width and height, pixels (> 0).
        rotation_deg (float): in-plane rotation, degrees.
        input_size (tuple): (w, h) of the network input.

    Returns:
        tuple: ``H`` (3, 3) float64 homogeneous image affine (last row 0, 0, 1) and ``R_z`` (3, 3) float64, the
        3D rotation about the optical axis whose upper-left block is ``R``.
    """
    angle = math.radians(rotation_deg)
    cos, sin = math.cos(angle), math.sin(angle)
    rot2 = np.array([[cos, -sin], [sin, cos]])
    scale = input_size[0] / float(box_size[0])
    linear = scale * rot2
    translation = 0.5 * np.asarray(input_size, np.float64) - linear @ np.asarray(center, np.float64)
    hom = np.eye(3)
    hom[:2, :2] = linear
    hom[:2, 2] = translation
    rot_z = np.eye(3)
    rot_z[:2, :2] = rot2
    return hom, rot_z


def crop_intrinsics(cam_K: np.ndarray, hom: np.ndarray, rot_z: np.ndarray) -> np.ndarray:
    """Intrinsics of the crop: ``K' = H K R_z^T``, to be used with the rotated joints ``X' = R_z X``.

    ``K' X' = H K X``, and ``H``'s last row is (0, 0, 1), so the depth is unchanged and the projection of the
    rotated joints with ``K'`` is exactly the affine image of the original projection, for any K. When fx = fy
    (and no skew) ``K'`` is again ``[[s f, 0, cx'], [0, s f, cy'], [0, 0, 1]]``; when fx != fy and the rotation
    is not a multiple of 90 degrees, ``K'`` is a general upper-left 2x2 block (a skew term and a non-zero
    ``K'[1, 0]``), which every bmc_mmpose consumer handles through ``K^-1 [u, v, 1]``.

    Args:
        cam_K (np.ndarray): (3, 3) intrinsics of the original image.
        hom (np.ndarray): (3, 3) image affine from :func:`crop_affine_matrix`.
        rot_z (np.ndarray): (3, 3) rotation about the optical axis.

    Returns:
        np.ndarray: (3, 3) float64.
    """
    return hom @ np.asarray(cam_K, np.float64) @ rot_z.T


def apply_affine(points: np.ndarray, hom: np.ndarray) -> np.ndarray:
    """Apply a (3, 3) (or (2, 3)) affine to (..., 2) points; returns float64."""
    points = np.asarray(points, np.float64)
    return points @ hom[:2, :2].T + hom[:2, 2]


#: (3, 3) horizontal pixel flip ``u -> W - 1 - u`` of an image of width ``W`` (``camera_numpy``'s).
mirror_matrix = horizontal_flip_matrix


@TRANSFORMS.register_module()
class HandCropAffine(BaseTransform):
    """Crop the hand box, resize it to ``input_size`` and keep 2D, 3D and K consistent.

    The box (``bbox``, xyxy, from the dataset) is expanded to the input aspect ratio and by ``padding``; in
    training it is randomly rescaled (uniform in ``[1 - scale_factor, 1 + scale_factor]``), shifted (uniform in
    ``+-shift_factor`` box sizes) and rotated (uniform in ``+-rotate_factor`` degrees with ``rotate_prob``).
    The image is warped with the affine ``H`` (composed with a horizontal flip when ``mirrored`` is True, because
    the dataset already mirrored the annotations of a left hand; there is no other flip). The 3D joints are
    rotated about the optical axis, ``X' = R_z X``, and the crop intrinsics are ``K' = H K R_z^T``, so projecting
    the new 3D joints with the new K gives exactly the warped 2D joints (see :func:`crop_intrinsics`; with
    fx != fy and rotation, K' has a skew term).

    Required keys: ``img``, ``bbox`` (1, 4), ``cam_K`` (3, 3); optional ``keypoints`` (1, J, 2),
    ``keypoints_3d`` (1, J, 3), ``mirrored``.

    Raises ``ValueError`` naming the image when the box has no overlap with the image (the crop would be black
    and its labels would point at nothing). The datasets skip and count such boxes at load time; this catches
    boxes that come later (detections, the demo's ``--bbox``).

    Modified keys: ``img`` (crop), ``img_shape``, ``keypoints_3d`` (rotated; mm), ``cam_K`` (crop K).

    Added keys: ``cam_K_orig`` (3, 3) original (annotation-frame) K, ``warp_mat`` (2, 3) annotation-frame pixels
    -> crop pixels, ``img_warp_mat`` (2, 3) stored-image pixels -> crop pixels (differs from ``warp_mat`` by the
    flip for mirrored samples), ``transformed_keypoints`` (1, J, 2) crop px, ``input_size``, ``input_center``,
    ``input_scale``, ``bbox_rotation`` (1,) degrees.

    Args:
        input_size (tuple): (w, h) of the network input, default (128, 128).
        padding (float): box expansion factor.
        scale_factor (float): max relative random scale change (0 disables).
        shift_factor (float): max random shift as a fraction of the box size (0 disables).
        rotate_factor (float): max random rotation in degrees (0 disables).
        rotate_prob (float): probability to rotate.
        min_box_size (float): lower bound of the box side in pixels, so degenerate boxes stay finite.
        interpolation (str): ``'bilinear'`` or ``'nearest'``.
    """

    def __init__(self,
                 input_size: Sequence[int] = (128, 128),
                 padding: float = 1.4,
                 scale_factor: float = 0.,
                 shift_factor: float = 0.,
                 rotate_factor: float = 0.,
                 rotate_prob: float = 1.,
                 min_box_size: float = 8.,
                 interpolation: str = 'bilinear'):
        if len(input_size) != 2 or min(input_size) <= 0:
            raise ValueError(f'HandCropAffine: input_size must be (w, h) > 0, got {input_size}')
        if padding <= 0 or min_box_size <= 0:
            raise ValueError('HandCropAffine: padding and min_box_size must be > 0')
        if not 0 <= scale_factor < 1:
            raise ValueError(f'HandCropAffine: scale_factor must be in [0, 1), got {scale_factor}')
        if interpolation not in ('bilinear', 'nearest'):
            raise ValueError(f"HandCropAffine: interpolation must be 'bilinear' or 'nearest', got {interpolation}")
        self.input_size = (int(input_size[0]), int(input_size[1]))
        self.padding = float(padding)
        self.scale_factor = float(scale_factor)
        self.shift_factor = float(shift_factor)
        self.rotate_factor = float(rotate_factor)
        self.rotate_prob = float(rotate_prob)
        self.min_box_size = float(min_box_size)
        self.interpolation = cv2.INTER_LINEAR if interpolation == 'bilinear' else cv2.INTER_NEAREST

    @cache_randomness
    def _sample_augmentation(self) -> Tuple[float, np.ndarray, float]:
        scale = 1. + np.random.uniform(-self.scale_factor, self.scale_factor) if self.scale_factor > 0 else 1.
        shift = np.random.uniform(-self.shift_factor, self.shift_factor, size=2) if self.shift_factor > 0 \
            else np.zeros(2)
        rotation = 0.
        if self.rotate_factor > 0 and np.random.rand() < self.rotate_prob:
            rotation = float(np.random.uniform(-self.rotate_factor, self.rotate_factor))
        return float(scale), shift, rotation

    def _box(self, bbox: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        bbox = np.asarray(bbox, np.float64).reshape(-1, 4)[0]
        center = 0.5 * (bbox[:2] + bbox[2:])
        w, h = max(bbox[2] - bbox[0], 1e-6), max(bbox[3] - bbox[1], 1e-6)
        aspect = self.input_size[0] / self.input_size[1]
        if w > h * aspect:
            h = w / aspect
        else:
            w = h * aspect
        size = np.array([w, h]) * self.padding
        size *= max(1., self.min_box_size / size.min())
        return center, size

    def transform(self, results: Dict) -> Optional[Dict]:
        for key in ('img', 'bbox', 'cam_K'):
            if key not in results:
                raise KeyError(f'HandCropAffine: results lack {key!r} (img_path={results.get("img_path")})')
        img = results['img']
        height, width = img.shape[:2]
        bbox = np.asarray(results['bbox'], np.float64).reshape(-1, 4)[0]
        if not (bbox[2] >= 0 and bbox[3] >= 0 and bbox[0] <= width - 1 and bbox[1] <= height - 1):
            raise ValueError(f'HandCropAffine: {results.get("img_path")}: the box {bbox.round(1).tolist()} (xyxy) has '
                             f'no overlap with the {width}x{height} image')
        center, size = self._box(results['bbox'])
        scale, shift, rotation = self._sample_augmentation()
        center = center + shift * size
        size = size * scale
        hom, rot_z = crop_affine_matrix(center, size, rotation, self.input_size)

        img_hom = hom
        if results.get('mirrored', False):
            img_hom = hom @ mirror_matrix(img.shape[1])
        results['img'] = cv2.warpAffine(img, img_hom[:2], self.input_size, flags=self.interpolation,
                                        borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        results['img_shape'] = results['img'].shape[:2]

        cam_K = np.asarray(results['cam_K'], np.float64)
        results['cam_K_orig'] = cam_K.astype(np.float32)
        results['cam_K'] = crop_intrinsics(cam_K, hom, rot_z).astype(np.float32)
        results['warp_mat'] = hom[:2].astype(np.float32)
        results['img_warp_mat'] = img_hom[:2].astype(np.float32)
        if 'keypoints' in results:
            results['transformed_keypoints'] = apply_affine(results['keypoints'], hom).astype(np.float32)
        if results.get('keypoints_3d') is not None:
            xyz = np.asarray(results['keypoints_3d'], np.float64)
            results['keypoints_3d'] = (xyz @ rot_z.T).astype(np.float32)
        results['input_size'] = self.input_size
        results['input_center'] = center.astype(np.float32)
        results['input_scale'] = size.astype(np.float32)
        results['bbox_rotation'] = np.array([rotation], np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(input_size={self.input_size}, padding={self.padding}, '
                f'scale_factor={self.scale_factor}, shift_factor={self.shift_factor}, '
                f'rotate_factor={self.rotate_factor}, rotate_prob={self.rotate_prob})')
