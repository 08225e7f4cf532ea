# Copyright (c) bmc_mmpose authors. All rights reserved.
"""A parametric right hand in FreiHAND joint order, placed in front of a pinhole camera.

Everything is vectorised over a batch of ``N`` hands (numpy, float64). The model works in a **hand frame**
(x radial, i.e. towards the thumb; y distal, along the middle metacarpal; z palmar, out of the palm). For a right
hand this frame is right-handed (x cross y = z). Lengths are first built in units of the reference bone (middle
MCP -> PIP, joints 9 -> 10) and then scaled to millimetres with a per-subject reference length.

Pipeline (see :func:`sample_hands`)::

    sample_hand_shapes   per-subject bone lengths (ratios to the reference bone), palm layout, radii
    sample_angles        the 15 (flexion, abduction) pairs of the paper's Eq. 5 inside anatomical ranges, DIP ~ 2/3
                         PIP, abduction shrinking with flexion
    forward_kinematics   joints (N, 21, 3) mm in the hand frame, built by bmc_mmpose.geometry.forward_kinematics
                         (Eq. 6 frames), so hand_joint_angles(joints) equals the sampled angles
    sample_cameras       per-sample K (N, 3, 3)
    sample_rotations     global rotation (palm towards the camera, tilted by up to ``tilt_max``, rolled)
    place_hands          translation so the projected hand box (joints dilated by capsule radii) lies inside

The distributions are controlled by a :class:`PoseDistribution` so that two domains can differ in articulation and
viewpoint (see ``generate.py``).
"""
from dataclasses import dataclass
from typing import Dict, Tuple

import numpy as np

from bmc_mmpose.geometry.camera_numpy import project_points
from bmc_mmpose.geometry.skeleton import FINGERS, NUM_JOINTS

# --- Anatomy in units of the reference bone (middle MCP -> PIP) -------------------------------------------
#: Mean reference bone length in mm and the per-subject relative spread (clipped to +-10 %).
REF_BONE_MEAN_MM: float = 35.0
REF_BONE_REL_STD: float = 0.05
REF_BONE_REL_CLIP: float = 0.10
#: Finger-bone lengths (MCP->PIP, PIP->DIP, DIP->tip) relative to the reference bone; thumb is
#: (CMC->MCP, MCP->IP, IP->tip). Anatomical phalanx ratios (proximal : middle : distal incl. pad).
FINGER_BONE_RATIOS: np.ndarray = np.array([
    [1.05, 0.72, 0.66],  # thumb (metacarpal, proximal, distal)
    [0.90, 0.55, 0.50],  # index
    [1.00, 0.62, 0.53],  # middle
    [0.94, 0.60, 0.52],  # ring
    [0.74, 0.45, 0.46],  # little
])
#: Base joint of each finger (thumb CMC, index..little MCP) in the hand frame, reference-bone units.
FINGER_BASE_POSITIONS: np.ndarray = np.array([
    [0.52, 0.48, 0.22],   # thumb CMC
    [0.62, 1.80, 0.04],   # index MCP
    [0.12, 1.86, 0.00],   # middle MCP
    [-0.34, 1.76, 0.04],  # ring MCP
    [-0.76, 1.58, 0.12],  # little MCP
])
#: Extra palmar offset of each base joint per unit of palm cupping (transverse arch).
CUPPING_OFFSETS: np.ndarray = np.array([0.10, 0.05, 0.0, 0.16, 0.36])
#: Capsule radius at the base and at the tip of each finger, reference-bone units.
FINGER_RADII: np.ndarray = np.array([
    [0.30, 0.21],
    [0.25, 0.17],
    [0.26, 0.18],
    [0.245, 0.17],
    [0.21, 0.15],
])
#: Relative per-subject variation of every individual bone ratio.
BONE_RATIO_REL_STD: float = 0.035
BONE_RATIO_REL_CLIP: float = 0.08

