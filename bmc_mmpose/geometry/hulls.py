# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Distance of angle points to convex hulls / boxes, Spurr et al. 2020 supplementary Sec. 1, Eqs. 3-7.

Shapes: ``points (..., H, 2)`` (H joints, e.g. 15 (flexion, abduction) pairs), ``hulls (H, K, 2)`` (one convex
polygon of K vertices per joint, either orientation, consecutive vertices joined, last to first), ``boxes
(H, 2, 2)`` as ``[[min_f, min_a], [max_f, max_a]]`` per joint. Everything is vectorised over points, joints and
hull edges.
"""
from typing import Tuple

import torch
from torch import Tensor

#: Edges shorter than this (squared, radians^2) are treated as points in the projection of Eq. 5.
_EDGE_EPS: float = 1e-20


def _edge_geometry(points: Tensor, hulls: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
    """Per-edge quantities of supp. Eqs. 3-5, computed once for the inside test and the distance.

    Returns:
        ``cross (..., H, K)`` = ``w_k x v_k`` (2D cross product ``a_x b_y - a_y b_x``) and the nearest point on
        every edge, ``p_k = H_k + t v_k`` as components ``p_x, p_y (..., H, K)``, with ``v_k = H_{k+1} - H_k``
        (wrapping), ``w_k = theta - H_k`` and ``t = clamp(w_k . v_k / ||v_k||^2, 0, 1)`` (0 for a zero-length
        edge, i.e. a repeated vertex).
    """
    start_x, start_y = hulls[..., 0], hulls[..., 1]                      # (H, K)
    edge = torch.roll(hulls, shifts=-1, dims=-2) - hulls
    edge_x, edge_y = edge[..., 0], edge[..., 1]
    offset_x = points[..., 0, None] - start_x                            # (..., H, K)
    offset_y = points[..., 1, None] - start_y
    cross = offset_x * edge_y - offset_y * edge_x
    edge_sq = (edge_x * edge_x + edge_y * edge_y).clamp_min(_EDGE_EPS)
    t = ((offset_x * edge_x + offset_y * edge_y) / edge_sq).clamp(0.0, 1.0)
    return cross, start_x + t * edge_x, start_y + t * edge_y


def _inside_from_cross(cross: Tensor) -> Tensor:
    # CCW polygon: inside iff every w_k x v_k <= 0; CW: iff every one >= 0. For a convex polygon an outside
    # point always has edges of both signs, so accepting either makes the test orientation-free.
    return (cross <= 0).all(dim=-1) | (cross >= 0).all(dim=-1)


def points_in_hulls(points: Tensor, hulls: Tensor) -> Tensor:
    """Inside test of supp. Eq. 4, independent of the polygons' orientation (CW or CCW).

    Args:
        points: ``(..., H, 2)``.
        hulls: ``(H, K, 2)`` convex polygons.

    Returns:
        ``(..., H)`` bool, True inside or on the boundary.
    """
    return _inside_from_cross(_edge_geometry(points, hulls)[0])


def nearest_points_on_hulls(points: Tensor, hulls: Tensor) -> Tensor:
    """Nearest point ``p_k = H_k + t v_k`` on every edge (supp. Eq. 5), ``-> (..., H, K, 2)``."""
    _, nearest_x, nearest_y = _edge_geometry(points, hulls)
    return torch.stack([nearest_x, nearest_y], dim=-1)


def angular_l1_distance(points: Tensor, targets: Tensor) -> Tensor:
    """``|cos(theta) - cos(p)| + |sin(theta) - sin(p)|`` summed over both angles (supp. Eq. 5), ``(..., 2) -> (...)``.

    Periodic in both angles, so it does not jump at +-pi; ``|.|`` has gradient 0 at 0 (finite).
    """
    return ((torch.cos(points) - torch.cos(targets)).abs() + (torch.sin(points) - torch.sin(targets)).abs()).sum(-1)


def _periodic_l1(theta: Tensor, target: Tensor) -> Tensor:
    """One component of :func:`angular_l1_distance`: ``|cos a - cos b| + |sin a - sin b|``."""
    return (torch.cos(theta) - torch.cos(target)).abs() + (torch.sin(theta) - torch.sin(target)).abs()


def _distance_from_nearest(points: Tensor, nearest_x: Tensor, nearest_y: Tensor) -> Tensor:
    # supp. Eq. 5 per edge, then Eq. 6: the minimum over edges.
    per_edge = _periodic_l1(points[..., 0, None], nearest_x) + _periodic_l1(points[..., 1, None], nearest_y)
    return per_edge.amin(dim=-1)


def hull_distance(points: Tensor, hulls: Tensor) -> Tensor:
    """Distance of each point to its hull's boundary, ``min_k D(v_k, theta)`` (supp. Eqs. 5-6), ``-> (..., H)``.

    This is the distance to the boundary whether the point is inside or not; see :func:`hull_loss`.
    """
    _, nearest_x, nearest_y = _edge_geometry(points, hulls)
    return _distance_from_nearest(points, nearest_x, nearest_y)


def hull_loss_and_inside(points: Tensor, hulls: Tensor) -> Tuple[Tensor, Tensor]:
    """:func:`hull_loss` and :func:`points_in_hulls` from one pass over the edges, ``-> (..., H), (..., H)``."""
    cross, nearest_x, nearest_y = _edge_geometry(points, hulls)
    inside = _inside_from_cross(cross)
    loss = _distance_from_nearest(points, nearest_x, nearest_y) * (~inside).to(points.dtype)
    return loss, inside


def hull_loss(points: Tensor, hulls: Tensor) -> Tensor:
    """``D_A = (1 - 1_c) D(theta, H)`` (supp. Eq. 7): 0 inside the hull, the distance outside, ``-> (..., H)``."""
    return hull_loss_and_inside(points, hulls)[0]


def points_in_boxes(points: Tensor, boxes: Tensor) -> Tensor:
    """True where both angles lie within their interval: ``points (..., H, 2)``, ``boxes (H, 2, 2) -> (..., H)``."""
    return ((points >= boxes[..., 0, :]) & (points <= boxes[..., 1, :])).all(dim=-1)


def box_loss(points: Tensor, boxes: Tensor) -> Tensor:
    """Independent-limits variant (paper Tab. 5 ablation): every angle constrained to its own interval.

    The penalty is the same cos/sin L1 distance as :func:`hull_distance`, to the nearest point of the box (for
    a box that is the per-angle clamp, so the penalty separates into independent per-angle terms); 0 inside.

    Args:
        points: ``(..., H, 2)``.
        boxes: ``(H, 2, 2)`` rows min and max of (flexion, abduction).

    Returns:
        ``(..., H)``.
    """
    nearest = torch.maximum(torch.minimum(points, boxes[..., 1, :]), boxes[..., 0, :])
    return angular_l1_distance(points, nearest)
