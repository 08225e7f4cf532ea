# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Small datasets in the ORIGINAL on-disk formats of RHD, FreiHAND and HO-3D (for tests, benchmarks and tools),
one builder per format, plus builders that turn the real samples of ``shared/data/real_samples`` into
original-format fixtures.

The files are written by the format modules (:mod:`bmc_mmpose.datasets.formats`), the same code whose readers the
datasets use; this module only makes the content: random hands (:mod:`bmc_mmpose.testing.hands`), random images
and the choices a fixture needs (which hand dominates, which frames have no annotation, ...). All 3D inputs of
the ``make_*`` / ``write_synthetic_*`` helpers are in the internal convention (right hand, FreiHAND order,
OpenCV, mm) and are converted to each dataset's own convention by the format module's ``*_from_internal``.
"""
import json
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from bmc_mmpose.datasets.formats import freihand as freihand_format
from bmc_mmpose.datasets.formats import ho3d as ho3d_format
from bmc_mmpose.datasets.formats import rhd as rhd_format
from bmc_mmpose.geometry.camera_numpy import back_project, mirror_points_3d, project_points, reference_bone_length
from bmc_mmpose.geometry.skeleton import NUM_JOINTS
from .hands import make_intrinsics, random_right_hand_mm

PathLike = Union[str, Path]



# --------------------------------------------------------------------------------------------------------------
# Images
# --------------------------------------------------------------------------------------------------------------
def random_image(rng: np.random.RandomState, image_size: Tuple[int, int]) -> np.ndarray:
    """A (h, w, 3) uint8 BGR image with smooth random colour blobs (compresses well, not constant)."""
    w, h = image_size
    small = rng.randint(0, 256, size=(max(h // 16, 2), max(w // 16, 2), 3)).astype(np.uint8)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


# --------------------------------------------------------------------------------------------------------------
# RHD
# --------------------------------------------------------------------------------------------------------------
def make_rhd_annotation(rng: np.random.RandomState, dominant: str = 'right', image_size: int = 320,
                        focal_range: Tuple[float, float] = (260., 310.), other_visible: int = 3) -> Dict:
    """A synthetic RHD annotation with two hands; the ``dominant`` hand has all 21 joints visible.

    The left hand is built as the mirror image (x -> -x) of a synthetic right hand, so mirroring it back in the
    loader gives a right hand again.

    Returns:
        dict: {'xyz' (42, 3) float32 m, 'uv_vis' (42, 3) float32, 'K' (3, 3) float32}.
    """
    cam_K = make_intrinsics(rng.uniform(*focal_range), (image_size, image_size))
    hands = {}
    for side in ('left', 'right'):
        joints = random_right_hand_mm(rng, cam_K, (image_size, image_size))
        if side == 'left':
            # A left hand: mirror a right hand through the plane x = x_c (keeps it in front of the camera).
            centre_x = joints[:, 0].mean()
            joints[:, 0] = 2 * centre_x - joints[:, 0]
        visible = np.zeros(NUM_JOINTS)
        if side == dominant:
            visible[:] = 1
        else:
            visible[rng.permutation(NUM_JOINTS)[:other_visible]] = 1
        hands[side] = rhd_format.hand_from_internal(joints, project_points(joints, cam_K), visible)
    return rhd_format.make_annotation(hands['left'], hands['right'], cam_K)


def write_rhd(root: PathLike, split: str, annotations: Dict[int, Dict], images: Optional[Dict[int, np.ndarray]] = None,
              masks: Optional[Dict[int, np.ndarray]] = None, image_size: int = 320, seed: int = 0) -> str:
    """Write an RHD split with :func:`bmc_mmpose.datasets.formats.rhd.write_split`, random images unless given.

    Args:
        root: dataset root (``RHD_published_v2``).
        split: 'training' or 'evaluation'.
        annotations: {sample_id: {'xyz', 'uv_vis', 'K'}} in RHD's own format.
        images: optional {sample_id: (h, w, 3) uint8 BGR}.
        masks: optional {sample_id: (h, w) uint8 class ids}.
        image_size: size of the random images.
        seed: seed of the random images.

    Returns:
        str: path of the annotation pickle.
    """
    if images is None:
        rng = np.random.RandomState(seed)
        images = {sample_id: random_image(rng, (image_size, image_size)) for sample_id in annotations}
    return rhd_format.write_split(str(root), split, annotations, images, masks)


def write_synthetic_rhd(root: PathLike, split: str = 'training', num_samples: int = 6, seed: int = 0,
                        image_size: int = 320) -> Dict[int, Dict]:
    """Write ``num_samples`` synthetic RHD samples, alternating the dominant hand (even ids right, odd left)."""
    rng = np.random.RandomState(seed)
    annotations = {i: make_rhd_annotation(rng, 'right' if i % 2 == 0 else 'left', image_size)
                   for i in range(num_samples)}
    write_rhd(root, split, annotations, image_size=image_size, seed=seed)
    return annotations


def write_rhd_2d_dataset_config(root: PathLike, num_samples: int = 4, seed: int = 3) -> Tuple[Dict, Path]:
    """Synthetic RHD samples (both hand sides) under ``root/rhd`` and a config file ``root/data.py`` holding them as a
    2D-only ``Rhd3DDataset`` (``hand='auto'``) at ``train_dataloader.dataset``; returns (dataset config, file)."""
    root = Path(root)
    write_synthetic_rhd(root / 'rhd', 'training', num_samples=num_samples, seed=seed)
    rhd = dict(type='Rhd3DDataset', data_root=str(root / 'rhd'), split='training', hand='auto', supervision='2d')
    data_cfg = root / 'data.py'
    data_cfg.write_text(f'train_dataloader = dict(dataset={rhd!r})\n')
    return rhd, data_cfg


# --------------------------------------------------------------------------------------------------------------
# FreiHAND
# --------------------------------------------------------------------------------------------------------------
def write_freihand(root: PathLike, xyz_m: Optional[np.ndarray], cam_K: np.ndarray, split: str = 'training',
                   num_versions: int = 4, images: Optional[Dict[int, np.ndarray]] = None,
                   scale_m: Optional[np.ndarray] = None, write_scale: bool = True, image_size: int = 224,
                   seed: int = 0):
    """Write a FreiHAND split with :func:`bmc_mmpose.datasets.formats.freihand.write_split`.

    Args:
        root: dataset root (``FreiHAND_pub_v2``).
        xyz_m: (N, 21, 3) metres, FreiHAND order, or None (evaluation split without released 3D).
        cam_K: (N, 3, 3).
        split: 'training' or 'evaluation'.
        num_versions: images written per unique sample (ids ``i + N * v``); 1 for evaluation.
        images: optional {image_id: (h, w, 3) uint8 BGR}; random images for the missing ones.
        scale_m: (N,) reference bone lengths; computed from ``xyz_m`` when None.
        write_scale: write ``<split>_scale.json``.
        image_size: size of the random images.
        seed: seed of the random images.
    """
    rng = np.random.RandomState(seed)
    num = len(cam_K)
    all_images = {}
    for version in range(num_versions):
        for idx in range(num):
            img_id = idx + num * version
            all_images[img_id] = images[img_id] if images is not None and img_id in images else \
                random_image(rng, (image_size, image_size))
    freihand_format.write_split(str(root), split, xyz_m, cam_K, all_images, scale_m=scale_m, write_scale=write_scale)


def write_synthetic_freihand(root: PathLike, num_unique: int = 5, num_versions: int = 4, seed: int = 0,
                             image_size: int = 224, evaluation: bool = False,
                             eval_with_xyz: bool = True) -> Tuple[np.ndarray, np.ndarray]:
    """Write a synthetic FreiHAND training (or evaluation) split; returns (xyz (N, 21, 3) mm, K (N, 3, 3))."""
    rng = np.random.RandomState(seed)
    cam_K = np.stack([make_intrinsics((rng.uniform(400, 700),) * 2, (image_size, image_size))
                      for _ in range(num_unique)])
    xyz_mm = np.stack([random_right_hand_mm(rng, k, (image_size, image_size), (500., 800.)) for k in cam_K])
    split = 'evaluation' if evaluation else 'training'
    xyz_m = freihand_format.joints_from_internal(xyz_mm)
    write_freihand(root, xyz_m if (not evaluation or eval_with_xyz) else None, cam_K, split,
                   1 if evaluation else num_versions, scale_m=reference_bone_length(xyz_mm) / 1000.,
                   image_size=image_size, seed=seed)
    return xyz_mm, cam_K


# --------------------------------------------------------------------------------------------------------------
# HO-3D
# --------------------------------------------------------------------------------------------------------------
def make_ho3d_eval_meta(xyz_mm: np.ndarray, cam_K: np.ndarray, bbox_pad: float = 10.) -> Dict:
    """An HO-3D evaluation meta dict of a hand: its wrist, and its projected joints' box padded by ``bbox_pad``
    pixels as ``handBoundingBox``."""
    uv = project_points(xyz_mm, cam_K)
    box = np.concatenate([uv.min(0) - bbox_pad, uv.max(0) + bbox_pad])
    return ho3d_format.make_eval_meta(np.asarray(xyz_mm[0], np.float64), box, cam_K)


def write_ho3d(root: PathLike, split: str, frames: Sequence[Tuple[str, str, Dict]], image_ext: str = '.jpg',
               split_lines: Optional[Sequence[str]] = None, eval_xyz_m: Optional[np.ndarray] = None,
               image_size: Tuple[int, int] = (640, 480), seed: int = 0):
    """Write an HO-3D split: ``<split>.txt``, ``<split>/<SEQ>/meta/<fid>.pkl``, ``<split>/<SEQ>/rgb/<fid><ext>``.

    Args:
        root: dataset root.
        split: 'train' or 'evaluation'.
        frames: (seq, fid, meta dict) triples; meta dicts hold numpy arrays / None as in the release.
        image_ext: '.png' (v2) or '.jpg' (v3).
        split_lines: lines of the split file (default: every frame, in order).
        eval_xyz_m: optional (N, 21, 3) metres OpenGL MANO order, written as ``evaluation_xyz.json``.
        image_size: (w, h) of the random images.
        seed: seed of the random images.
    """
    rng = np.random.RandomState(seed)
    images = [random_image(rng, image_size) for _ in frames]
    ho3d_format.write_split(str(root), split, frames, images, image_ext=image_ext, split_lines=split_lines,
                            eval_xyz_m=eval_xyz_m)


def write_synthetic_ho3d(root: PathLike, split: str = 'train', num_frames: int = 5, none_frames: Sequence[int] = (),
                         seed: int = 0, image_ext: str = '.jpg', image_size: Tuple[int, int] = (640, 480),
                         with_eval_xyz: bool = False) -> Tuple[List[Optional[np.ndarray]], np.ndarray]:
    """Write synthetic HO-3D frames in two sequences; frames listed in ``none_frames`` have ``None`` annotations.

    Returns:
        tuple: per frame the internal (21, 3) mm joints (None for None frames) and (N, 3, 3) intrinsics.
    """
    rng = np.random.RandomState(seed)
    frames, joints, cams = [], [], []
    for i in range(num_frames):
        cam_K = np.array([[617.3 + rng.uniform(-5, 5), 0, 312.4], [0, 617.1, 241.4], [0, 0, 1]])
        xyz = random_right_hand_mm(rng, cam_K, image_size, (450., 750.))
        seq = 'ABF10' if i < (num_frames + 1) // 2 else 'MC1'
        if i in none_frames:
            meta, xyz = ho3d_format.make_none_meta(), None
        elif split == 'train':
            meta = ho3d_format.make_train_meta(xyz, cam_K)
        else:
            meta = make_ho3d_eval_meta(xyz, cam_K)
        frames.append((seq, '%04d' % i, meta))
        joints.append(xyz)
        cams.append(cam_K)
    eval_xyz = None
    if with_eval_xyz:
        eval_xyz = np.stack([ho3d_format.joints_from_internal(x) if x is not None else np.zeros((NUM_JOINTS, 3))
                             for x in joints])
    write_ho3d(root, split, frames, image_ext=image_ext, eval_xyz_m=eval_xyz, image_size=image_size, seed=seed)
    return joints, np.stack(cams)


# --------------------------------------------------------------------------------------------------------------
# Real samples (shared/data/real_samples, MMPose's COCO-style copies) -> original formats
# --------------------------------------------------------------------------------------------------------------
def rhd_fixture_from_real_samples(real_dir: PathLike, root: PathLike, split: str = 'evaluation') -> Dict[int, Dict]:
    """Write the three real RHD samples as an original-format RHD split.

    Each sample's hand (RHD order, ``joint_cam`` mm -> ``xyz`` m, ``keypoints`` -> ``uv_vis``, K from
    ``cam_param``) goes into the slot of its ``hand_type`` (left 0-20, right 21-41). The other slot holds the
    same hand mirrored about the image centre column (finite, plausible) with all visibility flags 0, so
    ``hand='auto'`` picks the real hand.

    Args:
        real_dir: ``shared/data/real_samples``.
        root: output RHD root.
        split: split name to write.

    Returns:
        dict: {sample_id: {'hand_type', 'xyz_mm' (21, 3), 'uv' (21, 2), 'K' (3, 3)}} in RHD order (the truth).
    """
    real_dir = Path(real_dir) / 'rhd'
    with open(real_dir / 'test_rhd.json') as f:
        coco = json.load(f)
    images = {img['id']: img for img in coco['images']}
    annotations, pixels, truth = {}, {}, {}
    for ann in coco['annotations']:
        img = images[ann['image_id']]
        cam = img['cam_param']
        cam_K = np.array([[cam['focal'][0], 0, cam['princpt'][0]], [0, cam['focal'][1], cam['princpt'][1]],
                          [0, 0, 1]], np.float64)
        kpts = np.asarray(ann['keypoints'], np.float64).reshape(NUM_JOINTS, 3)
        xyz_mm = np.asarray(ann['joint_cam'], np.float64).reshape(NUM_JOINTS, 3)
        hand = (xyz_mm / 1000., np.concatenate([kpts[:, :2], (kpts[:, 2:] > 0).astype(np.float64)], 1))
        other_xyz = mirror_points_3d(hand[0])
        other = (other_xyz, np.concatenate([project_points(other_xyz, cam_K), np.zeros((NUM_JOINTS, 1))], 1))
        sample_id = int(img['id'])
        left, right = (hand, other) if ann['hand_type'] == 'left' else (other, hand)
        annotations[sample_id] = rhd_format.make_annotation(left, right, cam_K)
        image = cv2.imread(str(real_dir / img['file_name']), cv2.IMREAD_COLOR)
        if image is None:
            raise IOError(f'cannot read {real_dir / img["file_name"]}')
        pixels[sample_id] = image
        truth[sample_id] = dict(hand_type=ann['hand_type'], xyz_mm=xyz_mm, uv=kpts[:, :2], K=cam_K,
                                width=int(img['width']))
    write_rhd(root, split, annotations, images=pixels)
    return truth


def freihand_fixture_from_real_samples(real_dir: PathLike, root: PathLike, focal: float = 480.,
                                       wrist_depth_mm: float = 600.) -> Dict[int, Dict]:
    """Write the real FreiHAND 2D samples as an original-format FreiHAND training split.

    The real samples carry 2D labels only, but the original format stores ``xyz`` and ``K``. This builder picks
    ``K`` (fx = fy = ``focal``, principal point at the image centre) and per-joint depths (``wrist_depth_mm``
    plus a small deterministic offset), and back-projects the real 2D joints, so the loader's projection
    reproduces the real 2D labels exactly; the 3D values are therefore NOT real and the fixture is meant for 2D
    supervision (``supervision='2d'``). The unique samples (``id % 32560``) become annotation entries
    0..M-1 in increasing order, and version v of entry i is written as image ``i + M * v`` with the pixels of the
    real image ``unique + 32560 * v``.

    Args:
        real_dir: ``shared/data/real_samples``.
        root: output FreiHAND root.
        focal: focal length of the chosen K, pixels.
        wrist_depth_mm: base depth.

    Returns:
        dict: {new image id: {'real_id', 'unique_index', 'uv' (21, 2) real labels}}.
    """
    real_dir = Path(real_dir) / 'freihand'
    with open(real_dir / 'test_freihand.json') as f:
        coco = json.load(f)
    images = {img['id']: img for img in coco['images']}
    by_unique: Dict[int, Dict[int, Dict]] = {}
    for ann in coco['annotations']:
        real_id = int(ann['image_id'])
        by_unique.setdefault(real_id % 32560, {})[real_id // 32560] = ann
    uniques = sorted(by_unique)
    num = len(uniques)
    num_versions = 1 + max(max(v) for v in by_unique.values())
    size = int(images[coco['annotations'][0]['image_id']]['width'])
    cam_K = make_intrinsics(focal, (size, size))
    xyz_m, pixels, truth = [], {}, {}
    for index, unique in enumerate(uniques):
        first = by_unique[unique][min(by_unique[unique])]
        uv = np.asarray(first['keypoints'], np.float64).reshape(NUM_JOINTS, 3)[:, :2]
        depth = wrist_depth_mm + 3. * np.arange(NUM_JOINTS) - 30.
        xyz_m.append(back_project(uv, depth, cam_K) / 1000.)
        for version, ann in by_unique[unique].items():
            real_id = int(ann['image_id'])
            image = cv2.imread(str(real_dir / images[real_id]['file_name']), cv2.IMREAD_COLOR)
            if image is None:
                raise IOError(f'cannot read {real_dir / images[real_id]["file_name"]}')
            new_id = index + num * version
            pixels[new_id] = image
            truth[new_id] = dict(real_id=real_id, unique_index=index,
                                 uv=np.asarray(ann['keypoints'], np.float64).reshape(NUM_JOINTS, 3)[:, :2])
    write_freihand(root, np.stack(xyz_m), np.stack([cam_K] * num), 'training', num_versions, images=pixels,
                   image_size=size)
    return truth