# --- Joint ranges (degrees). Fingers: index..little. ------------------------------------------------------
MCP_FLEX_RANGE: Tuple[float, float] = (-25.0, 90.0)
PIP_FLEX_RANGE: Tuple[float, float] = (-5.0, 110.0)
DIP_FLEX_RANGE: Tuple[float, float] = (-8.0, 85.0)
#: DIP flexion follows PIP flexion with this ratio (tendon coupling), plus noise.
DIP_PIP_COUPLING: float = 2.0 / 3.0
#: Rest abduction (towards the thumb positive) and half-range of MCP abduction for index..little.
MCP_ABD_REST: np.ndarray = np.array([5.0, 0.0, -4.0, -9.0])
MCP_ABD_HALF_RANGE: np.ndarray = np.array([18.0, 12.0, 12.0, 20.0])
#: Fraction by which the abduction range shrinks at full MCP flexion (collateral ligaments tighten).
ABD_FLEX_SHRINK: float = 0.75
THUMB_CMC_FLEX_RANGE: Tuple[float, float] = (-20.0, 50.0)
THUMB_CMC_ABD_RANGE: Tuple[float, float] = (-20.0, 35.0)
THUMB_MCP_FLEX_RANGE: Tuple[float, float] = (-10.0, 60.0)
THUMB_IP_FLEX_RANGE: Tuple[float, float] = (-20.0, 80.0)


@dataclass(frozen=True)
class PoseDistribution:
    """Distribution of articulation and viewpoint of one domain (every field a float or a tuple of floats, so
    that two distributions can be interpolated field by field, see ``generate.domain_b``).

    Attributes:
        curl_max: upper bound of the per-finger curl in [0, 1] (1 = full fist).
        spread_std: std (radians) of the common finger fan (MCP abduction), clipped to the anatomical range.
        hyperextension: fraction in [0, 1] of the MCP/PIP hyperextension range that may be used.
        thumb_opposition_max: upper bound of the thumb curl / opposition in [0, 1].
        tilt_max: maximum out-of-plane rotation (radians) away from "palm towards the camera"; above pi/2 the
            back of the hand can face the camera.
        inplane_max: maximum rotation about the optical axis (radians).
        focal_over_width: (min, max) focal length in units of the image width.
        hand_fraction: (min, max) projected hand box size in units of the image width.
        family_probs: probabilities of the pose families ``POSE_FAMILIES`` (open, relaxed, fist, gesture,
            uniform, pinch, grasp).
    """
    curl_max: float = 0.5
    spread_std: float = 0.06
    hyperextension: float = 0.0
    thumb_opposition_max: float = 0.5
    tilt_max: float = float(np.deg2rad(50.0))
    inplane_max: float = float(np.pi)
    focal_over_width: Tuple[float, float] = (1.0, 1.6)
    hand_fraction: Tuple[float, float] = (0.45, 0.75)
    family_probs: Tuple[float, ...] = (0.2, 0.2, 0.2, 0.2, 0.1, 0.1, 0.0)


POSE_FAMILIES: Tuple[str, ...] = ('open', 'relaxed', 'fist', 'gesture', 'uniform', 'pinch', 'grasp')


# --- Small batched rotation helpers ---------------------------------------------------------------------
def rot_z(angle: np.ndarray) -> np.ndarray:
    """Rotations about z, (N,) radians -> (N, 3, 3); maps x towards y for positive angles."""
    c, s = np.cos(angle), np.sin(angle)
    o, z = np.ones_like(angle), np.zeros_like(angle)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1), np.stack([z, z, o], -1)], -2)


