# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Lifted 3D hands (``tools/inference/lift_keypoints.py``'s output): writer, reader, and pseudo-label confidence.

Format ``bmc_mmpose.lifted/v1``::

    {"format": "bmc_mmpose.lifted/v1", "ref_bone_mm": 40.0, "joint_order": "freihand", ...  (provenance fields),
     "images": {key: {"right": {"keypoints_3d_mm": 21 x [x, y, z], "keypoints_3d_norm": 21 x [x, y, z],
                                "keypoints_2d": 21 x [u, v], "input_confidence": [21], "z_root_mm": float,
                                "joint_angles_rad": 15 x [flexion, abduction],
                                "plausibility": {"plausible": bool, "loss_bl": .., "loss_rb": .., "loss_a": ..,
                                                 "bones_out": int, "palm_pairs_out": int, "angles_out": int},
                                "bmc_residual": float},   # only when the lifting refined the hand with BMC
                      "left": {...}}},
     "skipped": [{"key": .., "hand": .., "reason": ..}]}

Keys are image paths relative to the image / dataset root (or sample ids), as in the detections format
(``bmc_mmpose.datasets.detections``), and every coordinate is in the camera frame of the image *as stored*: a left
hand is not mirrored in the file (the consumers mirror, ``x -> -x``, when they turn it into the internal right
hand). ``keypoints_3d_mm`` is ``keypoints_3d_norm`` (reference-bone units: the middle MCP -> PIP bone is 1) times
``ref_bone_mm``: depth from one view is known only up to that scale. Joint order FreiHAND.

