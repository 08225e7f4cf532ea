# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Hull construction for the BMC angle limits (supplementary Sec. 1, "Approximation of Convex Hull").

Per joint, the convex hull of the (flexion, abduction) points of a data set (Andrew's monotone chain), simplified
by Ramer-Douglas-Peucker and a greedy vertex removal that keeps as many points inside as possible, down to exactly
K vertices, then grown until it encloses the points again. Offline numpy code (not a training hot path); the
distance of a point to such a hull, used by the loss, is :mod:`bmc_mmpose.geometry.hulls`.
"""
import numpy as np

def _cross(o: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """2D cross product ``(a - o) x (b - o)`` (broadcasting over leading dimensions)."""
    return (a[..., 0] - o[..., 0]) * (b[..., 1] - o[..., 1]) - (a[..., 1] - o[..., 1]) * (b[..., 0] - o[..., 0])


def convex_hull(points: np.ndarray) -> np.ndarray:
    """Convex hull vertices, counter-clockwise, no repeated or collinear vertices.

    Uses scipy's Qhull when available, else Andrew's monotone chain.

    Args:
        points: ``(N, 2)``.

    Returns:
        ``(M, 2)``; M may be 1 or 2 for degenerate (single-point or collinear) input.
    """
    pts = np.unique(np.asarray(points, dtype=np.float64), axis=0)  # sorted by x, then y
    if len(pts) <= 2:
        return pts
    try:
        from scipy.spatial import ConvexHull, QhullError
        try:
            return pts[ConvexHull(pts).vertices]  # 2D vertices are counter-clockwise
        except QhullError:  # collinear points: fall through to the monotone chain
            pass
    except ImportError:
        pass

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    def half(sequence):
        chain = []
        for point in sequence:
            while len(chain) >= 2 and cross(chain[-2], chain[-1], point) <= 0:
                chain.pop()
            chain.append(point)
        return chain

    as_list = pts.tolist()
    lower, upper = half(as_list), half(as_list[::-1])
    return np.array(lower[:-1] + upper[:-1], dtype=np.float64)


def _rdp_open(chain: np.ndarray, epsilon: float) -> np.ndarray:
    """Ramer-Douglas-Peucker on an open polyline ``(M, 2)``; returns a boolean keep mask."""
    keep = np.zeros(len(chain), dtype=bool)
    keep[[0, -1]] = True
    stack = [(0, len(chain) - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        segment = chain[last] - chain[first]
        inner = chain[first + 1:last] - chain[first]
        seg_len = np.hypot(*segment)
        if seg_len > 0:
            dist = np.abs(segment[0] * inner[:, 1] - segment[1] * inner[:, 0]) / seg_len
        else:
            dist = np.hypot(inner[:, 0], inner[:, 1])
        index = int(np.argmax(dist))
        if dist[index] > epsilon:
            split = first + 1 + index
            keep[split] = True
            stack += [(first, split), (split, last)]
    return keep


def rdp_closed_polygon(polygon: np.ndarray, epsilon: float) -> np.ndarray:
    """Ramer-Douglas-Peucker simplification of a closed polygon ``(M, 2)`` (vertex order kept).

    The polygon is split at its first vertex and the vertex farthest from it; both chains are simplified.
    """
    if len(polygon) <= 3:
        return polygon
    far = int(np.argmax(np.hypot(*(polygon - polygon[0]).T)))
    first_chain = polygon[:far + 1]
    second_chain = np.concatenate([polygon[far:], polygon[:1]])
    keep = np.zeros(len(polygon), dtype=bool)
    keep[:far + 1] |= _rdp_open(first_chain, epsilon)
    keep_second = _rdp_open(second_chain, epsilon)
    keep[far:] |= keep_second[:-1]
    keep[0] |= keep_second[-1]
    return polygon[keep]


def _points_in_triangles(points: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``(M, N)`` bool: point n strictly on the far side of chord a-c within triangle (a, b, c), CCW polygons.

    These are the points lost when vertex b is removed from a CCW convex polygon (points on the new edge stay
    inside).
    """
    p = points[None]
    a, b, c = a[:, None], b[:, None], c[:, None]
    return (_cross(a, c, p) < 0) & (_cross(a, b, p) >= 0) & (_cross(b, c, p) >= 0)


def greedy_reduce(polygon: np.ndarray, points: np.ndarray, num_vertices: int) -> np.ndarray:
    """Remove vertices of a CCW convex polygon one at a time until ``num_vertices`` remain.

    Each step removes the vertex whose removal loses the fewest of ``points`` (ties: the smallest cut-off
    area), i.e. the hull keeps as many points inside as possible (supplementary Sec. 1).
    """
    polygon = np.asarray(polygon, dtype=np.float64)
    points = np.asarray(points, dtype=np.float64)
    inside = np.ones(len(points), dtype=bool)
    while len(polygon) > num_vertices:
        prev_v, next_v = np.roll(polygon, 1, axis=0), np.roll(polygon, -1, axis=0)
        lost = _points_in_triangles(points[inside], prev_v, polygon, next_v).sum(axis=1)
        area = 0.5 * np.abs(_cross(prev_v, polygon, next_v))
        remove = int(np.lexsort((area, lost))[0])
        lost_mask = _points_in_triangles(points[inside], prev_v[remove:remove + 1], polygon[remove:remove + 1],
                                         next_v[remove:remove + 1])[0]
        inside[np.nonzero(inside)[0][lost_mask]] = False
        polygon = np.delete(polygon, remove, axis=0)
    return polygon


def pad_polygon(polygon: np.ndarray, num_vertices: int) -> np.ndarray:
    """Insert midpoints of the longest edges until the polygon has ``num_vertices`` vertices (shape unchanged)."""
    polygon = np.asarray(polygon, dtype=np.float64)
    while len(polygon) < num_vertices:
        lengths = np.hypot(*(np.roll(polygon, -1, axis=0) - polygon).T)
        k = int(np.argmax(lengths))
        midpoint = 0.5 * (polygon[k] + polygon[(k + 1) % len(polygon)])
        polygon = np.insert(polygon, k + 1, midpoint, axis=0)
    return polygon


def enclose_points(polygon: np.ndarray, points: np.ndarray, margin: float = 1e-4,
                   collinear_tol: float = 1e-9) -> np.ndarray:
    """Push every edge of a convex CCW polygon outward, parallel to itself, until no point lies beyond it.

    The result has the same edge directions (so at most the same number of vertices) and contains all
    ``points`` with ``margin`` to spare (radians for angle hulls: 1e-4 = 0.006 deg, so that a hand on the boundary
    still counts as inside when its angles are recomputed in float32, whose rounding reaches ~1e-6 rad):
    each new vertex is the intersection of its two neighbouring pushed edge lines. Nearly collinear
    vertices (turn below ``collinear_tol`` in cross-product terms) are dropped first, since their two edge lines
    would not intersect in a single point.

    Args:
        polygon: ``(K, 2)`` convex, counter-clockwise.
        points: ``(N, 2)``.

    Returns:
        ``(K', 2)`` counter-clockwise, ``K' <= K``.
    """
    polygon = np.asarray(polygon, dtype=np.float64)
    points = np.asarray(points, dtype=np.float64)
    turn = _cross(np.roll(polygon, 1, axis=0), polygon, np.roll(polygon, -1, axis=0))
    polygon = polygon[turn > collinear_tol * max(1.0, float(np.abs(polygon).max()) ** 2)]
    if len(polygon) < 3:
        return polygon
    edge = np.roll(polygon, -1, axis=0) - polygon
    normal = np.stack([edge[:, 1], -edge[:, 0]], axis=1)  # outward for a CCW polygon
    normal /= np.linalg.norm(normal, axis=1, keepdims=True)
    offset = np.maximum(((points[None] - polygon[:, None]) * normal[:, None]).sum(-1).max(axis=1), 0.0) + margin
    level = (normal * polygon).sum(-1) + offset  # edge line i: normal_i . x = level_i
    # vertex i lies on the lines of edge i - 1 and edge i
    lhs = np.stack([np.roll(normal, 1, axis=0), normal], axis=1)  # (K, 2, 2)
    rhs = np.stack([np.roll(level, 1), level], axis=1)[..., None]  # (K, 2, 1)
    return np.linalg.solve(lhs, rhs)[..., 0]


def approximate_hull(points: np.ndarray, num_vertices: int = 10, rdp_epsilon: float = 1e-3,
                     min_extent: float = 1e-6, enclose: bool = True) -> np.ndarray:
    """Convex hull -> Ramer-Douglas-Peucker -> greedy removal, exactly ``num_vertices`` CCW vertices.

    If RDP leaves fewer than ``num_vertices`` vertices the greedy removal starts from the full convex hull
    instead; a hull with fewer vertices than wanted is padded with edge midpoints. Degenerate point sets (all
    equal or collinear) are widened by ``min_extent`` so that the polygon has an interior.

    Args:
        points: ``(N, 2)`` (flexion, abduction) radians.
        num_vertices: K (>= 3).
        rdp_epsilon: RDP tolerance, radians. The default (0.06 deg) only drops nearly collinear vertices: with
            dense data a coarser tolerance cuts slivers that hold points (0.01 rad lost ~2 % of 3000 hands),
            which the greedy step could have kept.
        enclose: push the K edges of the reduced polygon outward until it contains every point again
            (:func:`enclose_points`). Reducing a hull of many vertices to K cuts its corners, which leaves some of
            the very hands the limits were computed from outside; the paper's limits are meant to accept the data
            they come from, so this is the default. False keeps the inscribed K-gon (corners cut).

    Returns:
        ``(K, 2)`` counter-clockwise.
    """
    if num_vertices < 3:
        raise ValueError(f'approximate_hull: num_vertices must be >= 3, got {num_vertices}')
    points = np.asarray(points, dtype=np.float64)
    hull = convex_hull(points)
    if len(hull) < 3:
        low, high = points.min(axis=0) - min_extent, points.max(axis=0) + min_extent
        hull = np.array([[low[0], low[1]], [high[0], low[1]], [high[0], high[1]], [low[0], high[1]]])
    simplified = rdp_closed_polygon(hull, rdp_epsilon)
    start = simplified if len(simplified) >= num_vertices else hull
    reduced = greedy_reduce(start, points, num_vertices)
    if enclose:
        enclosing = enclose_points(reduced, points)
        if len(enclosing) >= 3:
            reduced = enclosing
    return pad_polygon(reduced, num_vertices)
