# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Inside test and distance to hulls / boxes (supp. Eqs. 3-7)."""
import math

import numpy as np
import pytest
import torch
from matplotlib.path import Path as MplPath

from bmc_mmpose.geometry import box_loss, hull_distance, hull_loss, points_in_boxes, points_in_hulls

DTYPE = torch.float64
SQUARE_CCW = torch.tensor([[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]], dtype=DTYPE)


def _l1(theta, p):
    return sum(abs(math.cos(t) - math.cos(q)) + abs(math.sin(t) - math.sin(q)) for t, q in zip(theta, p))


@pytest.mark.parametrize('hull', [SQUARE_CCW, SQUARE_CCW.flip(1), SQUARE_CCW.roll(2, 1), SQUARE_CCW.flip(1).roll(1, 1)],
                         ids=['ccw', 'cw', 'ccw_shifted', 'cw_shifted'])
def test_inside_costs_nothing_and_outside_costs_the_hand_computed_distance(hull):
    cases = [
        ((0.5, 0.5), None, True),                # inside
        ((1.0, 0.3), None, True),                # on an edge counts as inside
        ((0.0, 0.0), None, True),                # on a vertex
        ((1.5, 0.5), (1.0, 0.5), False),         # projects onto the right edge
        ((0.25, -0.4), (0.25, 0.0), False),      # projects onto the bottom edge
        ((2.0, 2.5), (1.0, 1.0), False),         # nearest is a vertex (t clamped)
        ((-0.3, 1.2), (0.0, 1.0), False),
    ]
    points = torch.tensor([c[0] for c in cases], dtype=DTYPE)[:, None, :]
    inside = points_in_hulls(points, hull)[:, 0]
    loss = hull_loss(points, hull)[:, 0]
    for i, (theta, nearest, expected_inside) in enumerate(cases):
        assert bool(inside[i]) == expected_inside, theta
        if expected_inside:
            assert loss[i] == 0.0
        else:
            assert loss[i].item() == pytest.approx(_l1(theta, nearest), abs=1e-12)


def test_distance_is_to_the_boundary_for_inside_points():
    point = torch.tensor([[[0.5, 0.2]]], dtype=DTYPE)
    assert hull_distance(point, SQUARE_CCW).item() == pytest.approx(_l1((0.5, 0.2), (0.5, 0.0)), abs=1e-12)


def test_inside_test_matches_matplotlib_for_random_convex_polygons_in_both_orientations():
    rng = np.random.default_rng(0)
    hulls = []
    for _ in range(15):
        angles = np.sort(rng.uniform(0, 2 * np.pi, 10))
        radius = rng.uniform(0.3, 1.0)
        hulls.append(np.stack([radius * np.cos(angles) + rng.uniform(-1, 1),
                               0.6 * radius * np.sin(angles) + rng.uniform(-1, 1)], 1))
    hulls = np.stack(hulls)
    points = rng.uniform(-2.5, 2.5, size=(400, 15, 2))
    expected = np.stack([MplPath(hulls[j]).contains_points(points[:, j]) for j in range(15)], 1)
    for polygons in (hulls, hulls[:, ::-1].copy()):
        ours = points_in_hulls(torch.from_numpy(points), torch.from_numpy(polygons)).numpy()
        assert (ours == expected).mean() > 0.999  # boundary-exact points may differ; none expected here
        loss = hull_loss(torch.from_numpy(points), torch.from_numpy(polygons)).numpy()
        assert (loss[ours] == 0).all() and (loss[~ours] > 0).all()


def test_hull_distance_is_the_minimum_over_edges_of_the_periodic_l1_distance():
    rng = np.random.default_rng(1)
    hull = np.array([[0.0, -0.5], [1.2, -0.3], [1.5, 0.4], [0.2, 0.6], [-0.4, 0.1]])
    points = rng.uniform(-3, 3, size=(200, 2))
    ours = hull_distance(torch.from_numpy(points)[:, None], torch.from_numpy(hull)[None]).numpy()[:, 0]
    for point, value in zip(points, ours):
        best = math.inf
        for k in range(len(hull)):
            a, b = hull[k], hull[(k + 1) % len(hull)]
            t = min(1.0, max(0.0, float((point - a) @ (b - a) / ((b - a) @ (b - a)))))
            best = min(best, _l1(point, a + t * (b - a)))
        assert value == pytest.approx(best, abs=1e-12)


def test_box_loss_is_zero_inside_and_the_distance_to_the_clamped_point_outside():
    boxes = torch.tensor([[[-0.5, -0.2], [1.5, 0.3]]], dtype=DTYPE)
    points = torch.tensor([[[0.0, 0.0]], [[2.0, 0.0]], [[2.0, -1.0]], [[-0.5, 0.3]]], dtype=DTYPE)
    loss = box_loss(points, boxes)[:, 0]
    assert loss[0] == 0 and loss[3] == 0
    assert loss[1].item() == pytest.approx(_l1((2.0, 0.0), (1.5, 0.0)), abs=1e-12)
    assert loss[2].item() == pytest.approx(_l1((2.0, -1.0), (1.5, -0.2)), abs=1e-12)
    assert points_in_boxes(points, boxes)[:, 0].tolist() == [True, False, False, True]


def test_degenerate_hulls_and_gradients_are_finite():
    hull = torch.tensor([[[0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [1.0, 0.0]]], dtype=DTYPE)  # repeated vertices
    points = torch.tensor([[[0.5, 0.0]], [[0.5, 1.0]], [[0.0, 0.0]]], dtype=DTYPE, requires_grad=True)
    loss = hull_loss(points, hull)
    loss.sum().backward()
    assert torch.isfinite(loss).all() and torch.isfinite(points.grad).all()
    assert loss[0, 0] == 0 and loss[1, 0] > 0