# --- Shapes ---------------------------------------------------------------------------------------------
def sample_hand_shapes(rng: np.random.Generator, n: int, ref_bone_mean_mm: float = REF_BONE_MEAN_MM
                       ) -> Dict[str, np.ndarray]:
    """Per-subject hand shapes.

    Args:
        rng: random generator.
        n: number of hands.
        ref_bone_mean_mm: mean length of the reference bone (middle MCP -> PIP) in mm.

    Returns:
        dict with ``ref_mm`` (N,), ``bone_ratios`` (N, 5, 3), ``base_positions`` (N, 5, 3) and ``radii`` (N, 5, 2)
        (the last two in reference-bone units, before cupping), ``palm_width`` (N,), ``thickness`` (N,).
    """
    rel = np.clip(rng.normal(0.0, REF_BONE_REL_STD, n), -REF_BONE_REL_CLIP, REF_BONE_REL_CLIP)
    ref_mm = ref_bone_mean_mm * (1.0 + rel)
    jitter = np.clip(rng.normal(0.0, BONE_RATIO_REL_STD, (n, 5, 3)), -BONE_RATIO_REL_CLIP, BONE_RATIO_REL_CLIP)
    bone_ratios = FINGER_BONE_RATIOS[None] * (1.0 + jitter)
    bone_ratios[:, 2, 0] = 1.0  # the reference bone defines the unit
    palm_width = rng.uniform(0.92, 1.08, n)
    palm_length = rng.uniform(0.94, 1.06, n)
    base = FINGER_BASE_POSITIONS[None].repeat(n, 0).copy()
    base[:, :, 0] *= palm_width[:, None]
    base[:, :, 1] *= palm_length[:, None]
    base += np.clip(rng.normal(0.0, 0.03, (n, 5, 3)), -0.06, 0.06)
    radii = FINGER_RADII[None] * rng.uniform(0.9, 1.1, (n, 1, 1))
    thickness = rng.uniform(0.55, 0.7, n)
    return dict(ref_mm=ref_mm, bone_ratios=bone_ratios, base_positions=base, radii=radii, palm_width=palm_width,
                thickness=thickness)


# --- Articulation ---------------------------------------------------------------------------------------
def _sample_curls(rng: np.random.Generator, n: int, dist: PoseDistribution) -> Tuple[np.ndarray, np.ndarray]:
    """Per-finger curl in [0, 1] (N, 5; column 0 thumb) from a mixture of pose families, and the family index."""
    probs = np.asarray(dist.family_probs, dtype=np.float64)
    if probs.shape != (len(POSE_FAMILIES), ):
        raise ValueError(f'PoseDistribution.family_probs must have {len(POSE_FAMILIES)} entries '
                         f'{POSE_FAMILIES}, got {dist.family_probs}')
    family = rng.choice(len(POSE_FAMILIES), size=n, p=probs / probs.sum())
    # open: all extended
    curls_open = rng.uniform(0.0, 0.18, (n, 5))
    # relaxed: one shared level with small per-finger deviations, ulnar fingers slightly more curled
    level = rng.uniform(0.05, 0.45, (n, 1))
    curls_relaxed = level + rng.normal(0.0, 0.07, (n, 5)) + np.array([0.0, -0.03, 0.0, 0.04, 0.08])
    # fist: all strongly curled
    curls_fist = rng.uniform(0.72, 1.0, (n, 1)) + rng.normal(0.0, 0.06, (n, 5))
    # gesture: every finger independently extended or curled (pointing, peace, ...); neighbours correlated
    ext = rng.uniform(size=(n, 5)) < 0.45
    ext[:, 3] = np.where(rng.uniform(size=n) < 0.7, ext[:, 4], ext[:, 3])  # ring follows little
    curls_gesture = np.where(ext, rng.uniform(0.0, 0.2, (n, 5)), rng.uniform(0.65, 1.0, (n, 5)))
    # uniform: independent curls
    curls_uniform = rng.uniform(0.0, 1.0, (n, 5))
    # pinch: thumb and index meet, others anything
    curls_pinch = np.concatenate([rng.uniform(0.45, 0.75, (n, 1)), rng.uniform(0.45, 0.7, (n, 1)),
                                  rng.uniform(0.0, 1.0, (n, 1)) * np.ones((1, 3))
                                  + rng.normal(0.0, 0.08, (n, 3))], 1)
    # grasp: fingers wrapped half-way round an object (cylinder, ball), thumb opposed to them
    curls_grasp = np.concatenate([rng.uniform(0.7, 1.0, (n, 1)),
                                  rng.uniform(0.45, 0.8, (n, 1)) + rng.normal(0.0, 0.05, (n, 4))], 1)
    options = np.stack([curls_open, curls_relaxed, curls_fist, curls_gesture, curls_uniform, curls_pinch,
                        curls_grasp], 0)
    curls = options[family, np.arange(n)]
    curls = np.clip(curls, 0.0, 1.0)
    curls[:, 1:] *= dist.curl_max
    curls[:, 0] *= dist.thumb_opposition_max
    return curls, family


