# Copyright (c) bmc_mmpose authors. All rights reserved.
"""The synthetic default dataset: two domains written in the datasets' original formats.

* **Domain A** ("synthetic", like RHD's renderings): every viewpoint (the hand turned by up to 180 deg from
  "palm towards the camera", uniform over the sphere, any roll), cameras from wide to narrow (focal 1.0-2.8 image
  widths, covering B's), but mild articulations only: finger curl at most half-way, thumb opposition at most
  half-way, no fists, pinches or grasps. Rendered cleanly: gradient backgrounds, light skin tones, even light,
  little noise. Written as **RHD** (``anno_training.pickle`` + ``training/color/%05d.png``, 42-joint slots,
  tip-to-palm order, metres); 30 % are written as left hands (image and labels mirrored), so the loader's
  mirroring path is exercised. Used with its 3D labels.
* **Domain B** ("real", like FreiHAND's photographs): viewpoints inside A's (tilt <= 150 deg; focal 1.6-2.6
  widths), the full articulation range A lacks (fists, grasps, pinches with thumb opposition, wider spread, some
  hyperextension), and a photograph's appearance: cluttered backgrounds, darker and more varied skin, uneven
  directional light and a colour cast, blur, sensor noise, JPEG, hand-held objects (bars, balls) and other
  occluders in front of the hand. Written as **FreiHAND** (``training_{K,xyz,scale}.json`` +
  ``training/rgb/%08d.jpg``). Training uses only its 2D labels; its 3D labels are kept for validation and for
  the "computed" BMC limits (paper Tab. 6).

Every distribution is listed (and measured, e.g. B's share of joint angles outside A's hulls) in
``docs/results/synthetic_domains_proxy.md``.

``gap`` in [0, 1] interpolates domain B's pose, viewpoint and appearance statistics from domain A's (0) to the
full gap (1). Everything is deterministic under ``seed``.
"""
import json
import os.path as osp
from dataclasses import asdict, replace
from multiprocessing import Pool
from typing import Dict, Tuple

import numpy as np

from ..datasets.formats import freihand as freihand_format
from ..datasets.formats import rhd as rhd_format
from ..geometry.camera_numpy import (mirror_intrinsics, mirror_keypoints_2d, mirror_points_3d, project_points,
                                     reference_bone_length)
from .hand_model import PoseDistribution, sample_hand_poses
from .renderer import Appearance, render_hand

MANIFEST = 'synthetic_manifest.json'
GENERATOR_VERSION = 4  # bump whenever the hand model or the renderer changes: stale data is then rewritten

#: Domain A: any viewpoint, mild articulation (open, relaxed, gestures and independent curls, all scaled to at most
#: half-way; no fist, pinch or grasp family).
DOMAIN_A_POSES = PoseDistribution(curl_max=0.5, spread_std=0.06, hyperextension=0.0, thumb_opposition_max=0.5,
                                  tilt_max=float(np.pi), focal_over_width=(1.0, 2.8), hand_fraction=(0.45, 0.9),
                                  family_probs=(0.25, 0.3, 0.0, 0.3, 0.15, 0.0, 0.0))
DOMAIN_A_LOOK = Appearance()
#: Domain B: viewpoints inside A's, the full articulation range with fists, pinches and grasps.
DOMAIN_B_POSES = PoseDistribution(curl_max=1.0, spread_std=0.15, hyperextension=0.3, thumb_opposition_max=1.0,
                                  tilt_max=float(np.deg2rad(150.)), focal_over_width=(1.6, 2.6),
                                  hand_fraction=(0.55, 0.9), family_probs=(0.1, 0.15, 0.2, 0.15, 0.1, 0.1, 0.2))
DOMAIN_B_LOOK = Appearance(skin_tones=((110, 140, 190), (80, 110, 160), (60, 85, 130), (170, 190, 230)),
                           skin_jitter=18., background='clutter', blur_sigma=(0., 1.2), noise_std=5.,
                           occluder_prob=0.15, brightness=(0.7, 1.2), light_strength=0.35, colour_cast_std=0.08,
                           held_object_prob=0.25)
