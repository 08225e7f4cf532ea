# Copyright (c) bmc_mmpose authors. All rights reserved.
"""The datasets' original on-disk formats, one module per format that both reads and writes it.

Each module holds its format's file layout, the keys of its annotation files, its joint order and units as
stored, and the conversion of the joints to and from the internal convention (right hand, FreiHAND order,
OpenCV camera, mm). The dataset classes read with them; the synthetic generator, the test fixtures, the tools and
the CodaLab submission writer write with them. ``_files`` holds the file helpers they share.
"""
from . import freihand, ho3d, rhd

__all__ = ['rhd', 'freihand', 'ho3d']
