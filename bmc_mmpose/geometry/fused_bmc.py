# Copyright (c) bmc_mmpose authors. All rights reserved.
"""All BMC quantities of a batch of hands in a few large tensor operations, with hand-written gradients.

This is the computation behind :class:`~bmc_mmpose.models.losses.BMCLoss`. It evaluates exactly the maths of
:mod:`.bones`, :mod:`.palm`, :mod:`.angles` and :mod:`.hulls` (those stay the readable, per-quantity reference
and are what the tests compare against), restructured so that forward + backward issue a few hundred aten
calls instead of a few thousand: per-call overhead, not arithmetic, dominates the BMC cost.

**Slot grid.** Every per-bone quantity lives on a grid of 4 levels x 5 fingers (thumb..little): level 0 holds
the root bones (wrist -> finger base), levels 1-3 the three finger-bone layers (``BONE_LAYERS``), so levels 1-3
flattened are the 15 angle bones in ``ANGLE_BONES`` order. One matrix product turns the joints into the
vectors of six *roles* on that grid, ``(B, 3, 6, 4, 5)`` (coordinates first):

* ``CUR``: the slot's bone (zeroed below ``eps``); ``PREV``: the unit vector of the bone before it along the
  finger (level >= 1) or of the next finger's root bone (level 0, so ``PREV x CUR`` at level 0 is the root-plane
  normal of Eq. 2 and at levels >= 1 the ``z x b`` of the local frame); ``DIFF``: at level 0 the neighbouring
  root-bone difference ``b_{i+1} - b_i`` divided by its squared length (curvature, Eq. 1);
  ``INNER`` / ``OUTER`` / ``ROOT``: unit vectors of the layer-1 / layer-2 / root bone of the slot's finger
  where the frame chain needs them, zero elsewhere.

**Closed-form frame chain.** ``F_child = F_parent R^theta`` (Eq. 6, see :mod:`.angles`) has ``z_child`` = the
parent bone's direction and ``y_child = norm(y_parent - (y_parent . u) u)`` (``u`` the parent bone's unit
vector), because ``R^theta e_y = (-sin f sin a, cos a, -cos f sin a)`` is that projection in the parent frame.
So the y-axis of layer ``l`` is the first-layer y-axis (Eq. 4, ``norm(z x x)``) projected off the bones before
it, and the local direction of bone ``b`` is ``(y x z . b, y . b, z . b)``: two projections on the whole grid
replace the per-layer 3 x 3 rotations. Angles are scale invariant, so these dot products use the raw bone.

**Gradients.** Each stage is a :class:`torch.autograd.Function` whose backward is the analytic chain rule of
its forward (checked against autograd of the reference functions and by ``gradcheck``); the hull stage and the
interval penalties compute their local gradient in the forward pass.

**Degenerate input.** Values agree with the reference functions to rounding for every hand whose bones,
root-bone planes and frames are non-degenerate. Where they are degenerate both are finite with bounded
gradients, but conventions differ in three places: (1) a bone after a degenerate frame (e.g. collinear root
bones) is measured about the parent bone's direction (the paper's ``R^theta z = b^F``) rather than about the
degenerate frame's z-axis; (2) the ``eps`` thresholds of the normals apply to ``|u_next x b|`` (bone length
included) instead of ``|u_next x u|``; (3) root bones closer than ``eps / |b|`` rad to (anti)parallel get
angle 0 (pi) exactly.
"""
import math
from typing import Dict, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .skeleton import BONE_LAYERS, NUM_JOINTS, PARENTS, ROOT_BONES

CUR, PREV, DIFF, INNER, OUTER, ROOT = range(6)
NUM_ROLES: int = 6
#: Bone index of every grid slot (level, finger).
GRID_BONES: Tuple[Tuple[int, ...], ...] = (tuple(ROOT_BONES), ) + tuple(tuple(layer) for layer in BONE_LAYERS)
#: Floors of the atan2 inputs, as in :mod:`.bones` and :mod:`.angles`.
_ATAN2_EPS: float = 1e-9
_IN_PLANE_EPS: float = 1e-12
_EDGE_EPS: float = 1e-20
_INF = float('inf')


