# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Writers of small datasets in the ORIGINAL on-disk formats of RHD, FreiHAND and HO-3D (for tests, benchmarks
and the synthetic-data tools), plus builders that turn the real samples of ``shared/data/real_samples`` into
original-format fixtures.

Formats (``shared/docs/datasets.md``):

- RHD: ``<root>/<split>/anno_<split>.pickle`` = {sample_id: {'xyz' (42, 3) m, 'uv_vis' (42, 3), 'K' (3, 3)}},
  joints 0-20 left hand, 21-41 right hand, RHD order (wrist, fingers tip -> palm); ``color/%05d.png``,
  optional ``mask/%05d.png``.
- FreiHAND: ``<root>/{training,evaluation}_{K,xyz,scale}.json`` (lists, metres, FreiHAND order),
  ``<root>/{training,evaluation}/rgb/%08d.jpg`` with image id ``i + N * version``.
- HO-3D: ``<root>/{train,evaluation}.txt`` ('<SEQ>/<fid>' lines), ``<root>/<split>/<SEQ>/meta/<fid>.pkl``
  ({'handJoints3D' (21, 3) m OpenGL MANO order | (3,) root, 'camMat' (3, 3), 'handBoundingBox', ...}),
  ``<root>/<split>/<SEQ>/rgb/<fid>.{png,jpg}``.

