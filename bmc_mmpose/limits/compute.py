# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Data-driven BMC limits (Spurr et al. 2020, Sec. 3.1 and supplementary Sec. 1 "Approximation of Convex Hull").

From 3D hands: min/max of bone lengths, root curvatures, root angles and joint angles, and per joint a hull of
the (flexion, abduction) points with exactly K vertices (built by :mod:`bmc_mmpose.limits.hull_construction`).
Offline numpy code (not a training hot path).
"""
from typing import Dict, Tuple

import numpy as np
import torch

from ..geometry.angles import joint_angles_and_frames
from ..geometry.frames import to_local
from ..geometry.bones import bone_lengths, bone_vectors, safe_normalize
from ..geometry.palm import palm_curvature, root_bone_angles
from ..geometry.skeleton import ANGLE_BONES, REF_BONE, ROOT_BONES
from .bmc_limits import BMCLimits
from .hull_construction import approximate_hull

#: Degeneracy thresholds in scale-normalised units (bone 9 -> 10 has length 1).
MIN_BONE_LENGTH: float = 1e-3
MIN_ROOT_NORMAL: float = 1e-3   # |unit(b_i+1) x unit(b_i)|: sine of the angle between neighbouring root bones
MIN_AXIS_COMPONENT: float = 1e-6


def measure_hands(joints: np.ndarray, batch_size: int = 4096) -> Dict[str, np.ndarray]:
    """All BMC quantities of many hands and which hands are degenerate.

    Args:
        joints: ``(N, 21, 3)`` right hands, FreiHAND order, any length unit (each hand is normalised by its own
            9 -> 10 bone).

    Returns:
        dict with ``bone_length (N, 20)``, ``root_curvature (N, 4)``, ``root_angle (N, 4)``, ``angles (N, 15, 2)``
        (scale-normalised / radians), ``valid (N,)`` bool and ``reasons`` (dict of (N,) bool masks:
        ``non_finite``, ``zero_reference_bone``, ``short_bone``, ``collinear_root_bones``, ``undefined_angle``).
    """
    joints = np.asarray(joints, dtype=np.float64)
    if joints.ndim != 3 or joints.shape[1:] != (21, 3):
        raise ValueError(f'measure_hands: expected joints of shape (N, 21, 3), got {joints.shape}')
    outputs = {key: [] for key in ('bone_length', 'root_curvature', 'root_angle', 'angles', 'non_finite',
                                   'zero_reference_bone', 'short_bone', 'collinear_root_bones', 'undefined_angle')}
    root_index = torch.as_tensor(ROOT_BONES)
    angle_index = torch.as_tensor(ANGLE_BONES)
    for start in range(0, len(joints), batch_size):
        chunk = torch.from_numpy(joints[start:start + batch_size])
        non_finite = ~torch.isfinite(chunk).all(dim=(1, 2))
        chunk = torch.where(non_finite[:, None, None], torch.zeros_like(chunk), chunk)
        reference = torch.linalg.vector_norm(bone_vectors(chunk)[:, REF_BONE], dim=-1)
        scale_ok = reference > 1e-12 * chunk.abs().amax(dim=(1, 2)).clamp_min(1.0)
        chunk = chunk / torch.where(scale_ok, reference, torch.ones_like(reference))[:, None, None]
        bones = bone_vectors(chunk)
        lengths = bone_lengths(chunk)
        roots = bones[:, root_index]
        normals_raw = torch.cross(safe_normalize(roots[:, 1:]), safe_normalize(roots[:, :-1]), dim=-1)
        angles, frames = joint_angles_and_frames(chunk)
        local = to_local(frames, safe_normalize(bones[:, angle_index]))
        outputs['bone_length'].append(lengths)
        outputs['root_curvature'].append(palm_curvature(roots))
        outputs['root_angle'].append(root_bone_angles(roots))
        outputs['angles'].append(angles)
        outputs['non_finite'].append(non_finite)
        outputs['zero_reference_bone'].append(~scale_ok & ~non_finite)
        outputs['short_bone'].append((lengths < MIN_BONE_LENGTH).any(dim=-1))
        outputs['collinear_root_bones'].append((torch.linalg.vector_norm(normals_raw, dim=-1)
                                                < MIN_ROOT_NORMAL).any(dim=-1))
        # Flexion is undefined when a bone points along its frame's y-axis (|d_x| + |d_z| ~ 0).
        outputs['undefined_angle'].append(((local[..., 0].abs() + local[..., 2].abs()) < MIN_AXIS_COMPONENT)
                                          .any(dim=-1) | ~torch.isfinite(angles).all(dim=(1, 2)))
    result = {key: torch.cat(values).numpy() for key, values in outputs.items()}
    reason_keys = ('non_finite', 'zero_reference_bone', 'short_bone', 'collinear_root_bones', 'undefined_angle')
    reasons = {key: result.pop(key) for key in reason_keys}
    # A later reason only counts when no earlier one applies (one reason per skipped hand).
    taken = np.zeros(len(joints), dtype=bool)
    for key in reason_keys:
        reasons[key] = reasons[key] & ~taken
        taken |= reasons[key]
    result['valid'] = ~taken
    result['reasons'] = reasons
    return result


# --- Hull approximation ---------------------------------------------------------------------------------------


def compute_bmc_limits(joints: np.ndarray, num_hull_points: int = 10, rdp_epsilon: float = 1e-3,
                       source: str = 'data', version: str = '1', batch_size: int = 4096,
                       interval_tolerance: float = 1e-4, enclose_hulls: bool = True) -> BMCLimits:
    """All BMC limits from 3D hands (min/max of every quantity; hulls as in supplementary Sec. 1).

    Args:
        joints: ``(N, 21, 3)`` right hands in FreiHAND order, any length unit (each hand is normalised by its
            9 -> 10 bone). Convert other joint orders and mirror left hands first.
        num_hull_points: K, vertices per hull.
        rdp_epsilon: Ramer-Douglas-Peucker tolerance, radians.
        source, version: stored in the result.
        enclose_hulls: grow each K-vertex hull until it contains every used hand (:func:`approximate_hull`).
        interval_tolerance: every min/max interval is widened by this much on both sides (scale-normalised
            units, 1 / unit for curvature, radians). Without it the reference bone, which is exactly 1 in
            normalised units by construction, gets the zero-width interval [1, 1], and float rounding of a hand
            normalised by its own (or its predicted) reference bone counts as a violation (68 % of fresh
            generated hands in our measurement).

    Returns:
        BMCLimits; ``meta`` holds ``num_samples``, ``num_used``, ``num_skipped`` and ``skipped`` (count per
        reason: non-finite values, zero reference bone, bone shorter than 1e-3, collinear neighbouring root
        bones, undefined joint angle).

    Raises:
        ValueError: fewer than 3 non-degenerate hands.
    """
    measured = measure_hands(joints, batch_size)
    valid = measured['valid']
    if valid.sum() < 3:
        raise ValueError(f'compute_bmc_limits: need at least 3 non-degenerate hands, got {int(valid.sum())} of '
                         f'{len(valid)} (skipped: {_count_reasons(measured["reasons"])})')
    lengths, curvature = measured['bone_length'][valid], measured['root_curvature'][valid]
    root_angle, angles = measured['root_angle'][valid], measured['angles'][valid]
    hulls = np.stack([approximate_hull(angles[:, j], num_hull_points, rdp_epsilon, enclose=enclose_hulls)
                      for j in range(15)])
    boxes = np.stack([angles.min(axis=0), angles.max(axis=0)], axis=1)
    meta = {
        'num_samples': int(len(valid)), 'num_used': int(valid.sum()), 'num_skipped': int((~valid).sum()),
        'skipped': _count_reasons(measured['reasons']), 'num_hull_points': int(num_hull_points),
        'rdp_epsilon': float(rdp_epsilon), 'enclose_hulls': bool(enclose_hulls),
        'hull_coverage': [float(x) for x in _hull_coverage(angles, hulls)],
    }
    tol = float(interval_tolerance)
    meta['interval_tolerance'] = tol
    return BMCLimits(
        bone_length_min=lengths.min(axis=0) - tol, bone_length_max=lengths.max(axis=0) + tol,
        root_curvature_min=curvature.min(axis=0) - tol, root_curvature_max=curvature.max(axis=0) + tol,
        root_angle_min=root_angle.min(axis=0) - tol, root_angle_max=root_angle.max(axis=0) + tol,
        hulls=hulls, boxes=boxes, source=source, version=version, meta=meta)


def _count_reasons(reasons: Dict[str, np.ndarray]) -> Dict[str, int]:
    return {key: int(mask.sum()) for key, mask in reasons.items()}


def _hull_coverage(angles: np.ndarray, hulls: np.ndarray) -> np.ndarray:
    """Fraction of the angle points ``(N, 15, 2)`` inside each hull ``(15, K, 2)``."""
    from ..geometry.hulls import points_in_hulls
    inside = points_in_hulls(torch.from_numpy(angles), torch.from_numpy(hulls)).numpy()
    return inside.mean(axis=0)


def hull_coverage(limits: BMCLimits, joints: np.ndarray) -> Tuple[np.ndarray, int]:
    """Fraction of non-degenerate ``joints (N, 21, 3)`` whose angles lie in each hull, and the number used."""
    measured = measure_hands(joints)
    angles = measured['angles'][measured['valid']]
    return _hull_coverage(angles, limits.hulls), int(measured['valid'].sum())
