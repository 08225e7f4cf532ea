# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Bone vectors and lengths, plus the numerically safe primitives every BMC term is built from.

All functions are pure, batched over any leading dimensions ``...`` and follow the device and dtype of their
inputs. The safe primitives are *exact* wherever the textbook formula is defined (non-degenerate input) and
return finite values with finite gradients where it is not (zero vectors, ``atan2(0, 0)``, huge values).
"""
import torch
from torch import Tensor

from .skeleton import BONE_CHILDREN, BONE_PARENTS

#: Vectors shorter than this (in the input's unit; scale-normalised hands have bones of length ~1) count as
#: degenerate: :func:`safe_norm` returns ``eps`` for them (zero gradient) and :func:`safe_normalize` the zero
#: vector (zero gradient), which bounds both gradients by ``1 / eps`` and stops degeneracy from compounding.
DEFAULT_EPS: float = 1e-6
#: ``safe_atan2(y, x)`` returns 0 with zero gradient when ``|x| + |y|`` is below this (its gradient elsewhere
#: is bounded by ``1 / ATAN2_EPS``).
ATAN2_EPS: float = 1e-9
#: Floor of ``|u1 x u2|`` in :func:`vector_angle` (angle error for parallel vectors, radians).
_CROSS_EPS: float = 1e-12


def _detached_scale(vectors: Tensor) -> Tensor:
    """Per-vector scale ``max(1, max_i |v_i|)`` (detached), shape ``(..., 1)``.

    Dividing by it before squaring keeps ``sum(v ** 2)`` from overflowing for huge inputs. The scale is a
    constant for autograd, so ``s * f(v / s)`` has exactly the gradient of ``f(v)`` for 1-homogeneous ``f``.
    """
    return vectors.detach().abs().amax(dim=-1, keepdim=True).clamp_min(1.0)


def safe_norm(vectors: Tensor, eps: float = DEFAULT_EPS) -> Tensor:
    """Euclidean norm over the last dimension, ``max(||v||, eps)``, overflow-safe.

    Args:
        vectors: ``(..., D)``.
        eps: Lower bound of the returned norm.

    Returns:
        ``(...)``: ``||v||_2`` where ``||v|| >= eps`` (exact), else ``eps``; gradient ``v / ||v||`` resp. 0.
    """
    scale = _detached_scale(vectors)
    squared = (vectors / scale).square().sum(dim=-1)
    # clamp before sqrt: sqrt'(0) is infinite, and clamp's zero gradient below the bound keeps it finite.
    return scale.squeeze(-1) * squared.clamp_min(eps * eps).sqrt()


def safe_normalize(vectors: Tensor, eps: float = DEFAULT_EPS) -> Tensor:
    """The paper's ``norm(v) = v / ||v||`` over the last dimension, finite for ``v = 0``.

    Vectors shorter than ``eps`` map to the zero vector with zero gradient. A zero result then stays zero
    through later normalisations instead of each one multiplying the gradient by ``1 / eps`` (chains such as
    normal -> edge normal -> frame axis would otherwise reach ``eps ** -3``).

    Args:
        vectors: ``(..., D)``.
        eps: Degeneracy threshold (unit of ``vectors``).

    Returns:
        ``(..., D)``: unit vectors, exact where ``||v|| >= eps``, else 0. Gradient bounded by ``1 / eps``.
    """
    scale = _detached_scale(vectors)
    scaled = vectors / scale
    squared = scaled.square().sum(dim=-1, keepdim=True)
    # scale > 1 means a component > 1, never degenerate; otherwise ``scaled`` is the vector itself
    degenerate = squared < eps * eps
    # double where: the masked branch must not see 0 / 0 either, or its nan gradient leaks through
    norm = torch.where(degenerate, torch.ones_like(squared), squared).sqrt()
    return torch.where(degenerate, torch.zeros_like(scaled), scaled / norm)


def safe_atan2(y: Tensor, x: Tensor, eps: float = ATAN2_EPS) -> Tensor:
    """``atan2(y, x)`` with value 0 and zero gradient at (and very near) the origin.

    ``torch.atan2`` has a 0/0 gradient at ``(0, 0)``; the inputs are replaced there *before* the call (the
    double-``where`` trick), because masking only the output would still back-propagate ``0 * nan``.
    ``-0.0`` is mapped to ``+0.0`` so that ``atan2(-0.0, x < 0) = +pi``, matching the paper's sign rule
    ("negate if the component is < 0").
    """
    degenerate = (y.abs() + x.abs()) < eps
    x_safe = torch.where(degenerate, torch.ones_like(x), x)
    y_safe = torch.where(degenerate, torch.zeros_like(y), y + 0.0)
    return torch.where(degenerate, torch.zeros_like(y), torch.atan2(y_safe, x_safe))


def vector_angle(v1: Tensor, v2: Tensor, eps: float = DEFAULT_EPS) -> Tensor:
    """The paper's ``alpha(v1, v2) = arccos(v1.v2 / (|v1| |v2|))`` in ``[0, pi]``, over the last dimension (3D).

    Computed as ``atan2(|u1 x u2|, u1 . u2)`` of the unit vectors, which equals the arccos form but has finite
    gradients at 0 and pi (arccos' derivative is infinite at +-1). Zero vectors give 0.

    Args:
        v1, v2: ``(..., 3)``, broadcastable.

    Returns:
        ``(...)`` radians.
    """
    u1 = safe_normalize(v1, eps)
    u2 = safe_normalize(v2, eps)
    cross_norm = safe_norm(torch.cross(u1, u2, dim=-1), eps=_CROSS_EPS)
    # safe_norm returns _CROSS_EPS (not 0) for parallel vectors: an angle error <= 1e-12 rad. Two zero vectors
    # give |x| + |y| = 1e-12 < ATAN2_EPS, i.e. angle 0 with zero gradient.
    return safe_atan2(cross_norm, (u1 * u2).sum(dim=-1))


def interval_loss(values: Tensor, lower: Tensor, upper: Tensor) -> Tensor:
    """The paper's interval loss ``I(x; a, b) = max(a - x, 0) + max(x - b, 0)``, elementwise (broadcasting)."""
    return torch.relu(lower - values) + torch.relu(values - upper)


def interval_violation(values: Tensor, lower: Tensor, upper: Tensor) -> Tensor:
    """Boolean mask of ``values`` outside ``[lower, upper]`` (elementwise, broadcasting)."""
    return (values < lower) | (values > upper)


def bone_vectors(joints: Tensor) -> Tensor:
    """Bones ``b_k = j_{k+1} - j_{parent(k+1)}`` pointing from parent to child joint (FreiHAND order).

    Args:
        joints: ``(..., 21, 3)``.

    Returns:
        ``(..., 20, 3)``: bone ``k`` ends at joint ``k + 1`` (see ``skeleton.py``).
    """
    if joints.shape[-2:] != (21, 3):
        raise ValueError(f'bone_vectors: expected joints of shape (..., 21, 3), got {tuple(joints.shape)}')
    children = torch.as_tensor(BONE_CHILDREN, device=joints.device)
    parents = torch.as_tensor(BONE_PARENTS, device=joints.device)
    return joints.index_select(-2, children) - joints.index_select(-2, parents)


def bone_lengths(joints: Tensor, eps: float = DEFAULT_EPS) -> Tensor:
    """Lengths ``||b_k||_2`` of the 20 bones, ``(..., 21, 3) -> (..., 20)``, in the unit of ``joints``.

    Lengths below ``eps`` are returned as ``eps`` (finite gradient for zero-length bones).
    """
    return safe_norm(bone_vectors(joints), eps)
