# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Detected 2D hand keypoints with confidences: readers (OpenPose JSON, plain JSON) and a writer (plain JSON).

Two on-disk formats are read by :func:`load_detections`:

**OpenPose hand JSON** (what S2HAND used; ``openpose --hand --write_json DIR``): one file per image,
``<image stem>_keypoints.json``, holding ``{"version": ..., "people": [{"hand_right_keypoints_2d": [x, y, c] * 21,
"hand_left_keypoints_2d": [x, y, c] * 21, ...}, ...]}``. The path given may be that folder (every ``*.json``
below it, recursively; the key of a file is its path relative to the folder without ``_keypoints.json``, i.e. the
image path without extension) or a single such file. Coordinates must be in image pixels (OpenPose's default
``--keypoint_scale 0``). OpenPose's 21 hand keypoints are wrist, then thumb, index, middle, ring and little finger,
each base to tip -- the order of the CMU Panoptic hand dataset it was trained on, which is FreiHAND's order
(``bmc_mmpose.geometry.skeleton``), so no permutation is applied. Undetected joints are written as ``0, 0, 0``
(confidence 0). With several people in a frame the hand of each side with the highest summed confidence is kept.

**Plain JSON** (``format = "bmc_mmpose.detections/v1"``)::

    {
      "format": "bmc_mmpose.detections/v1",
      "keypoint_order": "freihand",            # or "rhd" / "mano" (converted to FreiHAND order on load)
      "images": {
        "<image path relative to the dataset/image root, or a sample id>": {
          "keypoints": [[u, v, conf], ...],     # 21 entries, original-image pixels; [u, v] means conf 1;
                                                # null marks a missing joint (weight 0)
          "hand": "right",                      # "right" (default) or "left": the hand as seen in the image
          "image_size": [W, H]                  # optional; needed to mirror left hands before LoadImage runs
        },
        "<another image>": [ {...right hand...}, {...left hand...} ]   # several hands: a list of such dicts
      }
    }

Coordinates are always those of the image as stored on disk (a left hand is *not* mirrored in the file); the
consumers mirror (``u -> W - 1 - u``) when they turn a left hand into the internal right hand.