def sample_angles(rng: np.random.Generator, n: int, dist: PoseDistribution) -> Dict[str, np.ndarray]:
    """Joint angles (radians) inside anatomical ranges, in the convention of the paper's Eqs. 4-6.

    Returns:
        dict with ``joint_angles`` (N, 15, 2) (flexion, abduction) radians in ``ANGLE_BONES`` order (what
        :func:`bmc_mmpose.geometry.hand_joint_angles` measures on the posed hand), ``cupping`` (N,) palm arch in
        [0, 1] and ``family`` (N,) the pose-family index (``POSE_FAMILIES``).
    """
    curls, family = _sample_curls(rng, n, dist)
    fc = curls[:, 1:]
    # hyperextension: the negative part of the ranges is opened by this fraction
    mcp_lo = MCP_FLEX_RANGE[0] * dist.hyperextension
    pip_lo = PIP_FLEX_RANGE[0] * dist.hyperextension
    mcp_c = np.clip(fc + rng.normal(0.0, 0.1, (n, 4)), 0.0, 1.0)
    mcp = np.clip(-5.0 + MCP_FLEX_RANGE[1] * mcp_c + rng.normal(0.0, 4.0, (n, 4))
                  + (mcp_lo - 5.0) * rng.uniform(0.0, 1.0, (n, 1)) * (mcp_c < 0.2), mcp_lo, MCP_FLEX_RANGE[1])
    pip = np.clip(PIP_FLEX_RANGE[1] * np.clip(fc + rng.normal(0.0, 0.1, (n, 4)), 0.0, 1.0)
                  + rng.normal(0.0, 4.0, (n, 4)), pip_lo, PIP_FLEX_RANGE[1])
    dip = np.clip(DIP_PIP_COUPLING * pip + rng.normal(0.0, 5.0, (n, 4)), *DIP_FLEX_RANGE)
    shrink = 1.0 - ABD_FLEX_SHRINK * np.clip(mcp, 0.0, None) / MCP_FLEX_RANGE[1]
    # fingers fan together (one common spread) with a little individual play, inside the anatomical range
    spread = np.rad2deg(rng.normal(0.0, dist.spread_std, (n, 1))) * np.array([1.0, 0.3, -0.5, -1.2])
    spread = spread + rng.uniform(-1.0, 1.0, (n, 4)) * 0.2 * MCP_ABD_HALF_RANGE
    mcp_abd = (MCP_ABD_REST + np.clip(spread, -MCP_ABD_HALF_RANGE, MCP_ABD_HALF_RANGE)) * shrink
    small_abd = np.clip(rng.normal(0.0, 2.0, (n, 4, 2)), -5.0, 5.0)

    t = curls[:, 0]
    cmc_flex = np.clip(THUMB_CMC_FLEX_RANGE[0] + (THUMB_CMC_FLEX_RANGE[1] - THUMB_CMC_FLEX_RANGE[0]) * t
                       + rng.normal(0.0, 6.0, n), *THUMB_CMC_FLEX_RANGE)
    cmc_abd = rng.uniform(*THUMB_CMC_ABD_RANGE, n) * (1.0 - 0.5 * t)
    t_mcp = np.clip(THUMB_MCP_FLEX_RANGE[1] * t + rng.normal(0.0, 8.0, n), *THUMB_MCP_FLEX_RANGE)
    t_ip = np.clip(0.9 * t_mcp + rng.normal(0.0, 10.0, n), *THUMB_IP_FLEX_RANGE)
    t_abd = np.clip(rng.normal(0.0, 3.0, (n, 2)), -8.0, 8.0)

    # (N, 5 fingers, 3 layers): layer 0 is the first bone after the root bone (thumb metacarpal, finger
    # proximal phalanx), whose angles are measured in the palm's first-layer frames (Eq. 4).
    flex = np.concatenate([np.stack([cmc_flex + THUMB_REST_ANGLES[0], t_mcp, t_ip], -1)[:, None],
                           np.stack([mcp, pip, dip], -1)], 1)
    abd = np.concatenate([np.concatenate([(cmc_abd + THUMB_REST_ANGLES[1])[:, None], t_abd], -1)[:, None],
                          np.concatenate([mcp_abd[..., None], small_abd], -1)], 1)
    # ANGLE_BONES order: layer by layer, thumb..little in each layer
    joint_angles = np.stack([flex, abd], -1).transpose(0, 2, 1, 3).reshape(n, 15, 2)
    cupping = np.clip(rng.uniform(0.0, 0.5, n) + 0.5 * curls[:, 1:].mean(1), 0.0, 1.0)
    return dict(joint_angles=np.deg2rad(joint_angles), cupping=cupping, family=family)


