# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Packed batches for model tests and benchmarks: what ``PackHand3DInputs`` produces, without images on disk.

Each sample is :func:`bmc_mmpose.testing.hands.random_posed_hand_mm` (the kinematic template hand with random joint
angles, orientation, size (reference bone 30-40 mm) and position (0.35-0.7 m)), seen by a random pinhole camera of a
320x320 image, cropped around its 2D box to the network input exactly as ``HandCropAffine`` does: the image
affine ``H`` (scale, shift, optional in-plane rotation ``R``), the rotated joints ``X_crop = R_z X`` and the
crop intrinsics ``K_crop = H K R_z^T`` (so that ``project(X_crop, K_crop) == H project(X, K)``).
"""
import math
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.structures import InstanceData
from mmpose.structures import PoseDataSample

from bmc_mmpose.geometry.camera_numpy import project_points, reference_bone_length
from bmc_mmpose.geometry.skeleton import NUM_JOINTS
from .hands import random_posed_hand_mm


def make_hand_sample(rng: np.random.RandomState,
                     input_size: Tuple[int, int] = (128, 128),
                     has_3d: bool = True,
                     rotation_deg: float = 0.,
                     image_size: int = 320,
                     known_scale: bool = True) -> Tuple[PoseDataSample, Dict[str, np.ndarray]]:
    """One packed sample (``docs/architecture.md`` layout) and its ground truth.

    Args:
        rng (np.random.RandomState): random source.
        input_size (tuple[int, int]): crop ``(w, h)``.
        has_3d (bool): value of the ``has_3d`` supervision flag (the 3D labels are filled either way, as the
            evaluation may use them).
        rotation_deg (float): in-plane rotation of the crop.
        image_size (int): original image size (square).
        known_scale (bool): ``ref_bone_length`` known (else 0).

    Returns:
        tuple: the ``PoseDataSample`` and a dict with ``joints_orig`` (21, 3) mm original camera,
        ``joints_crop`` (21, 3) mm crop camera, ``uv_orig`` / ``uv_crop`` (21, 2), ``ref`` (float, mm).
    """
    joints, ref = random_posed_hand_mm(rng)
    focal = rng.uniform(300, 600)
    principal = image_size / 2 + rng.uniform(-5, 5, 2)
    K = np.array([[focal, 0., principal[0]], [0., focal * rng.uniform(0.98, 1.02), principal[1]], [0., 0., 1.]])
    uv = project_points(joints, K)
    center = (uv.min(0) + uv.max(0)) / 2
    box = 1.3 * (uv.max(0) - uv.min(0)).max()
    scale = input_size[0] / box
    a = math.radians(rotation_deg)
    rot2 = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    H = np.eye(3)
    H[:2, :2] = scale * rot2
    H[:2, 2] = np.array(input_size, float) / 2 - scale * rot2 @ center
    rot_z = np.eye(3)
    rot_z[:2, :2] = rot2
    K_crop = H @ K @ rot_z.T
    joints_crop = joints @ rot_z.T
    uv_crop = uv @ H[:2, :2].T + H[:2, 2]
    ref_packed = ref if known_scale else 0.

    sample = PoseDataSample()
    sample.set_metainfo(dict(cam_K=K_crop.astype(np.float32), cam_K_orig=K.astype(np.float32),
                             warp_mat=H[:2].astype(np.float32), ref_bone_length=ref_packed, mirrored=False,
                             dataset_name='synthetic', img_path='synthetic.png', img_id=0,
                             input_size=np.array(input_size), ori_shape=(image_size, image_size)))
    f32 = lambda x: np.asarray(x, np.float32)  # noqa: E731
    gt = InstanceData()
    x0, y0 = uv.min(0)
    x1, y1 = uv.max(0)
    gt.bboxes = f32([[x0, y0, x1, y1]])
    gt.bbox_scores = f32([1.])
    gt.keypoints = f32(uv[None])
    gt.keypoints_visible = np.ones((1, NUM_JOINTS), np.float32)
    gt.keypoints_3d = f32(joints_crop[None])
    gt.has_3d = f32([float(has_3d)])
    gt.has_3d_eval = f32([1.])
    gt.ref_bone_length = f32([ref_packed])
    sample.gt_instances = gt
    labels = InstanceData()
    labels.keypoints_2d = torch.from_numpy(f32(uv_crop[None]))
    labels.keypoint_weights = torch.ones(1, NUM_JOINTS)
    labels.keypoints_3d = torch.from_numpy(f32(joints_crop[None]))
    labels.has_3d = torch.tensor([float(has_3d)])
    labels.ref_bone_length = torch.tensor([ref_packed], dtype=torch.float32)
    labels.cam_K = torch.from_numpy(f32(K_crop[None]))
    sample.gt_instance_labels = labels
    truth = dict(joints_orig=joints, joints_crop=joints_crop, uv_orig=uv, uv_crop=uv_crop, ref=ref)
    return sample, truth


def make_hand_batch(batch_size: int,
                    input_size: Tuple[int, int] = (128, 128),
                    has_3d: Optional[Sequence[bool]] = None,
                    rotation_deg: float = 0.,
                    known_scale: bool = True,
                    seed: int = 0) -> Tuple[torch.Tensor, List[PoseDataSample], List[Dict[str, np.ndarray]]]:
    """A batch of random images (not matching the hands; for shape / loss / decoding tests) and packed samples.

    Args:
        batch_size (int): number of samples.
        input_size (tuple[int, int]): crop ``(w, h)``.
        has_3d (Sequence[bool], optional): per-sample 3D supervision flags (default all True).
        rotation_deg (float): in-plane crop rotation of every sample.
        known_scale (bool): whether ``ref_bone_length`` is known.
        seed (int): random seed.

    Returns:
        tuple: ``inputs`` (B, 3, h, w) float32, list of ``PoseDataSample``, list of ground-truth dicts.
    """
    rng = np.random.RandomState(seed)
    has_3d = [True] * batch_size if has_3d is None else list(has_3d)
    if len(has_3d) != batch_size:
        raise ValueError(f'make_hand_batch: has_3d has {len(has_3d)} entries for batch_size={batch_size}')
    samples, truths = [], []
    for flag in has_3d:
        sample, truth = make_hand_sample(rng, input_size, bool(flag), rotation_deg, known_scale=known_scale)
        samples.append(sample)
        truths.append(truth)
    inputs = torch.from_numpy(rng.uniform(0, 255, (batch_size, 3, input_size[1], input_size[0])).astype(np.float32))
    return inputs, samples, truths


def ground_truth_25d(truths: Sequence[Dict[str, np.ndarray]]) -> Tuple[torch.Tensor, torch.Tensor]:
    """Ground-truth crop pixels ``(B, 21, 2)`` and ``z_r`` ``(B, 21)`` of a batch (float32)."""
    uv = torch.as_tensor(np.stack([t['uv_crop'] for t in truths]), dtype=torch.float32)
    depth = np.stack([t['joints_crop'][:, 2] for t in truths])
    ref = reference_bone_length(np.stack([t['joints_crop'] for t in truths]))
    z_r = torch.as_tensor((depth - depth[:, :1]) / ref[:, None], dtype=torch.float32)
    return uv, z_r
