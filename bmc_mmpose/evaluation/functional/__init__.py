# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Pure numpy evaluation functions (no registry, no torch)."""
from .decomposition import error_decomposition, project_points
from .errors import epe_summary, errors_3d, joint_distances, root_relative
from .pck import DO_THRESHOLDS_MM, FREIHAND_THRESHOLDS_MM, auc_from_curve, pck_auc, pck_per_keypoint
from .procrustes import (SimilarityTransform, apply_similarity_transform, fit_similarity_transform,
                         procrustes_align)

__all__ = [
    'error_decomposition', 'project_points', 'epe_summary', 'errors_3d', 'joint_distances', 'root_relative',
    'DO_THRESHOLDS_MM', 'FREIHAND_THRESHOLDS_MM', 'auc_from_curve', 'pck_auc', 'pck_per_keypoint',
    'SimilarityTransform', 'apply_similarity_transform', 'fit_similarity_transform', 'procrustes_align'
]