All 3D inputs of the ``make_*`` helpers are in the internal convention (right hand, FreiHAND order, OpenCV, mm)
and are converted to each dataset's own convention here, i.e. these writers are the inverse of the loaders.
"""
import json
import os
import os.path as osp
import pickle
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from bmc_mmpose.geometry.skeleton import FREIHAND_TO_MANO, FREIHAND_TO_RHD, NUM_JOINTS

PathLike = Union[str, Path]

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


# --------------------------------------------------------------------------------------------------------------
# Synthetic annotations
# --------------------------------------------------------------------------------------------------------------
def _random_rotation(rng: np.random.RandomState, max_angle_deg: float) -> np.ndarray:
    axis = rng.randn(3)
    axis /= np.linalg.norm(axis)
    angle = np.deg2rad(rng.uniform(-max_angle_deg, max_angle_deg))
    skew = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(angle) * skew + (1 - np.cos(angle)) * skew @ skew


def make_intrinsics(focal: Union[float, Tuple[float, float]], image_size: Tuple[int, int]) -> np.ndarray:
    """(3, 3) K with focal (fx, fy) (or fx = fy) and the principal point at the image centre (w/2, h/2)."""
    fx, fy = (focal, focal) if np.isscalar(focal) else focal
    return np.array([[fx, 0., image_size[0] / 2.], [0., fy, image_size[1] / 2.], [0., 0., 1.]])


def project(points_3d: np.ndarray, cam_K: np.ndarray) -> np.ndarray:
    """(J, 3) camera-frame points -> (J, 2) pixels."""
    homog = np.asarray(points_3d, np.float64) @ np.asarray(cam_K, np.float64).T
    return homog[:, :2] / homog[:, 2:3]


def random_right_hand_mm(rng: np.random.RandomState, cam_K: np.ndarray, image_size: Tuple[int, int],
                         depth_range: Tuple[float, float] = (400., 700.), max_rotation_deg: float = 60.,
                         margin: float = 10.) -> np.ndarray:
    """A plausible right hand (21, 3) mm, FreiHAND order, OpenCV frame, whose projection lies inside the image.

    Args:
        rng: random state.
        cam_K: (3, 3) intrinsics.
        image_size: (w, h).
        depth_range: wrist depth range, mm.
        max_rotation_deg: max rotation of the template.
        margin: keep the projection this many pixels inside the image.

    Returns:
        np.ndarray: (21, 3) float64, mm.
    """
    w, h = image_size
    for _ in range(1000):
        scale = rng.uniform(0.85, 1.15)
        joints = (TEMPLATE_RIGHT_HAND_MM * scale) @ _random_rotation(rng, max_rotation_deg).T
        joints -= joints.mean(0)
        depth = rng.uniform(*depth_range)
        centre_uv = np.array([rng.uniform(0.35, 0.65) * w, rng.uniform(0.35, 0.65) * h, 1.])
        joints += depth * (np.linalg.inv(cam_K) @ centre_uv)
        uv = project(joints, cam_K)
        if np.all(joints[:, 2] > 50) and uv.min() > margin and np.all(uv.max(0) < np.array([w, h]) - margin):
            return joints
    raise RuntimeError('could not place a synthetic hand inside the image; use a smaller depth or a larger image')


def random_image(rng: np.random.RandomState, image_size: Tuple[int, int]) -> np.ndarray:
    """A (h, w, 3) uint8 BGR image with smooth random colour blobs (compresses well, not constant)."""
    w, h = image_size
    small = rng.randint(0, 256, size=(max(h // 16, 2), max(w // 16, 2), 3)).astype(np.uint8)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def write_image(path: PathLike, image: np.ndarray, jpeg_quality: int = 95):
    """Write an image with cv2 (png or jpg by extension), creating the folder."""
    os.makedirs(osp.dirname(str(path)), exist_ok=True)
    params = [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality] if str(path).endswith('.jpg') else []
    if not cv2.imwrite(str(path), image, params):
        raise IOError(f'cv2.imwrite failed for {path}')


# --------------------------------------------------------------------------------------------------------------
# RHD
# --------------------------------------------------------------------------------------------------------------
def to_rhd_hand(xyz_mm: np.ndarray, uv: np.ndarray, visible: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """One hand in FreiHAND order (mm) -> RHD order: xyz (21, 3) metres and uv_vis (21, 3)."""
    perm = list(FREIHAND_TO_RHD)
    xyz = np.asarray(xyz_mm, np.float64)[perm] / 1000.
    uv_vis = np.concatenate([np.asarray(uv, np.float64), np.asarray(visible, np.float64)[:, None]], 1)[perm]
    return xyz, uv_vis


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
        hands[side] = to_rhd_hand(joints, project(joints, cam_K), visible)
    xyz = np.concatenate([hands['left'][0], hands['right'][0]])
    uv_vis = np.concatenate([hands['left'][1], hands['right'][1]])
    return dict(xyz=xyz.astype(np.float32), uv_vis=uv_vis.astype(np.float32), K=cam_K.astype(np.float32))


def write_rhd(root: PathLike, split: str, annotations: Dict[int, Dict], images: Optional[Dict[int, np.ndarray]] = None,
              masks: Optional[Dict[int, np.ndarray]] = None, image_size: int = 320, seed: int = 0) -> str:
    """Write an RHD split: ``anno_<split>.pickle``, ``color/%05d.png`` (random images unless given), masks.

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
    rng = np.random.RandomState(seed)
    split_dir = osp.join(str(root), split)
    os.makedirs(split_dir, exist_ok=True)
    ann_path = osp.join(split_dir, f'anno_{split}.pickle')
    with open(ann_path, 'wb') as f:
        pickle.dump({int(k): v for k, v in annotations.items()}, f)
    for sample_id in annotations:
        image = images[sample_id] if images is not None else random_image(rng, (image_size, image_size))
        write_image(osp.join(split_dir, 'color', '%05d.png' % sample_id), image)
        if masks is not None and sample_id in masks:
            write_image(osp.join(split_dir, 'mask', '%05d.png' % sample_id), masks[sample_id])
    return ann_path


def write_synthetic_rhd(root: PathLike, split: str = 'training', num_samples: int = 6, seed: int = 0,
                        image_size: int = 320) -> Dict[int, Dict]:
    """Write ``num_samples`` synthetic RHD samples, alternating the dominant hand (even ids right, odd left)."""
    rng = np.random.RandomState(seed)
    annotations = {i: make_rhd_annotation(rng, 'right' if i % 2 == 0 else 'left', image_size)
                   for i in range(num_samples)}
    write_rhd(root, split, annotations, image_size=image_size, seed=seed)
    return annotations


