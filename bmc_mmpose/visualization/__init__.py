# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Visualisation of 3D hand predictions."""
from .hand3d_figure import draw_hand3d_figure
from .hand3d_visualizer import Hand3DVisualizer

__all__ = ['draw_hand3d_figure', 'Hand3DVisualizer']