#: Appearance fields interpolated with ``gap`` (the others switch from A's to B's at gap 0.5).
_MIXED_LOOK_FIELDS = ('noise_std', 'occluder_prob', 'light_strength', 'colour_cast_std', 'held_object_prob')


def domain_b(gap: float) -> Tuple[PoseDistribution, Appearance]:
    """Domain B's statistics at a given gap (0 = domain A's, 1 = the full gap)."""
    if not 0. <= gap <= 1.:
        raise ValueError(f'gap must be in [0, 1], got {gap}')
    mix = lambda a, b: a + gap * (b - a)  # noqa: E731
    poses = PoseDistribution(**{
        k: (tuple(mix(x, y) for x, y in zip(v, getattr(DOMAIN_B_POSES, k))) if isinstance(v, tuple) else
            mix(v, getattr(DOMAIN_B_POSES, k)))
        for k, v in asdict(DOMAIN_A_POSES).items()
    })
    look = DOMAIN_B_LOOK if gap >= 0.5 else DOMAIN_A_LOOK
    look = replace(look, **{k: mix(getattr(DOMAIN_A_LOOK, k), getattr(DOMAIN_B_LOOK, k)) for k in _MIXED_LOOK_FIELDS})
    return poses, look


def domain_distributions(domain: str, gap: float = 1.0) -> Tuple[PoseDistribution, Appearance]:
    """Pose/viewpoint and appearance statistics of domain ``'a'`` or ``'b'`` (B at the given gap)."""
    if domain == 'a':
        return DOMAIN_A_POSES, DOMAIN_A_LOOK
    if domain == 'b':
        return domain_b(gap)
    raise ValueError(f"domain must be 'a' or 'b', got {domain!r}")


def sample_domain_poses(domain: str, n: int, seed: int = 0, gap: float = 1.0, size: int = 128) -> Dict:
    """A domain's hands and cameras without rendering (cheap: no images are drawn).

    With the same ``seed``, ``gap`` and ``size`` the first ``n`` hands are those :func:`generate_synthetic`
    writes for that domain (same random stream; domain A before mirroring of its left hands).

    Returns:
        dict of :func:`~bmc_mmpose.synthetic.hand_model.sample_hand_poses`: ``joints`` (n, 21, 3) mm camera frame,
        right hands, FreiHAND order; ``cam_K`` (n, 3, 3) for a ``size`` x ``size`` image; ``joint_angles``
        (n, 15, 2) rad; ``family`` (n,).
    """
    poses, _ = domain_distributions(domain, gap)
    rng = np.random.default_rng([seed, 0 if domain == 'a' else 1])
    return sample_hand_poses(rng, n, poses, size)


def _render_one(args) -> np.ndarray:
    seed, domain, index, joints, cam_K, size, look = args
    rng = np.random.default_rng([seed, domain, index])  # per image: deterministic in any worker
    return render_hand(rng, joints, cam_K, size, look)


def render_all(seed: int, domain: int, joints: np.ndarray, cam_K: np.ndarray, size: int, look: Appearance,
               workers: int) -> list:
    jobs = [(seed, domain, i, joints[i], cam_K[i], size, look) for i in range(len(joints))]
    if workers > 1:
        with Pool(workers) as pool:
            return pool.map(_render_one, jobs, chunksize=64)
    return [_render_one(job) for job in jobs]


#: zlib level of the png files: the fastest, the images are large in number.
PNG_COMPRESSION = 1


