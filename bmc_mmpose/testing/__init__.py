# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Test helpers (fixture writers) shared by tests, benchmarks and tools."""
