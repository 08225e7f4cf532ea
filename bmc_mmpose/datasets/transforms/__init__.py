# Copyright (c) bmc_mmpose authors. All rights reserved.
from .hand_color_jitter import HandColorJitter
from .hand_crop_affine import HandCropAffine, apply_affine, crop_affine_matrix, crop_intrinsics, mirror_matrix
from .keypoint_lifter_inputs import KeypointLifterInputs, keypoint_crops, lifter_input_array
from .load_detected_keypoints import LoadDetectedKeypoints2D
from .load_lifted_keypoints_3d import LoadLiftedKeypoints3D
from .pack_hand3d_inputs import PackHand3DInputs
from .pack_keypoint_lifter_inputs import PackKeypointLifterInputs

__all__ = [
    'HandCropAffine', 'HandColorJitter', 'PackHand3DInputs', 'crop_affine_matrix', 'crop_intrinsics', 'apply_affine',
    'mirror_matrix', 'LoadDetectedKeypoints2D', 'LoadLiftedKeypoints3D',
    'KeypointLifterInputs', 'PackKeypointLifterInputs', 'keypoint_crops', 'lifter_input_array'
]