# --- Forward kinematics ----------------------------------------------------------------------------------
#: Rest (flexion, abduction) of the thumb metacarpal in degrees, in the thumb's first-layer frame (Eq. 4: z along
#: the wrist -> thumb-base bone, x towards the palm side of the thumb-index plane): the metacarpal points along
#: the hand frame's (0.62, 0.70, 0.36), which in that frame of the mean palm is (+6, -3) deg flat and (+0.4, -6)
#: deg fully cupped. Sampled CMC flexion and abduction are added to it.
THUMB_REST_ANGLES: Tuple[float, float] = (4.0, -4.5)


def forward_kinematics(shapes: Dict[str, np.ndarray], angles: Dict[str, np.ndarray]
                       ) -> Tuple[np.ndarray, np.ndarray]:
    """Joints in the hand frame, built by :func:`bmc_mmpose.geometry.forward_kinematics` (paper Eq. 6 frames).

    The palm (root bones wrist -> finger bases, arched by ``cupping``) fixes the first-layer frames; every
    finger bone is then placed by its (flexion, abduction), so ``hand_joint_angles`` of the result equals
    ``angles['joint_angles']`` (up to float64 round-off).

    Args:
        shapes: output of :func:`sample_hand_shapes`.
        angles: output of :func:`sample_angles`.

    Returns:
        joints (N, 21, 3) mm in the hand frame (wrist at the origin, x radial, y distal, z palmar) and capsule
        radii (N, 21) mm.
    """
    import torch

    from ..geometry.kinematics import forward_kinematics as chain_forward_kinematics

    ref = shapes['ref_mm']
    n = ref.shape[0]
    base = shapes['base_positions'].copy()
    base[:, :, 2] += angles['cupping'][:, None] * CUPPING_OFFSETS[None]
    # bone k ends at joint k + 1: per finger the root bone (wrist -> base), then the three finger bones
    lengths = np.concatenate([np.linalg.norm(base, axis=-1)[..., None], shapes['bone_ratios']], -1).reshape(n, 20)
    joints = chain_forward_kinematics(torch.from_numpy(lengths), torch.from_numpy(base),
                                      torch.from_numpy(np.asarray(angles['joint_angles'], np.float64))).numpy()
    radii = np.zeros((n, NUM_JOINTS))
    radii[:, 0] = 0.42 * shapes['palm_width']
    for f, chain in enumerate(FINGERS):
        radii[:, chain[0]] = shapes['radii'][:, f, 0] * (1.08 if f > 0 else 1.0)
        for k, child in enumerate(chain[1:]):
            frac = (k + 1) / 3.0
            radii[:, child] = shapes['radii'][:, f, 0] * (1.0 - frac) + shapes['radii'][:, f, 1] * frac
    return joints * ref[:, None, None], radii * ref[:, None]


