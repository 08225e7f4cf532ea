# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Synthetic hands: the embedded default data (no download needed)."""
from .generate import (DOMAIN_A_LOOK, DOMAIN_A_POSES, DOMAIN_B_LOOK, DOMAIN_B_POSES, domain_b, domain_distributions,
                       generate_synthetic, sample_domain_poses)
from ..geometry.camera_numpy import project_points as project  # the generator's projection, kept under its name
from ..geometry.camera_numpy import reference_bone_length
from .hand_model import POSE_FAMILIES, PoseDistribution, sample_angles, sample_hand_poses, sample_hands
from .renderer import Appearance, render_hand

__all__ = [
    'generate_synthetic', 'domain_b', 'domain_distributions', 'sample_domain_poses', 'sample_hand_poses',
    'POSE_FAMILIES', 'DOMAIN_A_POSES', 'DOMAIN_A_LOOK', 'DOMAIN_B_POSES', 'DOMAIN_B_LOOK',
    'PoseDistribution', 'Appearance', 'sample_hands', 'sample_angles', 'project', 'reference_bone_length',
    'render_hand'
]