def write_rhd_domain(root: str, joints: np.ndarray, cam_K: np.ndarray, images: list, left_ids: np.ndarray) -> None:
    """Domain A in RHD's original format (``training`` split), via :mod:`bmc_mmpose.datasets.formats.rhd`.

    Left hands (``left_ids``) are written as RHD stores them: image flipped, labels and K mirrored with
    :mod:`bmc_mmpose.geometry.camera_numpy` (x -> -x, u -> W-1-u, K -> F K D, i.e. cx -> W-1-cx), in the left
    hand's slots. RHD always stores two hands; the other one is off-screen here: the same joints, none visible.

    Args:
        root (str): dataset root.
        joints (np.ndarray): (N, 21, 3) right hands, mm, camera frame, FreiHAND order.
        cam_K (np.ndarray): (N, 3, 3) intrinsics.
        images (list): N (W, W, 3) uint8 BGR renderings of the right hands.
        left_ids (np.ndarray): ids of the samples written as left hands.
    """
    size = images[0].shape[1]
    annotations, pngs = {}, {}
    for i, (hand, K, image) in enumerate(zip(joints, cam_K, images)):
        uv = project_points(hand, K)
        is_left = i in left_ids
        if is_left:
            hand, uv, K = mirror_points_3d(hand), mirror_keypoints_2d(uv, size), mirror_intrinsics(K, size)
            image = image[:, ::-1].copy()
        slots = rhd_format.hand_from_internal(hand, uv, np.ones(len(uv)))
        other = (slots[0], np.concatenate([slots[1][:, :2], np.zeros((len(uv), 1))], 1))
        annotations[i] = rhd_format.make_annotation(*((slots, other) if is_left else (other, slots)), K)
        pngs[i] = image
    rhd_format.write_split(root, 'training', annotations, pngs, png_compression=PNG_COMPRESSION)


def write_freihand_domain(root: str, joints: np.ndarray, cam_K: np.ndarray, images: list) -> None:
    """Domain B in FreiHAND's original format (``training`` split, one image version), via
    :mod:`bmc_mmpose.datasets.formats.freihand`.

    Args:
        root (str): dataset root.
        joints (np.ndarray): (N, 21, 3) right hands, mm, camera frame, FreiHAND order.
        cam_K (np.ndarray): (N, 3, 3) intrinsics.
        images (list): N uint8 BGR renderings.
    """
    freihand_format.write_split(root, 'training', freihand_format.joints_from_internal(joints), cam_K,
                                dict(enumerate(images)), scale_m=reference_bone_length(joints) / 1000.)


def generate_synthetic(out_dir: str, num_a: int = 3000, num_b: int = 3000, size: int = 128, seed: int = 0,
                       gap: float = 1.0, workers: int = 2, force: bool = False) -> Dict:
    """Write both domains under ``out_dir`` (``domain_a_rhd/`` and ``domain_b_freihand/``) unless a manifest
    with the same parameters is already there. Returns the manifest."""
    params = dict(version=GENERATOR_VERSION, num_a=num_a, num_b=num_b, size=size, seed=seed, gap=gap)
    manifest_path = osp.join(out_dir, MANIFEST)
    if not force and osp.isfile(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)
        if manifest.get('params') == params:
            return manifest
    rng_a = np.random.default_rng([seed, 0])
    rng_b = np.random.default_rng([seed, 1])
    poses_b, look_b = domain_b(gap)
    sample_a = sample_hand_poses(rng_a, num_a, DOMAIN_A_POSES, size)
    sample_b = sample_hand_poses(rng_b, num_b, poses_b, size)
    joints_a, cam_a = sample_a['joints'], sample_a['cam_K']
    joints_b, cam_b = sample_b['joints'], sample_b['cam_K']
    left_ids = np.flatnonzero(rng_a.uniform(size=num_a) < 0.3)
    images_a = render_all(seed, 0, joints_a, cam_a, size, DOMAIN_A_LOOK, workers)
    write_rhd_domain(osp.join(out_dir, 'domain_a_rhd'), joints_a, cam_a, images_a, set(left_ids.tolist()))
    del images_a
    images_b = render_all(seed, 1, joints_b, cam_b, size, look_b, workers)
    write_freihand_domain(osp.join(out_dir, 'domain_b_freihand'), joints_b, cam_b, images_b)
    manifest = dict(params=params, domain_a=dict(format='rhd', root='domain_a_rhd', num=num_a,
                                                  num_left=int(len(left_ids))),
                    domain_b=dict(format='freihand', root='domain_b_freihand', num=num_b))
    with open(manifest_path, 'w') as f:
        json.dump(manifest, f, indent=1)
    return manifest