Weights: a joint's supervision weight is its confidence, and 0 when the joint is missing (null, non-finite or
confidence 0) or its confidence is below ``min_confidence`` (:meth:`HandDetection.weights`).
"""
import json
import os
import os.path as osp
from dataclasses import dataclass
from pathlib import Path
from typing import Container, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from bmc_mmpose.geometry.camera_numpy import mirror_keypoints_2d
from bmc_mmpose.geometry.skeleton import MANO_TO_FREIHAND, NUM_JOINTS, RHD_TO_FREIHAND

PLAIN_FORMAT = 'bmc_mmpose.detections/v1'
HAND_SIDES = ('right', 'left')
#: ``ours = theirs[PERM]`` for the keypoint orders the plain format accepts ("openpose" is FreiHAND's order).
KEYPOINT_ORDERS: Dict[str, Tuple[int, ...]] = {
    'freihand': tuple(range(NUM_JOINTS)),
    'openpose': tuple(range(NUM_JOINTS)),
    'rhd': RHD_TO_FREIHAND,
    'mano': MANO_TO_FREIHAND,
}
_OPENPOSE_FIELDS = {'right': 'hand_right_keypoints_2d', 'left': 'hand_left_keypoints_2d'}
_OPENPOSE_SUFFIX = '_keypoints.json'


@dataclass(frozen=True)
class HandDetection:
    """One detected hand.

    Attributes:
        keypoints (np.ndarray): (21, 2) float32 image pixels, FreiHAND order, image as stored (not mirrored);
            NaN for missing joints.
        confidence (np.ndarray): (21,) float32 detector confidences (0 for missing joints).
        hand (str): ``'right'`` or ``'left'`` (as seen in the image).
        image_size (tuple[int, int], optional): ``(W, H)`` of the image when the file gives it.
    """

    keypoints: np.ndarray
    confidence: np.ndarray
    hand: str = 'right'
    image_size: Optional[Tuple[int, int]] = None

    def weights(self, min_confidence: float = 0.0) -> np.ndarray:
        """Per-joint supervision weights (21,) float32: the confidence, 0 if missing or below ``min_confidence``."""
        valid = np.isfinite(self.keypoints).all(-1) & (self.confidence > 0) & (self.confidence >= min_confidence)
        return np.where(valid, self.confidence, 0.0).astype(np.float32)

    def keypoints_filled(self) -> np.ndarray:
        """(21, 2) float32 keypoints with missing joints set to 0 (the contract's 'zeros if unknown')."""
        return np.nan_to_num(self.keypoints, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)

    def total_confidence(self) -> float:
        return float(np.where(np.isfinite(self.keypoints).all(-1), self.confidence, 0.0).sum())

    def mirrored(self, width: int) -> np.ndarray:
        """(21, 2) float32 keypoints of the horizontally flipped image (``u -> W - 1 - u``), missing -> 0."""
        kpts = self.keypoints_filled().astype(np.float64)
        valid = np.isfinite(self.keypoints).all(-1)
        kpts[valid] = mirror_keypoints_2d(kpts[valid], width)
        return kpts.astype(np.float32)


def _normalize_key(key: str) -> str:
    key = str(key).replace('\\', '/')
    while key.startswith('./'):
        key = key[2:]
    return key


def path_key_candidates(img_path: str, image_root: Optional[str] = None) -> List[str]:
    """Keys an image may be filed under, most specific first.

    With ``image_root``: the path relative to it, then the same without extension. Without: the whole path, every
    trailing part of it (whole path components, longest first), then those without the file extension (OpenPose
    names its files after the image stem).
    """
    path = _normalize_key(str(img_path))
    if image_root is not None:
        rel = _normalize_key(osp.relpath(osp.abspath(path), osp.abspath(str(image_root))))
        return [rel, osp.splitext(rel)[0]]
    parts = [p for p in path.split('/') if p]
    suffixes = ['/'.join(parts[i:]) for i in range(len(parts))]
    return [path] + suffixes + [osp.splitext(s)[0] for s in suffixes]


def find_path_key(keys: Container[str], img_path: Union[str, int], image_root: Optional[str] = None) -> Optional[str]:
    """The key of ``keys`` an image is filed under, or None.

    With ``image_root`` the key must be the path relative to it (with or without extension). Without it the
    longest suffix of ``img_path`` (whole path components) that is a key wins, then the same without the
    file extension (OpenPose keys). Integers (sample ids) are looked up as strings.
    """
    if isinstance(img_path, (int, np.integer)):
        key = str(int(img_path))
        return key if key in keys else None
    for key in path_key_candidates(str(img_path), image_root):
        if key in keys:
            return key
    return None


class HandDetections:
    """Detections of a set of images: ``key -> {hand side: HandDetection}``.

    Keys are image paths relative to some root (any suffix of the real path matches, see :meth:`find_key`), image
    paths without extension (OpenPose file names) or sample ids.

    Args:
        entries (dict): ``{key: {'right': HandDetection, 'left': HandDetection}}`` (either side optional).
        source (str): file or folder they came from (for error messages).
    """

    def __init__(self, entries: Mapping[str, Mapping[str, HandDetection]], source: str = '<memory>'):
        self.source = str(source)
        self._entries: Dict[str, Dict[str, HandDetection]] = {}
        for key, sides in entries.items():
            self._entries[_normalize_key(key)] = dict(sides)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: str) -> bool:
        return _normalize_key(key) in self._entries

    def keys(self) -> List[str]:
        return list(self._entries)

    def sides(self, key: str) -> Dict[str, HandDetection]:
        """``{side: HandDetection}`` of an exact key (KeyError naming the source if absent)."""
        try:
            return self._entries[_normalize_key(key)]
        except KeyError:
            raise KeyError(f'{self.source}: no detections for {key!r}') from None

    def find_key(self, img_path: Union[str, int], image_root: Optional[str] = None) -> Optional[str]:
        """The entry key of an image, or None (:func:`find_path_key`)."""
        return find_path_key(self._entries, img_path, image_root)

    def get(self, key: str, hand: Optional[str] = None) -> Optional[HandDetection]:
        """Detection of ``key`` for ``hand`` (``'right'``/``'left'``), or the most confident side for None."""
        sides = self._entries.get(_normalize_key(key))
        if not sides:
            return None
        if hand is not None:
            return sides.get(hand)
        return max(sides.values(), key=lambda det: det.total_confidence())

    def save(self, path: Union[str, Path]) -> Path:
        """Write these detections in the plain format (see the module docstring)."""
        images = {}
        for key, sides in self._entries.items():
            hands = [_plain_entry(det) for det in sides.values()]
            images[key] = hands[0] if len(hands) == 1 else hands
        return _dump(path, images)


