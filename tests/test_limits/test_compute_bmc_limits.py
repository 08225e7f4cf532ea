# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Data-driven limits: convex hull -> RDP -> greedy removal to exactly K points, coverage, degenerate hands."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from bmc_mmpose.geometry import RHD_TO_FREIHAND, inverse_permutation, points_in_hulls
from bmc_mmpose.limits import (approximate_hull, compute_bmc_limits, convex_hull, enclose_points, greedy_reduce,
                               hull_coverage, load_bmc_limits, rdp_closed_polygon)
from bmc_mmpose.testing.hands import random_fk_hands

REPO = Path(__file__).resolve().parents[2]


def _is_convex_ccw(polygon):
    edges = np.roll(polygon, -1, axis=0) - polygon
    nxt = np.roll(edges, -1, axis=0)
    return (edges[:, 0] * nxt[:, 1] - edges[:, 1] * nxt[:, 0] >= -1e-12).all()


def test_convex_hull_and_rdp():
    rng = np.random.default_rng(0)
    points = rng.normal(size=(500, 2))
    hull = convex_hull(points)
    assert _is_convex_ccw(hull)
    assert points_in_hulls(torch.from_numpy(points)[:, None], torch.from_numpy(hull)[None]).all()
    # RDP keeps the corners of a square whose edges carry many nearly collinear vertices
    t = np.linspace(0, 1, 20, endpoint=False)
    square = np.concatenate([np.stack([t, 0 * t], 1), np.stack([1 + 0 * t, t], 1), np.stack([1 - t, 1 + 0 * t], 1),
                             np.stack([0 * t, 1 - t], 1)])
    square += rng.normal(scale=1e-4, size=square.shape)
    simplified = rdp_closed_polygon(square, 1e-2)
    assert len(simplified) == 4
    assert np.allclose(np.sort(np.round(simplified), axis=0), [[0, 0], [0, 0], [1, 1], [1, 1]])


@pytest.mark.parametrize('num_vertices', [3, 4, 10, 16])
@pytest.mark.parametrize('cloud', ['gaussian', 'circle', 'triangle', 'collinear', 'single'])
def test_approximate_hull_has_exactly_k_vertices(cloud, num_vertices):
    rng = np.random.default_rng(1)
    points = {
        'gaussian': rng.normal(size=(2000, 2)),
        'circle': np.stack([np.cos(np.linspace(0, 6.2, 300)), np.sin(np.linspace(0, 6.2, 300))], 1),
        'triangle': np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.2, 0.2]]),
        'collinear': np.stack([np.linspace(0, 1, 50), np.linspace(0, 2, 50)], 1),
        'single': np.zeros((5, 2)),
    }[cloud]
    hull = approximate_hull(points, num_vertices)
    assert hull.shape == (num_vertices, 2)
    assert _is_convex_ccw(hull)


def test_greedy_removal_keeps_as_many_points_as_possible():
    # a square with one extra vertex on a bump holding many points and one holding none
    polygon = np.array([[0, 0], [1, 0], [1.2, 0.5], [1, 1], [0.5, 1.05], [0, 1]], dtype=float)
    rng = np.random.default_rng(2)
    points = np.concatenate([rng.uniform(0, 1, size=(200, 2)),
                             np.array([[1.1, 0.5], [1.15, 0.45], [1.12, 0.55]])])  # inside the right bump
    reduced = greedy_reduce(polygon, points, 5)
    assert len(reduced) == 5
    assert not np.any(np.all(reduced == [0.5, 1.05], axis=1))  # removing the empty top bump loses nothing
    reduced4 = greedy_reduce(polygon, points, 4)
    assert not np.any(np.all(reduced4 == [1.2, 0.5], axis=1))  # then the bump with 3 points goes


def test_limits_from_fk_hands_contain_fresh_samples_from_the_same_distribution():
    train = random_fk_hands(10000, torch.Generator().manual_seed(10))['joints'].numpy()
    fresh = random_fk_hands(3000, torch.Generator().manual_seed(11))['joints'].numpy()
    limits = compute_bmc_limits(train * 85.0)  # millimetres: each hand is normalised by its own 9 -> 10 bone
    assert limits.meta['num_skipped'] == 0 and limits.num_hull_points == 10
    coverage, used = hull_coverage(limits, fresh)
    assert used == 3000
    assert coverage.min() >= 0.99, coverage
    # the hulls are tighter than the boxes: a box accepts the corners the dependent range excludes
    box_area = np.prod(limits.boxes[:, 1] - limits.boxes[:, 0], axis=-1)
    x, y = limits.hulls[..., 0], limits.hulls[..., 1]
    hull_area = 0.5 * np.abs((x * np.roll(y, -1, 1) - np.roll(x, -1, 1) * y).sum(1))
    assert (hull_area < 0.85 * box_area).all()