def _bone_row(bone: int) -> np.ndarray:
    row = np.zeros(NUM_JOINTS)
    row[bone + 1] += 1.0
    row[PARENTS[bone + 1]] -= 1.0
    return row


def _role_matrix() -> np.ndarray:
    """``(63, 3 * 6 * 20)``: flattened joints ``(21, 3)`` -> role vectors ``(3, 6, 4, 5)`` (coordinates first)."""
    rows = np.zeros((NUM_ROLES, 4, 5, NUM_JOINTS))
    for level in range(4):
        for finger in range(5):
            rows[CUR, level, finger] = _bone_row(GRID_BONES[level][finger])
            if level == 0:
                if finger < 4:  # the next finger's root bone; the little finger has none
                    rows[PREV, level, finger] = _bone_row(ROOT_BONES[finger + 1])
                    rows[DIFF, level, finger] = rows[PREV, level, finger] - rows[CUR, level, finger]
            else:
                rows[PREV, level, finger] = _bone_row(GRID_BONES[level - 1][finger])
                rows[ROOT, level, finger] = _bone_row(ROOT_BONES[finger])
            if level >= 2:
                rows[INNER, level, finger] = _bone_row(BONE_LAYERS[0][finger])
            if level == 3:
                rows[OUTER, level, finger] = _bone_row(BONE_LAYERS[1][finger])
    # out[(c, r, l, f)] = sum_j joints[j, c] * rows[r, l, f, j]
    matrix = np.einsum('rlfj,cd->jcdrlf', rows, np.eye(3))
    return matrix.reshape(NUM_JOINTS * 3, 3 * NUM_ROLES * 20)


def _interval_constants(prefix: str, low: np.ndarray, high: np.ndarray, weight: float) -> Dict[str, np.ndarray]:
    """``w relu(|x - mid| - half)`` = ``w I(x; low, high)``; +inf half-widths switch unused slots off."""
    used = np.isfinite(high)
    mid = np.where(used, (low + high) / 2, 0.0)
    half = np.where(used, weight * (np.where(used, high, low) - low) / 2, _INF)
    return {prefix + '_w': np.asarray(weight), prefix + '_nwmid': -weight * mid, prefix + '_whalf': half}


