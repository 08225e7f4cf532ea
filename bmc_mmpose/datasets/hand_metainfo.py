# Copyright (c) bmc_mmpose authors. All rights reserved.
"""MMPose-style dataset meta information of the internal 21-joint right hand (FreiHAND order).

Every bmc_mmpose dataset converts its labels to this skeleton at its border, so one metainfo serves all of them.
``configs/_base_/datasets/hand21_metainfo.py`` holds the same dict for configs (``CombinedDataset`` needs
``metainfo=dict(from_file=...)``); ``tests/test_datasets`` checks that the two agree.
"""
import copy
from typing import Dict

from bmc_mmpose.geometry.skeleton import JOINT_NAMES, NUM_JOINTS, PARENTS

_COLOURS = {'wrist': [255, 255, 255], 'thumb': [255, 128, 0], 'index': [255, 153, 255],
            'middle': [102, 178, 255], 'ring': [255, 51, 51], 'little': [0, 255, 0]}


def _colour(name: str) -> list:
    for finger, colour in _COLOURS.items():
        if name.startswith(finger):
            return list(colour)
    raise KeyError(name)


def hand21_dataset_info(dataset_name: str = 'hand21') -> Dict:
    """Return the MMPose ``dataset_info`` dict (``keypoint_info``, ``skeleton_info``, ...) of the hand.

    Args:
        dataset_name (str): value of ``dataset_name``.

    Returns:
        dict: a dict that ``mmpose.datasets.datasets.utils.parse_pose_metainfo`` accepts. ``swap`` is empty for
        every joint because a horizontal flip would turn the right hand into a left one (bmc_mmpose never
        flips silently; left hands are mirrored in the datasets).
    """
    keypoint_info = {
        i: dict(name=JOINT_NAMES[i], id=i, color=_colour(JOINT_NAMES[i]), type='', swap='')
        for i in range(NUM_JOINTS)
    }
    skeleton_info = {
        j - 1: dict(link=(JOINT_NAMES[PARENTS[j]], JOINT_NAMES[j]), id=j - 1, color=_colour(JOINT_NAMES[j]))
        for j in range(1, NUM_JOINTS)
    }
    return dict(
        dataset_name=dataset_name,
        paper_info=dict(author='Spurr et al.', title='Weakly supervised 3D hand pose estimation via biomechanical '
                        'constraints', container='ECCV', year='2020'),
        keypoint_info=keypoint_info,
        skeleton_info=skeleton_info,
        joint_weights=[1.0] * NUM_JOINTS,
        # OKS sigmas are not used (3D metrics only); MMPose requires one value per joint.
        sigmas=[0.025] * NUM_JOINTS)


HAND21_DATASET_INFO: Dict = hand21_dataset_info()


def get_hand21_dataset_info(dataset_name: str) -> Dict:
    """Deep copy of :data:`HAND21_DATASET_INFO` with a given ``dataset_name``."""
    info = copy.deepcopy(HAND21_DATASET_INFO)
    info['dataset_name'] = dataset_name
    return info