# ------------------------------------------------------------------------------------------------------------
# reading
# ------------------------------------------------------------------------------------------------------------
def _parse_triplets(values, source: str, what: str, order: Sequence[int]) -> Tuple[np.ndarray, np.ndarray]:
    """``[[u, v, c] | [u, v] | null] * 21`` or a flat ``[u, v, c] * 21`` -> (21, 2) keypoints, (21,) confidence."""
    if not isinstance(values, (list, tuple)):
        raise ValueError(f'{source}: {what} must be a list of {NUM_JOINTS} [u, v, conf] entries, got '
                         f'{type(values).__name__}')
    if len(values) == 3 * NUM_JOINTS and all(not isinstance(v, (list, tuple)) for v in values):
        values = [values[3 * i:3 * i + 3] for i in range(NUM_JOINTS)]
    if len(values) != NUM_JOINTS:
        raise ValueError(f'{source}: {what} has {len(values)} entries, expected {NUM_JOINTS} (or a flat list of '
                         f'{3 * NUM_JOINTS} numbers)')
    kpts = np.full((NUM_JOINTS, 2), np.nan)
    conf = np.zeros(NUM_JOINTS)
    for j, entry in enumerate(values):
        if entry is None:
            continue
        if not isinstance(entry, (list, tuple)) or len(entry) not in (2, 3):
            raise ValueError(f'{source}: {what}[{j}] must be [u, v, conf], [u, v] or null, got {entry!r}')
        if any(e is None for e in entry):
            continue
        try:
            row = np.asarray(entry, np.float64)
        except (TypeError, ValueError):
            raise ValueError(f'{source}: {what}[{j}] is not numeric: {entry!r}') from None
        if not np.all(np.isfinite(row)):
            continue
        c = row[2] if row.size == 3 else 1.0
        if c < 0:
            raise ValueError(f'{source}: {what}[{j}] has a negative confidence {c}; expected values >= 0')
        kpts[j], conf[j] = row[:2], c
    perm = list(order)
    return kpts[perm].astype(np.float32), conf[perm].astype(np.float32)


def _image_size(value, source: str) -> Optional[Tuple[int, int]]:
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or len(value) != 2 or not all(
            isinstance(v, (int, float)) and v > 0 for v in value):
        raise ValueError(f'{source}: image_size must be [W, H] with positive numbers, got {value!r}')
    return int(value[0]), int(value[1])


