# Copyright (c) bmc_mmpose authors. All rights reserved.
"""The hand skeleton every bmc_mmpose component works in.

Inside the model a hand is always a **right hand** in **FreiHAND joint order** (21 joints)::

    0 wrist
    1-4   thumb  (CMC/MCP, MCP/PIP, IP/DIP, tip)   -- base to tip
    5-8   index  (MCP, PIP, DIP, tip)
    9-12  middle (MCP, PIP, DIP, tip)
    13-16 ring   (MCP, PIP, DIP, tip)
    17-20 little (MCP, PIP, DIP, tip)

Bones are indexed by their **child joint**: bone ``k`` (0-based, 0..19) goes from ``PARENTS[k + 1]`` to joint
``k + 1``. The paper's numbering (Spurr et al. 2020, Sec. 3) is 1-based and groups bones by layer: its
``b_1..b_5`` are the five root bones (wrist -> finger base) of thumb..little. ``ROOT_BONES`` gives their
0-based bone indices in our child-joint indexing; ``BONE_LAYERS`` gives the three finger-bone layers.

The reference bone for scale normalisation is the middle finger's MCP -> PIP bone (joints 9 -> 10), the bone
FreiHAND's ``*_scale.json`` measures; in scale-normalised units it has length 1.
"""
from typing import Tuple

NUM_JOINTS: int = 21
NUM_BONES: int = 20

ROOT_JOINT: int = 0
#: Parent of every joint (``-1`` for the wrist).
PARENTS: Tuple[int, ...] = (-1, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11, 0, 13, 14, 15, 0, 17, 18, 19)
#: Joint indices of each finger, base to tip: thumb, index, middle, ring, little.
FINGERS: Tuple[Tuple[int, ...], ...] = ((1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16),
                                        (17, 18, 19, 20))
#: Child joint of every bone (bone k ends at joint k + 1).
BONE_CHILDREN: Tuple[int, ...] = tuple(range(1, NUM_JOINTS))
#: Parent joint of every bone.
BONE_PARENTS: Tuple[int, ...] = tuple(PARENTS[c] for c in BONE_CHILDREN)
#: Bone indices of the five root bones (wrist -> first joint of thumb, index, middle, ring, little).
ROOT_BONES: Tuple[int, ...] = (0, 4, 8, 12, 16)
#: Bone indices of the three finger-bone layers (paper: PIP bones, DIP bones, tip bones), thumb..little each.
BONE_LAYERS: Tuple[Tuple[int, ...], ...] = ((1, 5, 9, 13, 17), (2, 6, 10, 14, 18), (3, 7, 11, 15, 19))
#: The 15 bones that carry a (flexion, abduction) angle pair, layer by layer, thumb..little in each layer.
ANGLE_BONES: Tuple[int, ...] = BONE_LAYERS[0] + BONE_LAYERS[1] + BONE_LAYERS[2]
#: Reference bone (middle MCP -> PIP) as a joint pair, and its bone index.
REF_BONE_JOINTS: Tuple[int, int] = (9, 10)
REF_BONE: int = 9

JOINT_NAMES: Tuple[str, ...] = (
    'wrist', 'thumb1', 'thumb2', 'thumb3', 'thumb4', 'index1', 'index2', 'index3', 'index4', 'middle1',
    'middle2', 'middle3', 'middle4', 'ring1', 'ring2', 'ring3', 'ring4', 'little1', 'little2', 'little3',
    'little4')

# --- Conversions at dataset borders: ``ours = theirs[..., PERM, :]`` --------------------------------------
#: RHD (per hand: wrist, then each finger tip -> palm) to FreiHAND order.
RHD_TO_FREIHAND: Tuple[int, ...] = (0, 4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9, 16, 15, 14, 13, 20, 19, 18, 17)
#: HO-3D / MANO order with the five tips appended (wrist, index1-3, middle1-3, little1-3, ring1-3,
#: thumb1-3, tips thumb, index, middle, ring, little) to FreiHAND order.
MANO_TO_FREIHAND: Tuple[int, ...] = (0, 13, 14, 15, 16, 1, 2, 3, 17, 4, 5, 6, 18, 10, 11, 12, 19, 7, 8, 9, 20)


def inverse_permutation(perm: Tuple[int, ...]) -> Tuple[int, ...]:
    """Return ``inv`` with ``inv[perm[i]] = i``, so that ``theirs = ours[..., inv, :]``."""
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return tuple(inv)


FREIHAND_TO_RHD: Tuple[int, ...] = inverse_permutation(RHD_TO_FREIHAND)
FREIHAND_TO_MANO: Tuple[int, ...] = inverse_permutation(MANO_TO_FREIHAND)