def fused_bmc_constants(limits, lambda_bl: float, lambda_rb: float, lambda_a: float) -> Dict[str, np.ndarray]:
    """Per-limits constants of :func:`fused_bmc_terms` (float64 numpy arrays; the loss keeps them as buffers).

    Args:
        limits: :class:`~bmc_mmpose.limits.BMCLimits`.
        lambda_bl, lambda_rb, lambda_a: Term weights; the means over 20 bones / 4 root pairs / 15 joints are
            folded in.
    """
    consts: Dict[str, np.ndarray] = {'roles': _role_matrix()}
    kind = np.zeros((3, NUM_ROLES))
    kind[0, CUR] = 1.0
    kind[1, [PREV, INNER, OUTER, ROOT]] = 1.0
    kind[2, DIFF] = 1.0
    consts['kind_cur'], consts['kind_unit'], consts['kind_diff'] = (k.reshape(1, 1, NUM_ROLES, 1, 1) for k in kind)
    consts['kind_diff2'] = 2 * consts['kind_diff']

    low = np.zeros((NUM_ROLES, 4, 5))
    high = np.full((NUM_ROLES, 4, 5), _INF)
    for level in range(4):
        for finger in range(5):
            bone = GRID_BONES[level][finger]
            low[CUR, level, finger] = limits.bone_length_min[bone]
            high[CUR, level, finger] = limits.bone_length_max[bone]
    consts.update(_interval_constants('bl', low, high, lambda_bl / 20))
    low, high = np.zeros((4, 5)), np.full((4, 5), _INF)
    low[0, :4], high[0, :4] = limits.root_curvature_min, limits.root_curvature_max
    consts.update(_interval_constants('curv', low, high, lambda_rb / 4))
    low, high = np.zeros((2, 4, 5)), np.full((2, 4, 5), _INF)
    low[0, 0, :4], high[0, 0, :4] = limits.root_angle_min, limits.root_angle_max
    consts.update(_interval_constants('phi', low, high, lambda_rb / 4))

    # Palm (Eq. 2 / Eq. 4) from the root-plane normals n_0..n_3 (flat slots 0..3 of the level-0 grid):
    # columns 0-4 the edge normals before normalisation (n0, n0+n1, n1+n2, n2+n3, n3), columns 5-9 the
    # first-layer x-axes up to a positive scale (-n0, -n1, -(n1+n2), -(n2+n3), -n3).
    mix = np.zeros((20, 10))
    for column, normals in enumerate([[0], [0, 1], [1, 2], [2, 3], [3]]):
        mix[normals, column] = 1.0
        mix[normals, 5 + column] = -1.0
    mix[:, 6] = 0.0
    mix[1, 6] = -1.0
    consts['palm_mix'], consts['palm_mix_t'] = mix, mix.T.copy()
    # then (e_{i+1} - e_i) for the curvature and the x-axes as they are
    pick = np.zeros((10, 10))
    for pair in range(4):
        pick[pair + 1, pair], pick[pair, pair] = 1.0, -1.0
    pick[5:, 5:] = np.eye(5)
    consts['palm_pick'], consts['palm_pick_t'] = pick, pick.T.copy()
    level0 = np.zeros((4, 1))
    level0[0] = 1.0
    consts['level0'] = level0

    hulls = np.asarray(limits.hulls, dtype=np.float64)                        # (15, K, 2)
    starts = hulls.transpose(1, 2, 0)                                         # (K, 2, 15)
    edges = np.roll(starts, -1, axis=0) - starts
    # Orientation from the signed area: inside iff every oriented edge cross product is <= 0, which is the
    # reference's orientation-free test (the cross products of any point sum to -2 * signed area).
    area2 = (starts[:, 0] * np.roll(starts[:, 1], -1, 0) - starts[:, 1] * np.roll(starts[:, 0], -1, 0)).sum(0)
    orientation = np.where(area2 < 0, -1.0, 1.0)
    # hull stage layout (coordinate, edge, batch, joint): reductions over coordinates and edges run over the
    # outer dimensions, which is what CPU reductions are fast at
    def layout(value):
        return np.ascontiguousarray(value.transpose(1, 0, 2))[:, :, None, :]  # (2, K, 1, 15)
    consts['hull_start'] = layout(starts)
    consts['hull_edge'] = layout(edges)
    consts['hull_edge_scaled'] = layout(edges / np.maximum((edges**2).sum(1, keepdims=True), _EDGE_EPS))
    consts['hull_normal'] = layout(np.stack([edges[:, 1], -edges[:, 0]], 1) * orientation)
    consts['hull_w'] = np.asarray(lambda_a / 15)
    consts['phase'] = np.array([0.0, math.pi / 2]).reshape(2, 1, 1, 1, 1)    # cos(x - phase) = (cos x, sin x)
    consts['zero'], consts['one'], consts['atan2_eps'] = np.asarray(0.0), np.asarray(1.0), np.asarray(_ATAN2_EPS)
    return consts


def _interval(values: Tensor, c: Dict[str, Tensor], prefix: str) -> Tuple[Tensor, Tensor]:
    """Weighted interval penalty of ``values`` and its derivative (0 where switched off or inside)."""
    centred = values * c[prefix + '_w'] + c[prefix + '_nwmid']
    penalty = F.threshold(centred.abs() - c[prefix + '_whalf'], 0.0, 0.0)
    return penalty, centred.sign() * penalty.sign() * c[prefix + '_w']


