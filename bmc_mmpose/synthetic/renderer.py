# Copyright (c) bmc_mmpose authors. All rights reserved.
"""A small CPU renderer (numpy + OpenCV) that draws a posed hand as a shaded silhouette.

Fingers are capsules along the bones, the palm a polygon through the wrist and the finger bases, the forearm a
wide capsule that ends at the wrist (the root joint then has a visible landmark, as in a photograph). The hand is
drawn far-to-near (painter's algorithm), so nearer fingers occlude farther ones; the forearm is always drawn
first. Shading carries depth: nearer parts are brighter, every part has a darker rim and a lighter ridge; the palm
side and the back of the hand have different tones, and seen from the back the fingertips carry nails (cues of
which side faces the camera). No part has a colour of its own: fingers are told apart by shape and occlusion only,
as in a photograph.
"""
from dataclasses import dataclass
from typing import Tuple

import cv2
import numpy as np

from ..geometry.camera_numpy import project_points
from ..geometry.skeleton import BONE_CHILDREN, BONE_PARENTS

#: Capsule radius (mm) of each bone (bone k ends at joint k + 1); palm root bones of the fingers are not drawn
#: as capsules (the palm polygon covers them), the thumb's root bone is (the thenar eminence).
BONE_RADIUS_MM = np.array([
    13., 10., 9., 8.,        # thumb
    0., 9.5, 8.5, 7.5,       # index
    0., 10., 8.8, 7.8,       # middle
    0., 9.5, 8.5, 7.5,       # ring
    0., 8.2, 7.4, 6.8,       # little
])
PALM_JOINTS = (0, 1, 5, 9, 13, 17)
FINGERTIPS = (4, 8, 12, 16, 20)
#: Forearm capsule: radius (mm; a wrist is about 55 mm wide) and length drawn from the wrist (mm).
FOREARM_RADIUS_MM = 26.
FOREARM_LENGTH_MM = 160.


@dataclass(frozen=True)
class Appearance:
    """A domain's appearance statistics."""
    skin_tones: Tuple[Tuple[float, float, float], ...] = ((150, 180, 225), (120, 150, 200), (95, 125, 170))
    skin_jitter: float = 12.
    background: str = 'gradient'  # 'gradient' or 'clutter'
    blur_sigma: Tuple[float, float] = (0., 0.)
    noise_std: float = 2.
    occluder_prob: float = 0.
    brightness: Tuple[float, float] = (0.9, 1.1)
    #: Directional light: the image is multiplied by a linear ramp from ``1 - light_strength`` to
    #: ``1 + light_strength`` across a random direction (uneven lighting of a photograph).
    light_strength: float = 0.
    #: Std of a per-channel gain (white balance of a real camera; a renderer's is neutral).
    colour_cast_std: float = 0.
    #: Probability of a hand-held object (a bar or a ball between the thumb and the fingers) drawn in front of
    #: the hand, as in hand-object photographs.
    held_object_prob: float = 0.