Used as 3D pseudo-labels by ``LoadLiftedKeypoints3D``: a lifter trained with 3D labels of one domain lifts (and
BMC-refines, ``model.test_cfg.bmc_refine``) the 2D labels of another, and a second training uses the lifted hands as
that domain's 3D labels, weighted by :func:`bmc_residual_confidence` of their ``bmc_residual``: the L_BMC each hand
keeps after refinement, under the refinement's own loss (``Hand25DHead.bmc_residual``, as the lifting proxy weights
its pseudo-labels).
"""
import json
from pathlib import Path
from typing import Dict, Iterable, Mapping, Optional, Tuple, Union

import numpy as np
import torch

from bmc_mmpose.geometry.skeleton import NUM_JOINTS

from .detections import HAND_SIDES, _normalize_key, find_path_key

LIFTED_FORMAT = 'bmc_mmpose.lifted/v1'
#: how pseudo-labels are weighted: all 1, or by :func:`bmc_residual_confidence` of each hand's ``bmc_residual``
PSEUDO_LABEL_WEIGHTINGS = ('none', 'bmc_residual')


def bmc_residual_confidence(residual: torch.Tensor) -> torch.Tensor:
    """Confidence of BMC-refined pseudo-labels from the L_BMC each hand keeps after its refinement.

    A hand that the refinement could not make plausible was lifted badly (on the lifting proxy's validation split
    the residual is the label-free signal that ranks refined hands by their 3D error best,
    ``docs/results/lifting_proxy.md``). The weight is ``m / (m + r)`` with ``m`` the median residual of the set
    (the smallest positive residual when more than half are 0): 1 for a plausible hand, 1/2 at the median, no
    parameter; then divided by its mean, so that the set keeps its total weight against 3D-labelled data. Only
    the ratios of the residuals matter (a common scale of the loss's term weights cancels).

    Args:
        residual: ``(N,)`` per-hand L_BMC (finite, >= 0) after refinement.

    Returns:
        ``(N,)`` weights with mean 1 (all 1 when every residual is 0).
    """
    if residual.dim() != 1 or residual.numel() == 0:
        raise ValueError(f'bmc_residual_confidence: expected a non-empty (N,) residual, got {tuple(residual.shape)}')
    if not bool(torch.isfinite(residual).all()) or bool((residual < 0).any()):
        raise ValueError('bmc_residual_confidence: residuals must be finite and >= 0')
    positive = residual[residual > 0]
    if positive.numel() == 0:
        return torch.ones_like(residual)
    median = residual.median()
    scale = median if median > 0 else positive.min()
    weight = scale / (scale + residual)
    return weight / weight.mean()


def write_lifted(path: Union[str, Path], images: Mapping[str, Mapping[str, dict]], **meta) -> Path:
    """Write lifted hands (``images``: key -> side -> hand entry, see the module docstring); ``meta`` (e.g.
    ``ref_bone_mm``, required, and provenance such as ``config``) goes to the top level."""
    if not meta.get('ref_bone_mm', 0) > 0:
        raise ValueError(f'write_lifted: ref_bone_mm must be > 0, got {meta.get("ref_bone_mm")!r}')
    for key, sides in images.items():
        bad = set(sides) - set(HAND_SIDES)
        if bad:
            raise ValueError(f'write_lifted: key {key!r} has sides {sorted(bad)}; expected {HAND_SIDES}')
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, 'w') as f:
        json.dump(dict(format=LIFTED_FORMAT, joint_order='freihand', **meta,
                       images={_normalize_key(k): dict(v) for k, v in images.items()}), f)
    return path


class LiftedHands:
    """Lifted hands of one file, looked up by image key and side (see the module docstring)."""

    def __init__(self, images: Mapping[str, Mapping[str, dict]], ref_bone_mm: float, source: str = '<memory>'):
        self.source = source
        self.ref_bone_mm = float(ref_bone_mm)
        self._images = {_normalize_key(k): dict(v) for k, v in images.items()}

    def __len__(self) -> int:
        return sum(len(sides) for sides in self._images.values())

    def hands(self) -> Iterable[Tuple[str, str, dict]]:
        """``(key, side, entry)`` of every hand, in file order."""
        for key, sides in self._images.items():
            for side, entry in sides.items():
                yield key, side, entry

    def find_key(self, img_path: Union[str, int], image_root: Optional[str] = None) -> Optional[str]:
        """The key of an image, or None (``find_path_key``: relative path, trailing part, or sample id)."""
        return find_path_key(self._images, img_path, image_root)

    def get(self, key: str, side: str) -> Optional[dict]:
        return self._images.get(_normalize_key(key), {}).get(side)

    def joints_mm(self, key: str, side: str) -> np.ndarray:
        """``(21, 3)`` float64 mm, camera frame of the image as stored."""
        return _joints(self.get(key, side), f'{self.source}: images[{key!r}][{side!r}]')


def _joints(entry: Optional[dict], where: str) -> np.ndarray:
    if entry is None:
        raise KeyError(f'{where}: no such hand')
    if 'keypoints_3d_mm' not in entry:
        raise KeyError(f'{where}: no "keypoints_3d_mm"')
    xyz = np.asarray(entry['keypoints_3d_mm'], np.float64)
    if xyz.shape != (NUM_JOINTS, 3) or not np.all(np.isfinite(xyz)):
        raise ValueError(f'{where}: "keypoints_3d_mm" must be {NUM_JOINTS} finite [x, y, z], got shape {xyz.shape}')
    return xyz


def lifted_residuals(lifted: LiftedHands) -> Dict[Tuple[str, str], float]:
    """Per ``(key, side)``, the hand's ``bmc_residual`` (the L_BMC it kept after the lifting's BMC refinement)."""
    out = {}
    for key, side, entry in lifted.hands():
        where = f'{lifted.source}: images[{key!r}][{side!r}]'
        if 'bmc_residual' not in entry:
            raise KeyError(f'{where}: no "bmc_residual" (written only when the hands were lifted with BMC refinement, '
                           '--cfg-options model.test_cfg.bmc_refine...), needed for the residual weighting')
        value = float(entry['bmc_residual'])
        if not np.isfinite(value) or value < 0:
            raise ValueError(f'{where}: "bmc_residual" must be finite and >= 0, got {entry["bmc_residual"]!r}')
        out[(key, side)] = value
    return out


def load_lifted(path: Union[str, Path]) -> LiftedHands:
    """Read a ``bmc_mmpose.lifted/v1`` file; every hand's 3D is checked (errors name the file and the key)."""
    path = str(path)
    try:
        with open(path) as f:
            data = json.load(f)
    except FileNotFoundError as err:
        raise FileNotFoundError(f'{path}: no such lifted-hands file') from err
    except json.JSONDecodeError as err:
        raise ValueError(f'{path}: not valid JSON ({err})') from err
    if not isinstance(data, dict) or data.get('format') != LIFTED_FORMAT:
        got = data.get('format') if isinstance(data, dict) else type(data).__name__
        raise ValueError(f'{path}: "format" must be {LIFTED_FORMAT!r} (written by tools/inference/lift_keypoints.py), '
                         f'got {got!r}')
    if data.get('joint_order', 'freihand') != 'freihand':
        raise ValueError(f'{path}: "joint_order" must be "freihand", got {data.get("joint_order")!r}')
    images = data.get('images')
    if not isinstance(images, dict):
        raise ValueError(f'{path}: "images" must be an object {{key: {{side: hand}}}}')
    ref = data.get('ref_bone_mm')
    if not isinstance(ref, (int, float)) or not ref > 0:
        raise ValueError(f'{path}: "ref_bone_mm" must be a number > 0, got {ref!r}')
    for key, sides in images.items():
        if not isinstance(sides, dict) or not set(sides) <= set(HAND_SIDES):
            raise ValueError(f'{path}: images[{key!r}] must map "right"/"left" to a hand')
        for side, entry in sides.items():
            _joints(entry, f'{path}: images[{key!r}][{side!r}]')
    return LiftedHands(images, ref, source=path)