class _BoneRoles(torch.autograd.Function):
    """Role vectors ``(B, 3, 6, 4, 5)`` -> the six roles ``(B, 3, 4, 5)``, the weighted bone-length penalty
    ``(B,)`` and the lengths ``(B, 1, 6, 4, 5)`` (``max(|v|, eps)``)."""

    @staticmethod
    def forward(ctx, vectors: Tensor, c: Dict[str, Tensor], eps: float):
        ctx.set_materialize_grads(False)
        squared = (vectors * vectors).sum(1, keepdim=True)
        inv_norm = F.threshold(squared, eps * eps, _INF).rsqrt()            # 1 / |v|, 0 below eps
        lengths = F.threshold(squared, eps * eps, eps * eps).sqrt()
        # CUR: v (0 below eps); unit roles: v / |v|; DIFF: v / |v|^2
        scale = c['kind_cur'] * inv_norm.sign() + inv_norm * (c['kind_unit'] + c['kind_diff'] * inv_norm)
        unit = vectors * inv_norm
        penalty, slope = _interval(lengths, c, 'bl')
        ctx.save_for_backward(unit, scale, inv_norm * (c['kind_unit'] + c['kind_diff2'] * inv_norm))
        ctx.slope = unit * slope
        return (*(vectors * scale).unbind(2), penalty.sum((1, 2, 3, 4)), lengths)

    @staticmethod
    def backward(ctx, *grads):
        unit, scale, projection = ctx.saved_tensors
        grad_roles = torch.stack([torch.zeros_like(unit[:, :, 0]) if g is None else g for g in grads[:NUM_ROLES]], 2)
        grad = grad_roles * scale - unit * ((unit * grad_roles).sum(1, keepdim=True) * projection)
        if grads[NUM_ROLES] is not None:
            grad = torch.addcmul(grad, grads[NUM_ROLES].view(-1, 1, 1, 1, 1), ctx.slope)
        if grads[NUM_ROLES + 1] is not None:
            grad = grad + grads[NUM_ROLES + 1] * unit
        return grad, None, None


class _Palm(torch.autograd.Function):
    """Plane normals ``PREV x CUR`` ``(B, 3, 4, 5)`` (level 0) and ``DIFF`` -> first-layer x-axes (up to scale)
    ``(B, 3, 1, 5)``, the weighted curvature penalty ``(B,)`` and the curvature grid ``(B, 1, 4, 5)``."""

    @staticmethod
    def forward(ctx, normals: Tensor, diff: Tensor, c: Dict[str, Tensor], eps: float):
        ctx.set_materialize_grads(False)
        batch = normals.shape[0]
        inv_n = F.threshold((normals * normals).sum(1, keepdim=True), eps * eps, _INF).rsqrt()
        unit_n = normals * inv_n
        edges = torch.mm(unit_n.view(batch * 3, 20), c['palm_mix']).view(batch, 3, 10)
        inv_e = F.threshold((edges * edges).sum(1, keepdim=True), eps * eps, _INF).rsqrt()
        unit_e = edges * inv_e
        delta_e, x_axes = torch.mm(unit_e.view(batch * 3, 10), c['palm_pick']).view(batch, 3, 2, 1, 5).unbind(2)
        curvature = (delta_e * diff).sum(1, keepdim=True)
        penalty, slope = _interval(curvature, c, 'curv')
        ctx.save_for_backward(unit_n, inv_n, unit_e, inv_e, delta_e, diff, slope)
        ctx.c = c
        return x_axes, penalty.sum((1, 2, 3)), curvature

    @staticmethod
    def backward(ctx, grad_x, grad_penalty, grad_curvature):
        unit_n, inv_n, unit_e, inv_e, delta_e, diff, slope = ctx.saved_tensors
        c = ctx.c
        batch = unit_n.shape[0]
        grad_c = torch.zeros_like(slope) if grad_curvature is None else grad_curvature
        if grad_penalty is not None:
            grad_c = torch.addcmul(grad_c, grad_penalty.view(-1, 1, 1, 1), slope)
        if grad_x is None:
            grad_x = torch.zeros_like(delta_e[:, :, :1])
        grad_pick = torch.stack([(grad_c * diff).sum(2, keepdim=True), grad_x], 2)
        grad_e = torch.mm(grad_pick.view(batch * 3, 10), c['palm_pick_t']).view(batch, 3, 10)
        grad_e = (grad_e - unit_e * (unit_e * grad_e).sum(1, keepdim=True)) * inv_e
        grad_n = torch.mm(grad_e.view(batch * 3, 10), c['palm_mix_t']).view(batch, 3, 4, 5)
        grad_n = (grad_n - unit_n * (unit_n * grad_n).sum(1, keepdim=True)) * inv_n
        return grad_n, grad_c * delta_e, None, None