# --------------------------------------------------------------------------------------------------------------
# FreiHAND
# --------------------------------------------------------------------------------------------------------------
def _dump_json(path: str, data):
    with open(path, 'w') as f:
        json.dump(data, f)


def write_freihand(root: PathLike, xyz_m: Optional[np.ndarray], cam_K: np.ndarray, split: str = 'training',
                   num_versions: int = 4, images: Optional[Dict[int, np.ndarray]] = None,
                   scale_m: Optional[np.ndarray] = None, write_scale: bool = True, image_size: int = 224,
                   seed: int = 0):
    """Write a FreiHAND split in the original format.

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
    root = str(root)
    os.makedirs(root, exist_ok=True)
    cam_K = np.asarray(cam_K, np.float64)
    num = len(cam_K)
    _dump_json(osp.join(root, f'{split}_K.json'), cam_K.tolist())
    if xyz_m is not None:
        _dump_json(osp.join(root, f'{split}_xyz.json'), np.asarray(xyz_m, np.float64).tolist())
    if write_scale:
        if scale_m is None and xyz_m is None:
            raise ValueError('write_freihand: scale_m is required when xyz_m is None and write_scale is True')
        if scale_m is None:
            scale_m = np.linalg.norm(np.asarray(xyz_m)[:, 10] - np.asarray(xyz_m)[:, 9], axis=-1)
        _dump_json(osp.join(root, f'{split}_scale.json'), [float(s) for s in scale_m])
    for version in range(num_versions):
        for idx in range(num):
            img_id = idx + num * version
            image = images[img_id] if images is not None and img_id in images else \
                random_image(rng, (image_size, image_size))
            write_image(osp.join(root, split, 'rgb', '%08d.jpg' % img_id), image)


def write_synthetic_freihand(root: PathLike, num_unique: int = 5, num_versions: int = 4, seed: int = 0,
                             image_size: int = 224, evaluation: bool = False,
                             eval_with_xyz: bool = True) -> Tuple[np.ndarray, np.ndarray]:
    """Write a synthetic FreiHAND training (or evaluation) split; returns (xyz (N, 21, 3) mm, K (N, 3, 3))."""
    rng = np.random.RandomState(seed)
    cam_K = np.stack([make_intrinsics((rng.uniform(400, 700),) * 2, (image_size, image_size))
                      for _ in range(num_unique)])
    xyz_mm = np.stack([random_right_hand_mm(rng, k, (image_size, image_size), (500., 800.)) for k in cam_K])
    split = 'evaluation' if evaluation else 'training'
    write_freihand(root, xyz_mm / 1000. if (not evaluation or eval_with_xyz) else None, cam_K, split,
                   1 if evaluation else num_versions,
                   scale_m=np.linalg.norm(xyz_mm[:, 10] - xyz_mm[:, 9], axis=-1) / 1000., image_size=image_size,
                   seed=seed)
    return xyz_mm, cam_K


# --------------------------------------------------------------------------------------------------------------
# HO-3D
# --------------------------------------------------------------------------------------------------------------
def to_ho3d_joints(xyz_mm: np.ndarray) -> np.ndarray:
    """Internal (21, 3) mm OpenCV FreiHAND order -> HO-3D ``handJoints3D`` (21, 3) m, OpenGL, MANO order."""
    return (np.asarray(xyz_mm, np.float64) * np.array([1., -1., -1.]) / 1000.)[list(FREIHAND_TO_MANO)]


def make_ho3d_train_meta(xyz_mm: np.ndarray, cam_K: np.ndarray) -> Dict:
    """An HO-3D training ``meta/<fid>.pkl`` dict (with the object keys present but not used by the loader)."""
    return dict(handJoints3D=to_ho3d_joints(xyz_mm).astype(np.float32), camMat=np.asarray(cam_K, np.float32),
                handPose=np.zeros(48, np.float32), handTrans=np.zeros(3, np.float32),
                handBeta=np.zeros(10, np.float32), objRot=np.zeros((3, 1), np.float32),
                objTrans=np.zeros((3, 1), np.float32), objName='003_cracker_box', objLabel=1,
                objCorners3D=np.zeros((8, 3), np.float32), objCorners3DRest=np.zeros((8, 3), np.float32),
                camIDList=['0'])


def make_ho3d_eval_meta(xyz_mm: np.ndarray, cam_K: np.ndarray, bbox_pad: float = 10.) -> Dict:
    """An HO-3D evaluation meta dict: root joint (3,) m OpenGL, ``handBoundingBox`` [x1, y1, x2, y2], camMat."""
    uv = project(xyz_mm, cam_K)
    box = np.concatenate([uv.min(0) - bbox_pad, uv.max(0) + bbox_pad])
    root = (np.asarray(xyz_mm[0], np.float64) * np.array([1., -1., -1.]) / 1000.)
    return dict(handJoints3D=root.astype(np.float32), handBoundingBox=box.astype(np.float32).tolist(),
                camMat=np.asarray(cam_K, np.float32), objRot=np.zeros((3, 1), np.float32),
                objTrans=np.zeros((3, 1), np.float32), objName='003_cracker_box', objLabel=1,
                objCorners3D=np.zeros((8, 3), np.float32))


def none_ho3d_meta() -> Dict:
    """An HO-3D meta dict of a frame without annotation (fields are None)."""
    return dict(handJoints3D=None, camMat=None, handPose=None, handTrans=None, handBeta=None, objRot=None,
                objTrans=None, objName=None)


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
    root = str(root)
    for seq, fid, meta in frames:
        meta_path = osp.join(root, split, seq, 'meta', fid + '.pkl')
        os.makedirs(osp.dirname(meta_path), exist_ok=True)
        with open(meta_path, 'wb') as f:
            pickle.dump(meta, f, protocol=2)
        write_image(osp.join(root, split, seq, 'rgb', fid + image_ext), random_image(rng, image_size))
    lines = split_lines if split_lines is not None else [f'{seq}/{fid}' for seq, fid, _ in frames]
    with open(osp.join(root, f'{split}.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    if eval_xyz_m is not None:
        _dump_json(osp.join(root, 'evaluation_xyz.json'), np.asarray(eval_xyz_m, np.float64).tolist())


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
            meta, xyz = none_ho3d_meta(), None
        elif split == 'train':
            meta = make_ho3d_train_meta(xyz, cam_K)
        else:
            meta = make_ho3d_eval_meta(xyz, cam_K)
        frames.append((seq, '%04d' % i, meta))
        joints.append(xyz)
        cams.append(cam_K)
    eval_xyz = None
    if with_eval_xyz:
        eval_xyz = np.stack([to_ho3d_joints(x) if x is not None else np.zeros((21, 3)) for x in joints])
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
        hand = xyz_mm / 1000.
        uv_vis = np.concatenate([kpts[:, :2], (kpts[:, 2:] > 0).astype(np.float64)], 1)
        other_xyz = hand.copy()
        other_xyz[:, 0] = -other_xyz[:, 0]
        other_uv = np.concatenate([project(other_xyz, cam_K), np.zeros((NUM_JOINTS, 1))], 1)
        if ann['hand_type'] == 'left':
            xyz42, uv42 = np.concatenate([hand, other_xyz]), np.concatenate([uv_vis, other_uv])
        else:
            xyz42, uv42 = np.concatenate([other_xyz, hand]), np.concatenate([other_uv, uv_vis])
        sample_id = int(img['id'])
        annotations[sample_id] = dict(xyz=xyz42.astype(np.float32), uv_vis=uv42.astype(np.float32),
                                      K=cam_K.astype(np.float32))
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
        rays = np.concatenate([uv, np.ones((NUM_JOINTS, 1))], 1) @ np.linalg.inv(cam_K).T
        xyz_m.append(rays * depth[:, None] / 1000.)
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