def _parse_plain(data: dict, source: str) -> HandDetections:
    order_name = data.get('keypoint_order', 'freihand')
    if order_name not in KEYPOINT_ORDERS:
        raise ValueError(f'{source}: keypoint_order must be one of {sorted(KEYPOINT_ORDERS)}, got {order_name!r}')
    images = data.get('images')
    if not isinstance(images, dict):
        raise KeyError(f'{source}: missing or invalid "images" (expected a dict image key -> '
                       '{"keypoints": [[u, v, conf]] * 21, "hand": "right"})')
    entries: Dict[str, Dict[str, HandDetection]] = {}
    for key, value in images.items():
        hands = value if isinstance(value, list) else [value]
        sides: Dict[str, HandDetection] = {}
        for i, hand in enumerate(hands):
            where = f'{source}: images[{key!r}]' + (f'[{i}]' if isinstance(value, list) else '')
            if not isinstance(hand, dict) or 'keypoints' not in hand:
                raise KeyError(f'{where}: expected a dict with "keypoints" (21 x [u, v, conf]) and "hand", got '
                               f'{hand if not isinstance(hand, dict) else sorted(hand)}')
            side = hand.get('hand', 'right')
            if side not in HAND_SIDES:
                raise ValueError(f'{where}: "hand" must be one of {HAND_SIDES}, got {side!r}')
            if side in sides:
                raise ValueError(f'{where}: two {side} hands for one image; keep one per side')
            kpts, conf = _parse_triplets(hand['keypoints'], where, 'keypoints', KEYPOINT_ORDERS[order_name])
            sides[side] = HandDetection(kpts, conf, side, _image_size(hand.get('image_size'), where))
        entries[str(key)] = sides
    return HandDetections(entries, source)


def _parse_openpose_frame(data: dict, source: str) -> Dict[str, HandDetection]:
    people = data.get('people')
    if not isinstance(people, list):
        raise KeyError(f'{source}: an OpenPose file needs a "people" list, found keys {sorted(data)}')
    sides: Dict[str, HandDetection] = {}
    for side, field in _OPENPOSE_FIELDS.items():
        best = None
        for p, person in enumerate(people):
            values = person.get(field) if isinstance(person, dict) else None
            if not values:  # absent or [] (OpenPose run without --hand)
                continue
            kpts, conf = _parse_triplets(values, source, f'people[{p}].{field}', KEYPOINT_ORDERS['openpose'])
            # OpenPose marks undetected joints as (0, 0, 0).
            missing = conf <= 0
            kpts[missing] = np.nan
            det = HandDetection(kpts, conf, side)
            if det.total_confidence() > 0 and (best is None or det.total_confidence() > best.total_confidence()):
                best = det
        if best is not None:
            sides[side] = best
    return sides


def _openpose_key(rel_path: str) -> str:
    rel_path = _normalize_key(rel_path)
    if rel_path.endswith(_OPENPOSE_SUFFIX):
        return rel_path[:-len(_OPENPOSE_SUFFIX)]
    return osp.splitext(rel_path)[0]


def _read_json(path: str):
    try:
        with open(path, 'r') as f:
            return json.load(f)
    except json.JSONDecodeError as err:
        raise ValueError(f'{path}: not valid JSON ({err})') from err


def load_detections(path: Union[str, Path]) -> HandDetections:
    """Read a detections file or an OpenPose output folder (formats in the module docstring).

    Args:
        path (str | Path): a plain-format JSON file, a single OpenPose JSON file, or a folder of OpenPose
            ``*_keypoints.json`` files.

    Returns:
        HandDetections: keyed by image key (see the module docstring), FreiHAND order, image pixels.
    """
    path = str(path)
    if osp.isdir(path):
        entries = {}
        for root, _, files in os.walk(path):
            for name in sorted(files):
                if not name.endswith('.json'):
                    continue
                full = osp.join(root, name)
                data = _read_json(full)
                if not isinstance(data, dict) or 'people' not in data:
                    raise ValueError(f'{full}: expected an OpenPose JSON file ({{"people": [...]}}) in the '
                                     f'OpenPose output folder {path}')
                entries[_openpose_key(osp.relpath(full, path))] = _parse_openpose_frame(data, full)
        if not entries:
            raise FileNotFoundError(f'{path}: no *.json file found; expected OpenPose output '
                                    '(<image stem>_keypoints.json per image)')
        return HandDetections(entries, path)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} does not exist; expected a detections file ("format": "{PLAIN_FORMAT}") '
                                'or OpenPose JSON output')
    data = _read_json(path)
    if isinstance(data, dict) and data.get('format') == PLAIN_FORMAT:
        return _parse_plain(data, path)
    if isinstance(data, dict) and 'people' in data:
        return HandDetections({_openpose_key(osp.basename(path)): _parse_openpose_frame(data, path)}, path)
    found = data.get('format') if isinstance(data, dict) else type(data).__name__
    raise ValueError(f'{path}: unknown detections format ({found!r}); expected a dict with "format": '
                     f'"{PLAIN_FORMAT}" or an OpenPose frame with "people"')