class _FingerAngles(torch.autograd.Function):
    """Closed-form frame chain and guarded atan2s -> ``(B, 2, 4, 5)``: channel 0 the flexion of the 15 finger
    bones (levels 1-3) and the root-bone angles phi (level 0), channel 1 the abduction (level 0 unused)."""

    @staticmethod
    def forward(ctx, root, x_axes, normals, inner, outer, cur, dot, c: Dict[str, Tensor], eps: float):
        # y-axis of the first-layer frame (up to scale), at level 0 the root-plane normal for phi
        v0 = torch.linalg.cross(root, x_axes, dim=1) + normals * c['level0']
        s1 = (v0 * inner).sum(1, keepdim=True)
        v1 = torch.addcmul(v0, s1, inner, value=-1)
        s2 = (v1 * outer).sum(1, keepdim=True)
        v = torch.addcmul(v1, s2, outer, value=-1)
        inv = F.threshold((v * v).sum(1, keepdim=True), eps * eps, _INF).rsqrt()
        unit_y = v * inv
        d_x = (unit_y * normals).sum(1, keepdim=True)                         # (y x z) . b
        d_y = (unit_y * cur).sum(1, keepdim=True)
        in_plane = F.threshold(torch.addcmul(d_x * d_x, dot, dot), _IN_PLANE_EPS**2, _IN_PLANE_EPS**2).sqrt()
        y = torch.cat([d_x, d_y], 1)
        x = torch.cat([dot, in_plane], 1)
        # safe_atan2: 0 with zero gradient where |y| + |x| < eps; -0.0 -> +0.0 (the paper's sign rule)
        keep = c['one'] - F.threshold(c['atan2_eps'] - (y.abs() + x.abs()), 0.0, 0.0).sign()
        y = y * keep + c['zero']
        x = torch.addcmul(c['one'] - keep, x, keep)
        ratio = keep / torch.addcmul(x * x, y, y)
        in_plane_ok = F.threshold(in_plane, _IN_PLANE_EPS, _INF).reciprocal()   # 1 / in_plane, 0 at its floor
        ctx.save_for_backward(root, x_axes, normals, inner, outer, cur, v0, v1, unit_y, inv, s1, s2, d_x, d_y, dot,
                              in_plane_ok, x * ratio, y * ratio)
        ctx.level0 = c['level0']
        return torch.atan2(y, x)

    @staticmethod
    def backward(ctx, grad):
        (root, x_axes, normals, inner, outer, cur, v0, v1, unit_y, inv, s1, s2, d_x, d_y, dot, in_plane_ok,
         d_atan_dy, neg_d_atan_dx) = ctx.saved_tensors
        grad_y = grad * d_atan_dy
        neg_grad_x = grad * neg_d_atan_dx                                     # d atan2 / dx = -y / (x^2 + y^2)
        # d in_plane / d(d_x, dot) = (d_x, dot) / in_plane
        neg_grad_in_plane = neg_grad_x[:, 1:] * in_plane_ok
        grad_dx = torch.addcmul(grad_y[:, :1], neg_grad_in_plane, d_x, value=-1)
        grad_dy = grad_y[:, 1:]
        grad_dot = torch.addcmul(neg_grad_x[:, :1], neg_grad_in_plane, dot).neg()
        grad_v = inv * (grad_dx * normals + grad_dy * cur - (grad_dx * d_x + grad_dy * d_y) * unit_y)
        outer_g = (outer * grad_v).sum(1, keepdim=True)
        grad_v1 = torch.addcmul(grad_v, outer, outer_g, value=-1)
        grad_outer = -(s2 * grad_v + outer_g * v1)
        inner_g = (inner * grad_v1).sum(1, keepdim=True)
        grad_v0 = torch.addcmul(grad_v1, inner, inner_g, value=-1)
        grad_inner = -(s1 * grad_v1 + inner_g * v0)
        grad_normals = torch.addcmul(grad_dx * unit_y, grad_v0, ctx.level0)
        grad_root = torch.linalg.cross(x_axes, grad_v0, dim=1)
        grad_x_axes = torch.linalg.cross(grad_v0, root, dim=1).sum(2, keepdim=True)
        return grad_root, grad_x_axes, grad_normals, grad_inner, grad_outer, grad_dy * unit_y, grad_dot, None, None


