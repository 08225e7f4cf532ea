# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Assertions shared by the dataset tests: the data_info contract, chirality, reprojection."""
import numpy as np

from bmc_mmpose.geometry.camera_numpy import project_points

#: data_info keys of docs/architecture.md ("What a dataset returns") with shapes (None = not an array).
CONTRACT_KEYS = {
    'img_path': None, 'img_id': None, 'sample_idx': None, 'bbox': (1, 4), 'bbox_score': (1, ),
    'keypoints': (1, 21, 2), 'keypoints_visible': (1, 21), 'keypoints_3d': (1, 21, 3), 'cam_K': (3, 3),
    'has_3d': (1, ), 'has_3d_eval': (1, ), 'ref_bone_length': (1, ), 'mirrored': None, 'dataset_name': None
}
#: keys MMPose's metainfo injection adds (as BaseCocoStyleDataset does) plus our unique hand id.
INJECTED_KEYS = {'flip_indices', 'dataset_keypoint_weights', 'upper_body_ids', 'lower_body_ids', 'flip_pairs',
                 'skeleton_links', 'unique_id'}


def check_contract(info: dict, extra=()):
    """Assert that a data_info has exactly the contract's keys (plus ``extra``) with their shapes, float32 and
    finite values."""
    assert set(info) == set(CONTRACT_KEYS) | INJECTED_KEYS | set(extra), set(info) ^ (set(CONTRACT_KEYS)
                                                                                       | INJECTED_KEYS)
    for key, shape in CONTRACT_KEYS.items():
        if shape is not None:
            assert info[key].shape == shape, (key, info[key].shape)
            assert info[key].dtype == np.float32, (key, info[key].dtype)
            assert np.all(np.isfinite(info[key])), key
    assert isinstance(info['img_path'], str) and isinstance(info['mirrored'], bool)
    assert isinstance(info['img_id'], int) and isinstance(info['sample_idx'], int)


def chirality(joints: np.ndarray) -> float:
    """Sign of det[index1 - wrist, little1 - wrist, thumb4 - wrist]: the same for all right hands."""
    j = np.asarray(joints, np.float64).reshape(21, 3)
    return float(np.sign(np.linalg.det(np.stack([j[5] - j[0], j[17] - j[0], j[4] - j[0]]))))


def reprojection_error(info: dict) -> float:
    """Largest distance (px) between a data_info's 2D joints and the projection of its 3D joints with its K."""
    uv = project_points(info['keypoints_3d'][0], info['cam_K'])
    return float(np.abs(uv - info['keypoints'][0]).max())