def test_degenerate_hands_are_skipped_and_counted():
    hands = random_fk_hands(50, torch.Generator().manual_seed(12))['joints'].numpy()
    bad = hands[:5].copy()
    bad[0] = np.nan                       # non-finite
    bad[1, 10] = bad[1, 9]                # zero reference bone
    bad[2, 6] = bad[2, 5]                 # zero-length bone
    bad[3, [1, 5, 9, 13, 17]] = np.arange(1, 6)[:, None] * np.array([0.0, 2.0, 0.0])  # collinear root bones
    bad[4] = 0.0                          # all zero
    limits = compute_bmc_limits(np.concatenate([hands, bad]))
    assert limits.meta['num_samples'] == 55 and limits.meta['num_used'] == 50 and limits.meta['num_skipped'] == 5
    assert limits.meta['skipped'] == {'non_finite': 1, 'zero_reference_bone': 2, 'short_bone': 1,
                                      'collinear_root_bones': 1, 'undefined_angle': 0}
    with pytest.raises(ValueError, match='at least 3 non-degenerate'):
        compute_bmc_limits(bad)


def test_tool_writes_limits_and_plot(tmp_path):
    order = 'rhd'  # exercises the order conversion
    hands = random_fk_hands(600, torch.Generator().manual_seed(13))['joints'].numpy()
    if order == 'rhd':
        hands = hands[:, list(inverse_permutation(RHD_TO_FREIHAND))]
    np.save(tmp_path / 'hands.npy', hands)
    command = [sys.executable, str(REPO / 'tools' / 'data' / 'compute_bmc_limits.py'), str(tmp_path / 'hands.npy'),
               '--order', order, '--out', str(tmp_path / 'limits.json')]
    if order == 'rhd':
        command += ['--plot', str(tmp_path / 'hulls.png')]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert 'skipped (degenerate): 0' in result.stdout
    limits = load_bmc_limits(tmp_path / 'limits.json')
    assert limits.hulls.shape == (15, 10, 2)
    assert limits.boxes[:, 0, 0].min() > -0.35  # sampled flexion >= -0.3 rad: the order was converted
    if order == 'rhd':
        assert (tmp_path / 'hulls.png').stat().st_size > 10000


def test_tool_reads_a_dataset_config(tmp_path, capsys):
    import importlib.util
    pytest.importorskip('mmpose')
    from bmc_mmpose.testing.dataset_fixtures import write_synthetic_rhd
    write_synthetic_rhd(tmp_path / 'rhd', 'training', num_samples=8)
    config = tmp_path / 'config.py'
    config.write_text(f"train_dataloader = dict(dataset=dict(type='Rhd3DDataset', data_root=r'{tmp_path / 'rhd'}', "
                      "split='training'))\n")
    spec = importlib.util.spec_from_file_location('compute_bmc_limits_tool', REPO / 'tools' / 'data' / 'compute_bmc_limits.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.main(['--dataset-config', str(config), '--out', str(tmp_path / 'limits.json')]) == 0
    limits = load_bmc_limits(tmp_path / 'limits.json')
    assert limits.meta['num_samples'] == 8
    assert 'config.py:train_dataloader.dataset' in limits.source
    assert 'hands: 8' in capsys.readouterr().out


def test_enclose_points_contains_every_point_and_keeps_edge_directions():
    rng = np.random.default_rng(3)
    points = rng.normal(size=(2000, 2)) * np.array([0.5, 0.2])
    inscribed = approximate_hull(points, 8, enclose=False)
    enclosing = approximate_hull(points, 8)
    assert hull_coverage_of(inscribed, points) < 1.0  # reducing to 8 vertices cut corners
    assert hull_coverage_of(enclosing, points) == 1.0
    assert enclosing.shape == (8, 2)

    def directions(polygon):
        edge = np.roll(polygon, -1, axis=0) - polygon
        return edge / np.linalg.norm(edge, axis=1, keepdims=True)
    np.testing.assert_allclose(directions(enclosing), directions(inscribed), atol=1e-9)


def test_enclose_points_leaves_a_polygon_that_already_contains_the_points():
    square = np.array([[0., 0.], [1., 0.], [1., 1.], [0., 1.]])
    points = np.random.default_rng(0).uniform(0.1, 0.9, size=(100, 2))
    np.testing.assert_allclose(enclose_points(square, points, margin=0.0), square, atol=1e-12)


def hull_coverage_of(polygon, points):
    inside = points_in_hulls(torch.from_numpy(points)[:, None], torch.from_numpy(polygon)[None])
    return inside.double().mean().item()