class _AnglePenalties(torch.autograd.Function):
    """Angle grid ``(B, 2, 4, 5)`` -> weighted phi interval penalty + weighted hull penalty ``(B,)``, the
    unweighted hull distance of the 15 joints ``(B, 15)`` (0 inside, supp. Eq. 7) and their outside flags."""

    @staticmethod
    def forward(ctx, angles: Tensor, c: Dict[str, Tensor]):
        ctx.set_materialize_grads(False)
        batch = angles.shape[0]
        penalty, slope = _interval(angles, c, 'phi')
        theta = angles[:, :, 1:].transpose(0, 1).reshape(2, 1, batch, 15)   # (2, 1, B, 15)
        offset = theta - c['hull_start']                                      # (2, K, B, 15)
        t_raw = (offset * c['hull_edge_scaled']).sum(0, keepdim=True)         # (1, K, B, 15)
        t = t_raw.clamp(0.0, 1.0)
        nearest = t * c['hull_edge'] + c['hull_start']                          # supp. Eq. 5
        theta_cs = theta.view(1, 2, 1, batch, 15) - c['phase']                # cos() -> (cos, sin)
        diff = theta_cs.cos() - (nearest.view(1, 2, -1, batch, 15) - c['phase']).cos()   # (2, 2, K, B, 15)
        distance = diff.abs().sum((0, 1))                                     # (K, B, 15)
        d_min = distance.amin(0)                                              # supp. Eq. 6
        outside = F.threshold((offset * c['hull_normal']).sum(0).amax(0), 0.0, 0.0).sign()   # (B, 15)
        # gradient at the nearest edge (an exact tie shares the nearest point, e.g. the vertex of two edges, and
        # with it the gradient)
        # picked by a one-hot weight over the edges, whose sums run over an outer dimension (fast on CPU)
        pick = (distance == d_min).to(diff.dtype)
        pick = pick / pick.sum(0)                                             # (K, B, 15)
        sign = (diff.sign() * pick).sum(2, keepdim=True)                      # (2, 2, 1, B, 15)
        nearest_cs = (nearest * pick).sum(1).view(1, 2, 1, batch, 15) - c['phase']
        edge = (c['hull_edge'] * pick).sum(1, keepdim=True)                  # (2, 1, B, 15)
        # d nearest / d theta = edge edge^T / |edge|^2 inside the edge, 0 where t is clamped
        edge_scaled = (c['hull_edge_scaled'] * (pick * (t == t_raw).to(diff.dtype))).sum(1, keepdim=True)
        d_nearest = (sign * nearest_cs.sin()).sum(0).view(2, 1, batch, 15)
        slope_hull = ((d_nearest * edge).sum(0, keepdim=True) * edge_scaled
                      - (sign * theta_cs.sin()).sum(0).view(2, 1, batch, 15)) * outside   # (2, 1, B, 15)
        # the hull gradient on the grid (level 0, the root bones, has none)
        slope_grid = torch.zeros_like(angles)
        slope_grid[:, :, 1:] = slope_hull.view(2, batch, 3, 5).transpose(0, 1)
        ctx.save_for_backward(slope_grid, slope)
        ctx.hull_w = c['hull_w']
        hull = d_min * outside
        ctx.mark_non_differentiable(outside)
        return penalty.sum((1, 2, 3)) + hull.sum(1) * c['hull_w'], hull, outside

    @staticmethod
    def backward(ctx, grad_penalty, grad_hull, _):
        slope_hull, slope = ctx.saved_tensors
        grad = None
        if grad_penalty is not None:
            grad = grad_penalty.view(-1, 1, 1, 1) * torch.addcmul(slope, slope_hull, ctx.hull_w)
        if grad_hull is not None:
            batch = slope_hull.shape[0]
            per_joint = slope_hull * torch.cat([torch.zeros_like(grad_hull[:, :5]), grad_hull], 1).view(batch, 1, 4, 5)
            grad = per_joint if grad is None else grad + per_joint
        return grad, None


