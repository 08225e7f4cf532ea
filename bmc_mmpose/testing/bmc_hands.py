# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Hands for BMC tests and benchmarks: forward-kinematics hands, degenerate hands, the real RHD samples."""
import json
from pathlib import Path
from typing import Dict, Optional

import numpy as np
import torch
from torch import Tensor

from ..geometry.kinematics import forward_kinematics, template_bone_lengths, template_root_bones
from ..geometry.skeleton import REF_BONE_JOINTS, RHD_TO_FREIHAND


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


def real_samples_dir(start: Path) -> Path:
    """``<repo>/../shared/data/real_samples`` for a path inside the repo (walks up to the ``setup.py``)."""
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
        joints = joints / np.linalg.norm(joints[REF_BONE_JOINTS[1]] - joints[REF_BONE_JOINTS[0]])
        hands.append(joints)
    return np.stack(hands)