def _background(rng: np.random.Generator, size: int, style: str) -> np.ndarray:
    if style == 'gradient':
        a, b = rng.uniform(20, 235, 3), rng.uniform(20, 235, 3)
        t = np.linspace(0., 1., size)
        direction = rng.uniform(0, 2 * np.pi)
        ramp = np.cos(direction) * t[None, :] + np.sin(direction) * t[:, None]
        ramp = (ramp - ramp.min()) / max(np.ptp(ramp), 1e-6)
        image = a[None, None] * (1 - ramp[..., None]) + b[None, None] * ramp[..., None]
    else:  # clutter: coloured noise at several scales plus random shapes
        image = np.zeros((size, size, 3))
        for cells in (4, 12, 32):
            layer = rng.uniform(0, 255, (cells, cells, 3))
            image += cv2.resize(layer, (size, size), interpolation=cv2.INTER_CUBIC) / 3.
        for _ in range(rng.integers(2, 6)):
            colour = rng.uniform(0, 255, 3).tolist()
            centre = tuple(int(c) for c in rng.integers(0, size, 2))
            axes = tuple(int(a) for a in rng.integers(size // 12, size // 3, 2))
            cv2.ellipse(image, centre, axes, float(rng.uniform(0, 180)), 0, 360, colour, -1, cv2.LINE_AA)
    return np.clip(image, 0, 255).astype(np.float32)


def render_hand(rng: np.random.Generator, joints: np.ndarray, cam_K: np.ndarray, size: int,
                appearance: Appearance) -> np.ndarray:
    """Draw one right hand.

    Args:
        rng: random generator (background, skin tone, noise).
        joints: (21, 3) camera-frame joints in mm.
        cam_K: (3, 3) intrinsics.
        size: image width = height in pixels.
        appearance: the domain's appearance.

    Returns:
        (size, size, 3) uint8 BGR image.
    """
    image = _background(rng, size, appearance.background)
    uv = project_points(joints, cam_K)
    depth = joints[:, 2]
    focal = cam_K[0, 0]
    skin = np.asarray(appearance.skin_tones[rng.integers(len(appearance.skin_tones))], np.float64)
    skin = skin + rng.normal(0, appearance.skin_jitter, 3)
    back_tone = skin * 0.82  # the back of the hand is darker than the palm
    z_near, z_far = depth.min(), depth.max()

    def shade(z: float) -> float:
        return 1.05 - 0.35 * (z - z_near) / max(z_far - z_near, 1.)

    # Palm: which side faces the camera decides the tone; its normal from the index and little bases.
    palm_normal = np.cross(joints[5] - joints[0], joints[17] - joints[0])  # points to the palm side (right hand)
    palm_faces_camera = float(np.dot(palm_normal, -joints[0])) > 0
    palm_tone = skin if palm_faces_camera else back_tone
    items = []  # (depth, kind, payload)
    for bone, (parent, child) in enumerate(zip(BONE_PARENTS, BONE_CHILDREN)):
        if BONE_RADIUS_MM[bone] > 0:
            items.append(((depth[parent] + depth[child]) / 2, 'bone', (parent, child, BONE_RADIUS_MM[bone])))
    items.append((depth[list(PALM_JOINTS)].mean() + 4., 'palm', None))
    # Forearm: a capsule from the wrist away from the middle finger's base, so the wrist (the root of every
    # relative depth) ends a visible limb, as in a photograph.
    direction = joints[0] - joints[9]
    direction = direction / max(float(np.linalg.norm(direction)), 1e-6)
    elbow_side = joints[0] + direction * FOREARM_LENGTH_MM
    if elbow_side[2] < 20.:  # keep the far end in front of the camera
        t = (joints[0, 2] - 20.) / max(joints[0, 2] - elbow_side[2], 1e-6)
        elbow_side = joints[0] + (elbow_side - joints[0]) * min(max(t, 0.), 1.)
    # Always drawn first (behind the hand): a forearm between the camera and the hand would hide it entirely, a
    # viewpoint photographs avoid.
    items.append((np.inf, 'forearm', (joints[0], elbow_side)))
    items.sort(key=lambda item: -item[0])  # far first

    scale = 4  # sub-pixel precision of cv2 drawing (shift bits = 2)
    to_px = lambda p: (int(round(p[0] * scale)), int(round(p[1] * scale)))  # noqa: E731
    for z, kind, payload in items:
        tone = palm_tone * shade(min(z, z_far))
        if kind == 'forearm':
            start, end = payload
            pa, pb = project_points(np.stack([start, end]), cam_K)
            radius = max(focal * FOREARM_RADIUS_MM / max(float(start[2]), 1.), 1.)
            cv2.line(image, to_px(pa), to_px(pb), (tone * 0.6).tolist(), int(round(2 * radius + 2)), cv2.LINE_AA,
                     shift=2)
            cv2.line(image, to_px(pa), to_px(pb), (tone * 0.9).tolist(), max(int(round(2 * radius - 1)), 1),
                     cv2.LINE_AA, shift=2)
            continue
        if kind == 'palm':
            pts = uv[list(PALM_JOINTS)]
            centre = pts.mean(axis=0)
            pts = centre + (pts - centre) * 1.12
            hull = cv2.convexHull((pts * scale).astype(np.int32))
            cv2.fillConvexPoly(image, hull, (tone * 0.7).tolist(), cv2.LINE_AA, shift=2)
            inner = cv2.convexHull(((centre + (pts - centre) * 0.93) * scale).astype(np.int32))
            cv2.fillConvexPoly(image, inner, tone.tolist(), cv2.LINE_AA, shift=2)
            continue
        parent, child, radius_mm = payload
        radius = max(focal * radius_mm / max(z, 1.), 1.)
        a, b = to_px(uv[parent]), to_px(uv[child])
        finger_tone = (skin if palm_faces_camera else back_tone) * shade(z)
        cv2.line(image, a, b, (finger_tone * 0.62).tolist(), int(round(2 * radius + 2)), cv2.LINE_AA, shift=2)
        cv2.line(image, a, b, finger_tone.tolist(), max(int(round(2 * radius - 1)), 1), cv2.LINE_AA, shift=2)
        cv2.line(image, a, b, np.minimum(finger_tone * 1.15, 255).tolist(), max(int(round(radius * 0.6)), 1),
                 cv2.LINE_AA, shift=2)
        # Knuckle crease at the proximal end, tip rounded by the cap of the line.
        cv2.circle(image, a, int(round(radius * 0.9 * scale)), (finger_tone * 0.8).tolist(), 1, cv2.LINE_AA, shift=2)
        if child in FINGERTIPS and not palm_faces_camera:
            # Nail on the back of the distal phalanx: marks the tip and which side of the hand faces the camera.
            tip = uv[child] + (uv[parent] - uv[child]) * 0.3
            axis = uv[child] - uv[parent]
            angle = float(np.degrees(np.arctan2(axis[1], axis[0])))
            cv2.ellipse(image, to_px(tip), (int(round(radius * 0.7 * scale)), int(round(radius * 0.55 * scale))),
                        angle, 0, 360, np.minimum(finger_tone * 1.3 + 25, 255).tolist(), -1, cv2.LINE_AA, shift=2)

    if appearance.held_object_prob > 0 and rng.uniform() < appearance.held_object_prob:
        _draw_held_object(rng, image, uv, focal / max(float(depth.mean()), 1.))
    if appearance.occluder_prob > 0 and rng.uniform() < appearance.occluder_prob:
        centre = uv[rng.integers(21)] + rng.normal(0, size * 0.05, 2)
        axes = (int(rng.integers(size // 16, size // 7)), int(rng.integers(size // 16, size // 7)))
        cv2.ellipse(image, tuple(int(c) for c in centre), axes, float(rng.uniform(0, 180)), 0, 360,
                    rng.uniform(0, 255, 3).tolist(), -1, cv2.LINE_AA)

    image *= rng.uniform(*appearance.brightness)
    if appearance.light_strength > 0:
        direction = rng.uniform(0, 2 * np.pi)
        t = (np.arange(size) - (size - 1) / 2) / size
        ramp = np.cos(direction) * t[None, :] + np.sin(direction) * t[:, None]
        image *= (1. + 2. * appearance.light_strength * ramp)[..., None]
    if appearance.colour_cast_std > 0:
        image *= np.clip(1. + rng.normal(0, appearance.colour_cast_std, 3), 0.5, 1.5)
    sigma = rng.uniform(*appearance.blur_sigma)
    if sigma > 0.3:
        image = cv2.GaussianBlur(image, (0, 0), sigma)
    image += rng.normal(0, appearance.noise_std, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def _draw_held_object(rng: np.random.Generator, image: np.ndarray, uv: np.ndarray, px_per_mm: float) -> None:
    """A hand-held object in front of the hand: a bar (cylinder seen from the side) or a ball, centred between the
    thumb tip and the middle finger's middle joints, 15-35 mm across, in a colour of its own."""
    centre = 0.5 * uv[4] + 0.25 * (uv[10] + uv[11]) + rng.normal(0, 2., 2)
    radius = max(px_per_mm * rng.uniform(7.5, 17.5), 2.)
    colour = rng.uniform(0, 255, 3)
    if rng.uniform() < 0.5:  # bar across the fingers
        axis = uv[17] - uv[5]
        axis = axis / max(float(np.linalg.norm(axis)), 1e-6) * radius * rng.uniform(2., 4.)
        a, b = centre - axis, centre + axis
        cv2.line(image, (int(a[0] * 4), int(a[1] * 4)), (int(b[0] * 4), int(b[1] * 4)), colour.tolist(),
                 max(int(round(2 * radius)), 1), cv2.LINE_AA, shift=2)
        cv2.line(image, (int(a[0] * 4), int(a[1] * 4)), (int(b[0] * 4), int(b[1] * 4)),
                 np.minimum(colour * 1.3 + 20, 255).tolist(), max(int(round(radius * 0.5)), 1), cv2.LINE_AA, shift=2)
    else:  # ball
        c = (int(centre[0] * 4), int(centre[1] * 4))
        cv2.circle(image, c, int(radius * 4), colour.tolist(), -1, cv2.LINE_AA, shift=2)
        hl = (int((centre[0] - 0.3 * radius) * 4), int((centre[1] - 0.3 * radius) * 4))
        cv2.circle(image, hl, int(radius * 1.6), np.minimum(colour * 1.3 + 30, 255).tolist(), -1, cv2.LINE_AA,
                   shift=2)