# --- Camera and placement --------------------------------------------------------------------------------
def sample_cameras(rng: np.random.Generator, n: int, size: int, dist: PoseDistribution) -> np.ndarray:
    """Per-sample intrinsics (N, 3, 3): focal ``size * U(focal_over_width)``, fx/fy within 2 %, principal point
    within 4 % of the image size around the centre."""
    f = size * rng.uniform(*dist.focal_over_width, n)
    K = np.zeros((n, 3, 3))
    K[:, 0, 0] = f * rng.uniform(0.98, 1.02, n)
    K[:, 1, 1] = f
    K[:, 0, 2] = (size - 1) / 2.0 + rng.uniform(-0.04, 0.04, n) * size
    K[:, 1, 2] = (size - 1) / 2.0 + rng.uniform(-0.04, 0.04, n) * size
    K[:, 2, 2] = 1.0
    return K


#: Hand frame -> camera frame for a palm facing the camera with the fingers pointing up (thumb at image right).
PALM_TO_CAMERA: np.ndarray = np.array([[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]])


def _axis_angle(axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Rodrigues: unit axes (N, 3), angles (N,) -> (N, 3, 3)."""
    x, y, z = axis[:, 0], axis[:, 1], axis[:, 2]
    zero = np.zeros_like(x)
    cross = np.stack([np.stack([zero, -z, y], -1), np.stack([z, zero, -x], -1), np.stack([-y, x, zero], -1)], -2)
    s, c = np.sin(angle)[:, None, None], np.cos(angle)[:, None, None]
    return np.eye(3) + s * cross + (1.0 - c) * (cross @ cross)


def sample_rotations(rng: np.random.Generator, n: int, dist: PoseDistribution) -> np.ndarray:
    """Global hand rotations (N, 3, 3), hand frame -> camera frame: palm towards the camera, tilted about a random
    axis in the image plane by up to ``tilt_max`` (uniform in solid angle), then rolled about the optical axis."""
    phi = rng.uniform(0.0, 2.0 * np.pi, n)
    axis = np.stack([np.cos(phi), np.sin(phi), np.zeros(n)], -1)
    cos_tilt = rng.uniform(np.cos(dist.tilt_max), 1.0, n)
    tilt = _axis_angle(axis, np.arccos(np.clip(cos_tilt, -1.0, 1.0)))
    roll = rot_z(rng.uniform(-dist.inplane_max, dist.inplane_max, n))
    return roll @ tilt @ PALM_TO_CAMERA


def place_hands(rng: np.random.Generator, joints_hand: np.ndarray, radii: np.ndarray, rotations: np.ndarray,
                K: np.ndarray, size: int, dist: PoseDistribution, margin_frac: float = 0.06,
                num_iters: int = 4) -> Tuple[np.ndarray, np.ndarray]:
    """Translate rotated hands so that the projected box (joints dilated by their radius) fits in the image.

    Args:
        joints_hand: (N, 21, 3) mm hand frame.
        radii: (N, 21) mm.
        rotations: (N, 3, 3) hand -> camera.
        K: (N, 3, 3).
        size: image side in pixels.
        margin_frac: minimum distance of the dilated box to the border as a fraction of ``size``.

    Returns:
        joints_cam (N, 21, 3) mm and a boolean (N,) ``ok`` that is False when the box could not be fitted.
    """
    n = joints_hand.shape[0]
    rel = joints_hand @ np.swapaxes(rotations, -1, -2)
    centre = 0.5 * (rel.min(1) + rel.max(1))
    rel = rel - centre[:, None]
    extent = np.max(np.abs(rel[..., :2]) + radii[..., None], axis=(1, 2)) * 2.0
    frac = rng.uniform(*dist.hand_fraction, n)
    f = K[:, 1, 1]
    z = f * extent / (frac * size)
    half = 0.5 * frac * size
    lo, hi = margin_frac * size + half, size * (1 - margin_frac) - half
    uc = rng.uniform(np.minimum(lo, hi), np.maximum(lo, hi))
    vc = rng.uniform(np.minimum(lo, hi), np.maximum(lo, hi))
    t = np.stack([(uc - K[:, 0, 2]) / K[:, 0, 0] * z, (vc - K[:, 1, 2]) / K[:, 1, 1] * z, z], -1)
    m = margin_frac * size
    for _ in range(num_iters):
        cam = rel + t[:, None]
        uv = project_points(cam, K)
        r_px = f[:, None] * radii / cam[..., 2]
        bmin = (uv - r_px[..., None]).min(1)
        bmax = (uv + r_px[..., None]).max(1)
        # too big: push back in depth; then shift the box inside
        scale = np.maximum((bmax - bmin).max(1) / (size - 2 * m), 1.0)
        t[:, 2] *= scale
        shift = np.maximum(m - bmin, 0.0) - np.maximum(bmax - (size - m), 0.0)
        t[:, 0] += shift[:, 0] / K[:, 0, 0] * t[:, 2]
        t[:, 1] += shift[:, 1] / K[:, 1, 1] * t[:, 2]
    cam = rel + t[:, None]
    uv = project_points(cam, K)
    r_px = f[:, None] * radii / cam[..., 2]
    bmin = (uv - r_px[..., None]).min(1)
    bmax = (uv + r_px[..., None]).max(1)
    ok = (bmin.min(1) >= 0.5 * m) & (bmax.max(1) <= size - 0.5 * m) & (cam[..., 2].min(1) > 50.0)
    return cam, ok


def sample_hand_poses(rng: np.random.Generator, n: int, dist: PoseDistribution, size: int,
                      ref_bone_mean_mm: float = REF_BONE_MEAN_MM) -> Dict[str, np.ndarray]:
    """Sample ``n`` posed right hands with cameras, without rendering; hands that cannot be fitted in the image are
    resampled.

    Args:
        rng: random generator (the result is a deterministic function of its state).
        n: number of hands.
        dist: pose and viewpoint distribution.
        size: image side in pixels.
        ref_bone_mean_mm: mean reference-bone length.

    Returns:
        dict with ``joints`` (N, 21, 3) camera frame, mm, FreiHAND order, right hand (every joint dilated by its
        capsule radius projects inside the image with a margin); ``cam_K`` (N, 3, 3); ``joint_angles``
        (N, 15, 2) radians, the hand's (flexion, abduction) in ``ANGLE_BONES`` order (equal to
        ``hand_joint_angles(joints)``); ``family`` (N,) pose-family index into ``POSE_FAMILIES``.
    """
    keys = ('joints', 'cam_K', 'joint_angles', 'family')
    if n <= 0:
        return dict(joints=np.zeros((0, NUM_JOINTS, 3)), cam_K=np.zeros((0, 3, 3)), joint_angles=np.zeros((0, 15, 2)),
                    family=np.zeros((0, ), np.int64))
    parts = {k: [] for k in keys}
    remaining = n
    for _ in range(20):
        shapes = sample_hand_shapes(rng, remaining, ref_bone_mean_mm)
        angles = sample_angles(rng, remaining, dist)
        joints, radii = forward_kinematics(shapes, angles)
        K = sample_cameras(rng, remaining, size, dist)
        rot = sample_rotations(rng, remaining, dist)
        cam, ok = place_hands(rng, joints, radii, rot, K, size, dist)
        for key, value in zip(keys, (cam, K, angles['joint_angles'], angles['family'])):
            parts[key].append(value[ok])
        remaining -= int(ok.sum())
        if remaining <= 0:
            break
    if remaining > 0:
        raise RuntimeError(f'sample_hand_poses: could not place {remaining} of {n} hands inside a {size}px image; '
                           f'check PoseDistribution.hand_fraction={dist.hand_fraction}')
    return {k: np.concatenate(v, 0)[:n] for k, v in parts.items()}


def sample_hands(rng: np.random.Generator, n: int, dist: PoseDistribution, size: int,
                 ref_bone_mean_mm: float = REF_BONE_MEAN_MM) -> Tuple[np.ndarray, np.ndarray]:
    """:func:`sample_hand_poses` reduced to joints (N, 21, 3) mm camera frame and K (N, 3, 3)."""
    poses = sample_hand_poses(rng, n, dist, size, ref_bone_mean_mm)
    return poses['joints'], poses['cam_K']
