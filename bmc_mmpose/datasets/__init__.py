# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Hand datasets read from their original files (RHD, FreiHAND, HO-3D) and the 3D-aware transforms."""
from .base_hand_dataset import (BaseHandDataset, bbox_from_keypoints, box_overlaps_image, intrinsics_problem,
                                mirror_annotation, mirror_intrinsics, project_points, reference_bone_length,
                                validate_intrinsics)
from .detections import (PLAIN_FORMAT, HandDetection, HandDetections, load_detections, path_key_candidates,
                         write_detections)
from .detector_simulator import SimulatedDetections, hand_sizes, simulate_detections, write_simulated_detections
from .freihand_dataset import FreiHand3DDataset, freihand_val_ids
from .hand_metainfo import HAND21_DATASET_INFO, get_hand21_dataset_info, hand21_dataset_info
from .ho3d_dataset import HO3DDataset, ho3d_joints_to_internal
from .image_folder_dataset import ImageFolderHandDataset, default_focal_intrinsics
from .lifted import (LIFTED_FORMAT, PSEUDO_LABEL_WEIGHTINGS, LiftedHands, bmc_residual_confidence, lifted_residuals,
                     load_lifted, write_lifted)
from .rhd_dataset import Rhd3DDataset
from .transforms import (HandColorJitter, HandCropAffine, LoadDetectedKeypoints2D, LoadLiftedKeypoints3D,
                         PackHand3DInputs, apply_affine, crop_affine_matrix, crop_intrinsics, mirror_matrix)

__all__ = [
    'BaseHandDataset', 'Rhd3DDataset', 'FreiHand3DDataset', 'HO3DDataset', 'HandCropAffine', 'HandColorJitter',
    'PackHand3DInputs', 'HAND21_DATASET_INFO', 'hand21_dataset_info', 'get_hand21_dataset_info', 'project_points',
    'mirror_intrinsics', 'mirror_annotation', 'bbox_from_keypoints', 'reference_bone_length', 'freihand_val_ids',
    'ho3d_joints_to_internal', 'crop_affine_matrix', 'crop_intrinsics', 'apply_affine', 'mirror_matrix',
    'ImageFolderHandDataset', 'default_focal_intrinsics', 'LoadDetectedKeypoints2D', 'PLAIN_FORMAT', 'HandDetection',
    'HandDetections', 'load_detections', 'path_key_candidates', 'write_detections', 'SimulatedDetections',
    'hand_sizes', 'simulate_detections', 'write_simulated_detections', 'intrinsics_problem', 'validate_intrinsics',
    'box_overlaps_image', 'LoadLiftedKeypoints3D', 'LIFTED_FORMAT', 'LiftedHands', 'bmc_residual_confidence',
    'lifted_residuals', 'load_lifted', 'write_lifted', 'PSEUDO_LABEL_WEIGHTINGS'
]
