# Copyright (c) bmc_mmpose authors. All rights reserved.
"""BMC limits: file format (``README.md``), loader/writer, computation from 3D data (``compute.py``; its angle hulls:
``hull_construction.py``), shipped limit sets."""
from .bmc_limits import FORMAT_VERSION, SHIPPED_LIMITS, BMCLimits, load_bmc_limits, save_bmc_limits
from .compute import compute_bmc_limits, hull_coverage, measure_hands
from .hull_construction import (approximate_hull, convex_hull, enclose_points, greedy_reduce, pad_polygon,
                                rdp_closed_polygon)

__all__ = [
    'FORMAT_VERSION', 'SHIPPED_LIMITS', 'BMCLimits', 'load_bmc_limits', 'save_bmc_limits', 'compute_bmc_limits',
    'measure_hands', 'approximate_hull', 'convex_hull', 'rdp_closed_polygon', 'greedy_reduce', 'pad_polygon',
    'hull_coverage', 'enclose_points'
]