# ------------------------------------------------------------------------------------------------------------
# writing
# ------------------------------------------------------------------------------------------------------------
def _plain_entry(det: HandDetection) -> dict:
    rows = []
    for (u, v), c in zip(det.keypoints.astype(np.float64), det.confidence.astype(np.float64)):
        missing = not (np.isfinite(u) and np.isfinite(v))
        rows.append(None if missing else [round(float(u), 3), round(float(v), 3), round(float(c), 5)])
    entry = dict(keypoints=rows, hand=det.hand)
    if det.image_size is not None:
        entry['image_size'] = [int(det.image_size[0]), int(det.image_size[1])]
    return entry


def _dump(path: Union[str, Path], images: dict) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, 'w') as f:
        json.dump(dict(format=PLAIN_FORMAT, keypoint_order='freihand', images=images), f)
    return path


def write_detections(path: Union[str, Path],
                     keys: Sequence[str],
                     keypoints: np.ndarray,
                     confidence: np.ndarray,
                     hands: Optional[Union[str, Sequence[str]]] = 'right',
                     image_sizes: Optional[Sequence[Optional[Tuple[int, int]]]] = None) -> Path:
    """Write detections in the plain format.

    Args:
        path (str | Path): output JSON file (folders are created).
        keys (Sequence[str]): N image keys (relative image paths or sample ids), one per hand; a key may repeat
            once with the other hand side.
        keypoints (np.ndarray): (N, 21, 2) image pixels, FreiHAND order (image as stored, not mirrored); NaN marks
            a missing joint (written as null).
        confidence (np.ndarray): (N, 21) confidences >= 0; a joint with confidence 0 is written as missing.
        hands (str | Sequence[str]): ``'right'``/``'left'`` for all, or one per hand.
        image_sizes (Sequence, optional): N ``(W, H)`` or None.

    Returns:
        Path: the file written.
    """
    keypoints = np.asarray(keypoints, np.float64)
    confidence = np.asarray(confidence, np.float64)
    num = len(keys)
    if keypoints.shape != (num, NUM_JOINTS, 2) or confidence.shape != (num, NUM_JOINTS):
        raise ValueError(f'write_detections: expected keypoints ({num}, {NUM_JOINTS}, 2) and confidence '
                         f'({num}, {NUM_JOINTS}) for {num} keys, got {keypoints.shape} and {confidence.shape}')
    if np.any(confidence < 0) or not np.all(np.isfinite(confidence)):
        raise ValueError('write_detections: confidences must be finite and >= 0')
    sides = [hands] * num if isinstance(hands, str) or hands is None else list(hands)
    if len(sides) != num or any(s not in HAND_SIDES for s in sides):
        raise ValueError(f'write_detections: hands must be one of {HAND_SIDES} or {num} of them, got {hands!r}')
    sizes = list(image_sizes) if image_sizes is not None else [None] * num
    if len(sizes) != num:
        raise ValueError(f'write_detections: {len(sizes)} image_sizes for {num} keys')
    entries: Dict[str, Dict[str, HandDetection]] = {}
    for key, kpts, conf, side, size in zip(keys, keypoints, confidence, sides, sizes):
        kpts = np.where((conf > 0)[:, None], kpts, np.nan)
        sides_of_key = entries.setdefault(_normalize_key(str(key)), {})
        if side in sides_of_key:
            raise ValueError(f'write_detections: two {side} hands for key {key!r}')
        sides_of_key[side] = HandDetection(kpts.astype(np.float32), conf.astype(np.float32), side,
                                           None if size is None else (int(size[0]), int(size[1])))
    return HandDetections(entries).save(path)


def iter_detections(detections: HandDetections) -> Iterable[Tuple[str, HandDetection]]:
    """``(key, detection)`` for every hand, keys in insertion order."""
    for key in detections.keys():
        for det in detections.sides(key).values():
            yield key, det
