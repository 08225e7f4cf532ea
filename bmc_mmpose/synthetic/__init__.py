# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Synthetic hands: the embedded default data (no download needed)."""
from .generate import DOMAIN_A_LOOK, DOMAIN_A_POSES, DOMAIN_B_LOOK, DOMAIN_B_POSES, domain_b, generate_synthetic
from .hand_model import PoseDistribution, project, reference_bone_length, sample_angles, sample_hands
from .renderer import Appearance, render_hand

__all__ = [
    'generate_synthetic', 'domain_b', 'DOMAIN_A_POSES', 'DOMAIN_A_LOOK', 'DOMAIN_B_POSES', 'DOMAIN_B_LOOK',
    'PoseDistribution', 'Appearance', 'sample_hands', 'sample_angles', 'project', 'reference_bone_length',
    'render_hand'
]
