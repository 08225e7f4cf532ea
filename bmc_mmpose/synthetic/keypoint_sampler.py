# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Synthetic hands as keypoints only (no rendering): 3D joints, cameras and exact or noisy 2D, for lifting.

A thin layer over the generator's public API (:func:`bmc_mmpose.synthetic.generate.sample_domain_poses`, or
:func:`bmc_mmpose.synthetic.hand_model.sample_hand_poses` for an explicit distribution): each domain can have tens
of thousands of hands in a second, since nothing is drawn; with the same seed they are the hands
``generate_synthetic`` renders. The 2D noise model is the one of ``tools/analysis_tools/analyze_bmc_depth_recovery.py``:
isotropic Gaussian pixel noise whose *mean Euclidean size* is ``noise_px``.
"""
import math
from typing import Dict, Optional

import numpy as np

from .generate import domain_distributions, sample_domain_poses
from ..geometry.camera_numpy import project_points, reference_bone_length
from .hand_model import PoseDistribution, sample_hand_poses

__all__ = ['sample_keypoint_hands', 'add_keypoint_noise', 'domain_poses']


def domain_poses(domain: str, gap: float = 1.0) -> PoseDistribution:
    """Pose / viewpoint distribution of the synthetic domain ``'a'`` or ``'b'`` (``gap`` as in ``domain_b``)."""
    if domain not in ('a', 'b'):
        raise ValueError(f"domain must be 'a' or 'b', got {domain!r}")
    return domain_distributions(domain, gap)[0]


def sample_keypoint_hands(seed: int, num: int, domain: str = 'a', gap: float = 1.0, image_size: int = 128,
                          poses: Optional[PoseDistribution] = None) -> Dict[str, np.ndarray]:
    """Sample ``num`` right hands of one domain with their cameras (deterministic in ``(seed, domain)``).

    Args:
        seed: random seed.
        num: number of hands.
        domain: ``'a'`` or ``'b'`` (with ``poses`` given, only the seeding).
        gap: domain B's gap in [0, 1].
        image_size: side of the (virtual) square image, pixels.
        poses: explicit distribution overriding the domain's.

    Returns:
        dict of float32 arrays: ``keypoints_3d`` (N, 21, 3) camera frame, mm, FreiHAND order; ``cam_K`` (N, 3, 3);
        ``keypoints_2d`` (N, 21, 2) exact projections, pixels; ``ref_bone_length`` (N,) mm; ``joint_angles``
        (N, 15, 2) radians (flexion, abduction) and ``family`` (N,) pose family, as sampled.
    """
    if domain not in ('a', 'b'):
        raise ValueError(f"domain must be 'a' or 'b', got {domain!r}")
    if poses is None:
        hands = sample_domain_poses(domain, int(num), seed=int(seed), gap=gap, size=int(image_size))
    else:
        rng = np.random.default_rng([int(seed), 0 if domain == 'a' else 1])
        hands = sample_hand_poses(rng, int(num), poses, int(image_size))
    joints, K = hands['joints'], hands['cam_K']
    return dict(keypoints_3d=joints.astype(np.float32), cam_K=K.astype(np.float32),
                keypoints_2d=project_points(joints, K).astype(np.float32),
                ref_bone_length=reference_bone_length(joints).astype(np.float32),
                joint_angles=np.asarray(hands['joint_angles'], np.float32), family=np.asarray(hands['family']))


def add_keypoint_noise(rng: np.random.Generator, keypoints_2d: np.ndarray, noise_px: float) -> np.ndarray:
    """Isotropic Gaussian noise with mean Euclidean size ``noise_px`` (per-axis std ``noise_px / sqrt(pi / 2)``).

    Args:
        rng: random generator.
        keypoints_2d: (..., 2) pixels.
        noise_px: mean 2D error, pixels (>= 0; 0 returns a copy).

    Returns:
        np.ndarray: noisy keypoints, same shape, float32.
    """
    if noise_px < 0:
        raise ValueError(f'noise_px must be >= 0, got {noise_px}')
    keypoints_2d = np.asarray(keypoints_2d, np.float32)
    if noise_px == 0:
        return keypoints_2d.copy()
    sigma = noise_px / math.sqrt(math.pi / 2.0)
    return (keypoints_2d + rng.normal(0.0, sigma, keypoints_2d.shape)).astype(np.float32)
