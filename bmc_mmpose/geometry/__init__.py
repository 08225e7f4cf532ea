# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Pure, batched torch geometry of the hand (no registry)."""
from .angles import (hand_joint_angles, joint_angles_and_frames, local_angles, local_direction_from_angles,
                     rotation_from_angles)
from .camera import affine_to_homogeneous, back_project, normalized_rays, project
from .bones import (bone_lengths, bone_vectors, interval_loss, interval_violation, safe_atan2, safe_norm,
                    safe_normalize, vector_angle)
from .hulls import (angular_l1_distance, box_loss, hull_distance, hull_loss, hull_loss_and_inside,
                    nearest_points_on_hulls, points_in_boxes, points_in_hulls)
from .kinematics import forward_kinematics, template_bone_lengths, template_hand, template_root_bones
from .frames import first_layer_frames, first_layer_x_axes, frames_from_axes, to_local
from .palm import palm_curvature, root_bone_angles, root_bone_normals, root_bones, root_edge_normals
from .zroot import reconstruct_joints_3d, relative_depths, zroot_closed_form
from .skeleton import (ANGLE_BONES, BONE_CHILDREN, BONE_LAYERS, BONE_PARENTS, FINGERS, FREIHAND_TO_MANO,
                       FREIHAND_TO_RHD, JOINT_NAMES, MANO_TO_FREIHAND, NUM_BONES, NUM_JOINTS, PARENTS, REF_BONE,
                       REF_BONE_JOINTS, RHD_TO_FREIHAND, ROOT_BONES, ROOT_JOINT, inverse_permutation)

__all__ = [
    'ANGLE_BONES', 'BONE_CHILDREN', 'BONE_LAYERS', 'BONE_PARENTS', 'FINGERS', 'FREIHAND_TO_MANO', 'FREIHAND_TO_RHD',
    'JOINT_NAMES', 'MANO_TO_FREIHAND', 'NUM_BONES', 'NUM_JOINTS', 'PARENTS', 'REF_BONE', 'REF_BONE_JOINTS',
    'RHD_TO_FREIHAND', 'ROOT_BONES', 'ROOT_JOINT', 'inverse_permutation', 'bone_vectors', 'bone_lengths',
    'safe_norm', 'safe_normalize', 'safe_atan2', 'vector_angle', 'interval_loss', 'interval_violation',
    'root_bones', 'root_bone_normals', 'root_edge_normals', 'palm_curvature', 'root_bone_angles',
    'first_layer_x_axes', 'frames_from_axes', 'first_layer_frames', 'local_angles', 'local_direction_from_angles',
    'rotation_from_angles', 'to_local', 'joint_angles_and_frames', 'hand_joint_angles', 'points_in_hulls',
    'nearest_points_on_hulls', 'angular_l1_distance', 'hull_distance', 'hull_loss', 'hull_loss_and_inside',
    'points_in_boxes', 'box_loss',
    'forward_kinematics', 'template_bone_lengths', 'template_root_bones', 'template_hand',
    'affine_to_homogeneous', 'back_project', 'normalized_rays', 'project', 'reconstruct_joints_3d', 'relative_depths',
    'zroot_closed_form'
]