def fused_bmc_terms(joints: Tensor, c: Dict[str, Tensor], eps: float, hull_penalty: bool = True) -> Dict[str, Tensor]:
    """BMC quantities of a batch of right hands (FreiHAND order, scale-normalised), see the module docstring.

    Args:
        joints: ``(B, 21, 3)`` float32 or float64.
        c: :func:`fused_bmc_constants` as tensors of the joints' dtype and device.
        eps: Degeneracy threshold of the normalisations.
        hull_penalty: Whether ``penalty`` includes the weighted hull term (False for the box ablation).

    Returns:
        dict: ``penalty (B,)`` weighted ``l_BL L_BL + l_RB L_RB (+ l_A L_A)``; ``penalty_bl``, ``penalty_curvature``
        ``(B,)`` (weighted); ``lengths (B, 1, 6, 4, 5)`` (role ``CUR``: bone lengths on the slot grid);
        ``curvature (B, 1, 4, 5)`` (level 0, fingers 0-3: ``c_1..c_4``); ``angles (B, 2, 4, 5)``; ``hull (B, 15)``
        unweighted hull distances (0 inside); ``outside (B, 15)`` float flags.
    """
    batch = joints.shape[0]
    vectors = torch.mm(joints.reshape(batch, NUM_JOINTS * 3), c['roles']).view(batch, 3, NUM_ROLES, 4, 5)
    cur, prev, diff, inner, outer, root, penalty_bl, lengths = _BoneRoles.apply(vectors, c, eps)
    normals = torch.linalg.cross(prev, cur, dim=1)
    dot = (prev * cur).sum(1, keepdim=True)
    x_axes, penalty_curvature, curvature = _Palm.apply(normals, diff, c, eps)
    angles = _FingerAngles.apply(root, x_axes, normals, inner, outer, cur, dot, c, eps)
    penalty_angles, hull, outside = _AnglePenalties.apply(angles, c)
    if not hull_penalty:
        penalty_angles = penalty_angles - hull.sum(1) * c['hull_w']
    return {
        'penalty': penalty_bl + penalty_curvature + penalty_angles,
        'penalty_bl': penalty_bl,
        'penalty_curvature': penalty_curvature,
        'lengths': lengths,
        'curvature': curvature,
        'angles': angles,
        'hull': hull,
        'outside': outside,
    }
