# Copyright (c) bmc_mmpose authors. All rights reserved.
"""The synthetic default dataset: two domains written in the datasets' original formats.

* **Domain A** ("synthetic", like RHD): mild articulations, palm roughly towards the camera (tilt <= 50 deg),
  wide-angle cameras, clean gradient backgrounds, light skin tones. Written as **RHD** (``anno_training.pickle``
  + ``training/color/%05d.png``, 42-joint slots, tip-to-palm order, metres); 30 % are written as left hands
  (image and labels mirrored), so the loader's mirroring path is exercised. Used with its 3D labels.
* **Domain B** ("real", like FreiHAND): the full articulation range (fists, hyperextension, wider spread), any
  viewpoint up to the back of the hand (tilt <= 150 deg), narrower cameras, cluttered backgrounds, darker and
  more varied skin, blur, noise and occluders. Written as **FreiHAND** (``training_{K,xyz,scale}.json`` +
  ``training/rgb/%08d.jpg``). Training uses only its 2D labels; its 3D labels are kept for validation and for
  the "computed" BMC limits (paper Tab. 6).

``gap`` in [0, 1] interpolates domain B's pose, viewpoint and appearance statistics from domain A's (0) to the
full gap (1). Everything is deterministic under ``seed``.
"""
import json
import os
import os.path as osp
from dataclasses import asdict, replace
from multiprocessing import Pool
from typing import Dict, Tuple

import numpy as np

from ..geometry.skeleton import FREIHAND_TO_RHD
from .hand_model import PoseDistribution, project, reference_bone_length, sample_hands
from .renderer import Appearance, render_hand

MANIFEST = 'synthetic_manifest.json'
GENERATOR_VERSION = 2  # bump whenever the hand model or the renderer changes: stale data is then rewritten

DOMAIN_A_POSES = PoseDistribution()
DOMAIN_A_LOOK = Appearance()
DOMAIN_B_POSES = PoseDistribution(curl_max=1.0, spread_std=0.15, hyperextension=0.3, thumb_opposition_max=1.0,
                                  tilt_max=np.deg2rad(150.), focal_over_width=(1.8, 2.6), hand_fraction=(0.55, 0.9))
DOMAIN_B_LOOK = Appearance(skin_tones=((110, 140, 190), (80, 110, 160), (60, 85, 130), (170, 190, 230)),
                           skin_jitter=18., background='clutter', blur_sigma=(0., 1.2), noise_std=5.,
                           occluder_prob=0.2, brightness=(0.7, 1.2))


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
    look = replace(look, noise_std=mix(DOMAIN_A_LOOK.noise_std, DOMAIN_B_LOOK.noise_std),
                   occluder_prob=mix(DOMAIN_A_LOOK.occluder_prob, DOMAIN_B_LOOK.occluder_prob))
    return poses, look


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


def _write_image(path: str, image: np.ndarray, quality: int = 95) -> None:
    import cv2
    os.makedirs(osp.dirname(path), exist_ok=True)
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if path.endswith('.jpg') else [cv2.IMWRITE_PNG_COMPRESSION, 1]
    if not cv2.imwrite(path, image, params):
        raise IOError(f'could not write {path}')


def write_rhd_domain(root: str, joints: np.ndarray, cam_K: np.ndarray, images: list, left_ids: np.ndarray) -> None:
    """RHD's original format (``training`` split). Left hands: image flipped, x -> -x, u -> W-1-u, cx -> W-1-cx."""
    import pickle
    size = images[0].shape[1]
    annotations = {}
    for i, (hand, K, image) in enumerate(zip(joints, cam_K, images)):
        uv = project(hand[None], K[None])[0]
        is_left = i in left_ids
        if is_left:
            hand = hand * np.array([-1., 1., 1.])
            uv = np.stack([size - 1 - uv[:, 0], uv[:, 1]], -1)
            K = K.copy()
            K[0, 2] = size - 1 - K[0, 2]
            image = image[:, ::-1].copy()
        perm = list(FREIHAND_TO_RHD)
        xyz = np.zeros((42, 3))
        uv_vis = np.zeros((42, 3))
        slot = slice(0, 21) if is_left else slice(21, 42)
        other = slice(21, 42) if is_left else slice(0, 21)
        xyz[slot] = hand[perm] / 1000.
        uv_vis[slot, :2], uv_vis[slot, 2] = uv[perm], 1.
        # RHD always stores two hands; the other one is off-screen here: same joints, nothing visible.
        xyz[other], uv_vis[other, :2] = xyz[slot], uv_vis[slot, :2]
        annotations[i] = dict(xyz=xyz.astype(np.float32), uv_vis=uv_vis.astype(np.float32), K=K.astype(np.float32))
        _write_image(osp.join(root, 'training', 'color', '%05d.png' % i), image)
    with open(osp.join(root, 'training', 'anno_training.pickle'), 'wb') as f:
        pickle.dump(annotations, f)


def write_freihand_domain(root: str, joints: np.ndarray, cam_K: np.ndarray, images: list) -> None:
    """FreiHAND's original format (``training`` split, one image version), metres."""
    os.makedirs(root, exist_ok=True)
    with open(osp.join(root, 'training_K.json'), 'w') as f:
        json.dump(cam_K.tolist(), f)
    with open(osp.join(root, 'training_xyz.json'), 'w') as f:
        json.dump((joints / 1000.).tolist(), f)
    with open(osp.join(root, 'training_scale.json'), 'w') as f:
        json.dump((reference_bone_length(joints) / 1000.).tolist(), f)
    for i, image in enumerate(images):
        _write_image(osp.join(root, 'training', 'rgb', '%08d.jpg' % i), image)


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
    joints_a, cam_a = sample_hands(rng_a, num_a, DOMAIN_A_POSES, size)
    joints_b, cam_b = sample_hands(rng_b, num_b, poses_b, size)
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
