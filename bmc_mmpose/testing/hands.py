# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Random and special hands for tests and benchmarks, one builder per kind of hand.

- :func:`random_right_hand_mm`: a template hand, scaled, turned and placed so that it projects inside an image
  (the dataset fixtures' annotations);
- :func:`random_posed_hand_mm`: the kinematic template hand with random joint angles, orientation, size and
  position (the packed 2.5D batches);
- :func:`random_fk_hands`: batched forward-kinematics hands in scale-normalised units (BMC tests);
- :func:`random_joint_cloud`: 21 joints scattered around a depth, no hand shape (metric tests);
- :func:`degenerate_hands`: pathological hands (numerical robustness);
- :func:`load_rhd_real_hands`: the real RHD sample hands of ``shared/data/real_samples``.

All hands are right hands in FreiHAND order, OpenCV camera frame (``docs/architecture.md``).
"""
import json
from pathlib import Path
from typing import Dict, Optional, Tuple, Union

import numpy as np
import torch
from torch import Tensor

from ..geometry.camera_numpy import back_project, project_points, reference_bone_length
from ..geometry.kinematics import forward_kinematics, template_bone_lengths, template_hand, template_root_bones
from ..geometry.skeleton import NUM_JOINTS, RHD_TO_FREIHAND

#: A right hand in FreiHAND order, mm, wrist at the origin, palm facing the camera (-z), fingers up (-y).
#: Rough adult proportions; only used to make plausible synthetic annotations.
TEMPLATE_RIGHT_HAND_MM = np.array([
    [0, 0, 0],
    [-22, -14, -6], [-38, -32, -10], [-50, -50, -12], [-60, -66, -14],       # thumb
    [-20, -82, 0], [-22, -122, 0], [-23, -145, 0], [-24, -165, 0],             # index
    [0, -86, 0], [0, -129, 0], [0, -155, 0], [0, -177, 0],                     # middle
    [18, -82, 0], [20, -121, 0], [21, -146, 0], [22, -166, 0],                 # ring
    [34, -74, 0], [38, -104, 0], [40, -121, 0], [42, -138, 0],                 # little
], np.float64)


def random_rotation(rng: np.random.RandomState, max_angle_deg: float) -> np.ndarray:
    """(3, 3) rotation about a random axis by an angle uniform in +-``max_angle_deg`` (Rodrigues' formula)."""
    axis = rng.randn(3)
    axis /= np.linalg.norm(axis)
    angle = np.deg2rad(rng.uniform(-max_angle_deg, max_angle_deg))
    skew = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(angle) * skew + (1 - np.cos(angle)) * skew @ skew


def random_rotation_uniform(rng: np.random.RandomState) -> np.ndarray:
    """(3, 3) rotation uniform over all orientations (from a normalised Gaussian quaternion)."""
    q = rng.randn(4)
    w, x, y, z = q / np.linalg.norm(q)
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                     [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                     [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


def make_intrinsics(focal: Union[float, Tuple[float, float]], image_size: Tuple[int, int]) -> np.ndarray:
    """(3, 3) K with focal (fx, fy) (or fx = fy) in pixels and the principal point at the image centre (w/2, h/2)."""
    fx, fy = (focal, focal) if np.isscalar(focal) else focal
    return np.array([[fx, 0., image_size[0] / 2.], [0., fy, image_size[1] / 2.], [0., 0., 1.]])


def random_right_hand_mm(rng: np.random.RandomState, cam_K: np.ndarray, image_size: Tuple[int, int],
                         depth_range: Tuple[float, float] = (400., 700.), max_rotation_deg: float = 60.,
                         margin: float = 10.) -> np.ndarray:
    """A plausible right hand (21, 3) mm, FreiHAND order, OpenCV frame, whose projection lies inside the image.

    The template hand scaled by 0.85-1.15, turned by :func:`random_rotation`, its centroid put on the ray of a
    pixel near the image centre at a depth in ``depth_range``; redrawn until it is in front of the camera and its
    projection keeps ``margin`` pixels from the image border.

    Args:
        rng: random state.
        cam_K: (3, 3) intrinsics.
        image_size: (w, h) pixels.
        depth_range: centroid depth range, mm.
        max_rotation_deg: max rotation of the template.
        margin: keep the projection this many pixels inside the image.

    Returns:
        np.ndarray: (21, 3) float64, mm.
    """
    w, h = image_size
    for _ in range(1000):
        scale = rng.uniform(0.85, 1.15)
        joints = (TEMPLATE_RIGHT_HAND_MM * scale) @ random_rotation(rng, max_rotation_deg).T
        joints -= joints.mean(0)
        depth = rng.uniform(*depth_range)
        centre_uv = np.array([[rng.uniform(0.35, 0.65) * w, rng.uniform(0.35, 0.65) * h]])
        joints += back_project(centre_uv, np.array([depth]), cam_K)[0]
        uv = project_points(joints, cam_K)
        if np.all(joints[:, 2] > 50) and uv.min() > margin and np.all(uv.max(0) < np.array([w, h]) - margin):
            return joints
    raise RuntimeError('could not place a synthetic hand inside the image; use a smaller depth or a larger image')


def random_posed_hand_mm(rng: np.random.RandomState) -> Tuple[np.ndarray, float]:
    """The kinematic template hand with random joint angles (flexion -0.2-0.8 rad, abduction 0.3 times that
    range), a uniform orientation, a reference bone of 30-40 mm and its centroid at x, y within +-60 mm and a
    depth of 350-700 mm.

    Returns:
        tuple: joints (21, 3) float64 mm camera frame, the reference bone length (mm).
    """
    angles = torch.as_tensor(rng.uniform(-0.2, 0.8, (15, 2)) * np.array([1., 0.3]), dtype=torch.float64)
    hand = template_hand(angles, dtype=torch.float64).numpy()  # (21, 3), reference bone = 1
    ref = float(rng.uniform(30., 40.))
    joints = hand @ random_rotation_uniform(rng).T * ref
    joints += np.array([rng.uniform(-60, 60), rng.uniform(-60, 60), rng.uniform(350, 700)]) - joints.mean(0)
    return joints, ref


def random_joint_cloud(rng: np.random.Generator, depth: float = 600.0, scale: float = 35.0, batch: Tuple[int, ...] = (),
                       num_joints: int = NUM_JOINTS, dtype: type = np.float32) -> np.ndarray:
    """``(*batch, num_joints, 3)`` joints (mm) scattered with a ``scale`` mm standard deviation around
    (0, 0, ``depth``) mm; no hand shape (for metrics and alignments, which only compare joint positions)."""
    size = tuple(batch) + (num_joints, 3)
    return (rng.normal(scale=scale, size=size) + np.array([0.0, 0.0, depth])).astype(dtype)


def sample_dependent_angles(num: int, generator: torch.Generator, dtype: torch.dtype = torch.float64) -> Tensor:
    """Random (flexion, abduction) pairs ``(num, 15, 2)`` from a dependent range of motion (radians).

    Flexion is uniform in [-0.3, 1.6]; abduction is uniform in +-0.5 rad at zero flexion, shrinking linearly
    to +-0.1 rad at full flexion (a trapezoid, so a box would over-accept its corners).
    """
    flexion = torch.rand(num, 15, generator=generator, dtype=dtype) * 1.9 - 0.3
    half_width = 0.5 - 0.4 * (flexion + 0.3) / 1.9
    abduction = (torch.rand(num, 15, generator=generator, dtype=dtype) * 2.0 - 1.0) * half_width
    return torch.stack([flexion, abduction], dim=-1)


def random_fk_hands(num: int, generator: torch.Generator, dtype: torch.dtype = torch.float64,
                    shape_noise: float = 0.05) -> Dict[str, Tensor]:
    """Plausible random right hands built by forward kinematics around the template hand.

    Returns:
        dict with ``joints (num, 21, 3)`` (scale-normalised up to the length noise), ``angles (num, 15, 2)``,
        ``bone_lengths (num, 20)``, ``roots (num, 5, 3)``.
    """
    lengths = template_bone_lengths(dtype) * (1.0 + shape_noise * torch.randn(num, 20, generator=generator,
                                                                              dtype=dtype))
    roots = template_root_bones(dtype) + shape_noise * torch.randn(num, 5, 3, generator=generator, dtype=dtype)
    angles = sample_dependent_angles(num, generator, dtype)
    return {'joints': forward_kinematics(lengths, roots, angles), 'angles': angles, 'bone_lengths': lengths,
            'roots': roots}


def degenerate_hands(dtype: torch.dtype = torch.float64) -> Tensor:
    """A batch of pathological hands ``(8, 21, 3)``: zeros, coincident joints, zero-length bones, collinear
    root bones, flat line, huge and tiny values, a single repeated point."""
    base = forward_kinematics(template_bone_lengths(dtype), template_root_bones(dtype),
                              torch.zeros(15, 2, dtype=dtype))
    zeros = torch.zeros(21, 3, dtype=dtype)
    coincident = base.clone()
    coincident[[5, 9, 13, 17]] = coincident[9].clone()
    zero_bones = base.clone()
    zero_bones[[10, 11, 12]] = zero_bones[9].clone()
    collinear = base.clone()
    collinear[[1, 5, 9, 13, 17]] = torch.tensor([0.0, 2.0, 0.0], dtype=dtype) * torch.arange(
        1, 6, dtype=dtype)[:, None]
    line = torch.arange(21, dtype=dtype)[:, None] * torch.tensor([1.0, 0.0, 0.0], dtype=dtype)
    huge = base * 1e12
    tiny = base * 1e-12
    point = torch.ones(21, 3, dtype=dtype) * 3.0
    return torch.stack([zeros, coincident, zero_bones, collinear, line, huge, tiny, point])


def real_samples_dir(start: Optional[Path] = None) -> Path:
    """``<repo>/../shared/data/real_samples``: the real sample images and labels beside the repository (CI has
    them, a user's clone may not). The repository is found by walking up from ``start`` (default: this package)
    to the folder holding ``setup.py`` and ``bmc_mmpose/``."""
    start = Path(__file__).resolve() if start is None else Path(start)
    for parent in [start, *start.parents]:
        if (parent / 'setup.py').is_file() and (parent / 'bmc_mmpose').is_dir():
            return parent / '..' / 'shared' / 'data' / 'real_samples'
    return start / 'shared' / 'data' / 'real_samples'


def load_rhd_real_hands(rhd_json: Path) -> Optional[np.ndarray]:
    """Real RHD test hands from MMPose's ``test_rhd.json`` as right hands in FreiHAND order, scale-normalised.

    RHD order -> FreiHAND order with ``RHD_TO_FREIHAND``, left hands mirrored (x -> -x), divided by the
    9 -> 10 bone. Returns ``(N, 21, 3)`` float64 or None if the file is missing.
    """
    if not Path(rhd_json).is_file():
        return None
    with open(rhd_json, 'r', encoding='utf-8') as handle:
        data = json.load(handle)
    hands = []
    for annotation in data['annotations']:
        joints = np.asarray(annotation['joint_cam'], dtype=np.float64)[list(RHD_TO_FREIHAND)]
        if annotation['hand_type'] == 'left':
            joints[:, 0] *= -1.0
        joints = joints / reference_bone_length(joints)
        hands.append(joints)
    return np.stack(hands)
