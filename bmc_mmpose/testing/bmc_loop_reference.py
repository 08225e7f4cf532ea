# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Test and benchmark support for BMCLoss: a per-sample loop reference of its maths and an aten-call counter."""
from typing import Callable, Dict

import torch
from torch import Tensor

from ..geometry.skeleton import BONE_LAYERS, PARENTS, ROOT_BONES


class LoopReferenceBMC:
    """The maths of BMCLoss written the obvious way: Python loops over samples, bones, joints and hull edges on
    small tensors (a direct transcription of the paper and its supplementary), sharing only the limits, weights
    and ``eps`` of the ``loss`` it is built from. Slow by design; used to check values and to time against."""

    def __init__(self, loss):
        self.loss = loss
        self.eps = loss.eps

    def _norm(self, v):
        return torch.sqrt(torch.clamp((v * v).sum(), min=self.eps**2))

    def _unit(self, v):
        return v / self._norm(v)

    def _atan2(self, y, x):
        if float(abs(y.detach()) + abs(x.detach())) < 1e-9:
            return torch.zeros_like(y)
        return torch.atan2(y + 0.0, x)

    def _angle(self, a, b):
        ua, ub = self._unit(a), self._unit(b)
        return self._atan2(self._norm(torch.linalg.cross(ua, ub)), (ua * ub).sum())

    def _rotation(self, flexion, abduction):
        cf, sf, ca, sa = torch.cos(flexion), torch.sin(flexion), torch.cos(abduction), torch.sin(abduction)
        zero = torch.zeros_like(cf)
        return torch.stack([torch.stack([cf, -sf * sa, sf * ca]), torch.stack([zero, ca, sa]),
                            torch.stack([-sf, -cf * sa, cf * ca])])

    def _hull_distance(self, theta, hull):
        inside_neg, inside_pos, best = True, True, None
        for k in range(hull.shape[0]):
            start, end = hull[k], hull[(k + 1) % hull.shape[0]]
            v, w = end - start, theta - start
            cross = w[0] * v[1] - w[1] * v[0]
            inside_neg &= bool(cross <= 0)
            inside_pos &= bool(cross >= 0)
            t = torch.clamp((w * v).sum() / torch.clamp((v * v).sum(), min=1e-20), 0.0, 1.0)
            p = start + t * v
            d = (torch.cos(theta) - torch.cos(p)).abs().sum() + (torch.sin(theta) - torch.sin(p)).abs().sum()
            best = d if best is None else torch.minimum(best, d)
        return best * 0.0 if (inside_neg or inside_pos) else best

    def sample_loss(self, joints: Tensor) -> Tensor:
        """``L_BMC`` of one hand ``(21, 3)`` (scale-normalised, FreiHAND order)."""
        loss = self.loss
        hulls = loss.hulls.to(joints.dtype)  # float64 hands: hull edges in float64 too
        bones = [joints[k + 1] - joints[PARENTS[k + 1]] for k in range(20)]
        loss_bl = 0.0
        for k in range(20):
            length = self._norm(bones[k])
            loss_bl = (loss_bl + torch.relu(loss.bone_length_min[k] - length)
                       + torch.relu(length - loss.bone_length_max[k]))
        roots = [bones[k] for k in ROOT_BONES]
        normals = [self._unit(torch.linalg.cross(self._unit(roots[i + 1]), self._unit(roots[i]))) for i in range(4)]
        edges = [normals[0]] + [self._unit(normals[i] + normals[i - 1]) for i in (1, 2, 3)] + [normals[3]]
        loss_rb = 0.0
        for i in range(4):
            db = roots[i + 1] - roots[i]
            curvature = ((edges[i + 1] - edges[i]) * self._unit(db)).sum() / self._norm(db)
            phi = self._angle(roots[i], roots[i + 1])
            loss_rb = (loss_rb + torch.relu(loss.root_curvature_min[i] - curvature)
                       + torch.relu(curvature - loss.root_curvature_max[i])
                       + torch.relu(loss.root_angle_min[i] - phi) + torch.relu(phi - loss.root_angle_max[i]))
        x_axes = [-normals[0], -normals[1], -self._unit(normals[2] + normals[1]),
                  -self._unit(normals[3] + normals[2]), -normals[3]]
        loss_a = 0.0
        for finger in range(5):
            z = self._unit(roots[finger])
            x = self._unit(x_axes[finger] - (x_axes[finger] * z).sum() * z)
            y = self._unit(torch.linalg.cross(z, x))
            frame = torch.stack([x, y, z], dim=1)
            for layer in range(3):
                local = frame.T @ self._unit(bones[BONE_LAYERS[layer][finger]])
                flexion = self._atan2(local[0], local[2])
                abduction = self._atan2(local[1], torch.sqrt(torch.clamp(local[0]**2 + local[2]**2, min=1e-24)))
                joint = 5 * layer + finger
                loss_a = loss_a + self._hull_distance(torch.stack([flexion, abduction]), hulls[joint])
                frame = frame @ self._rotation(flexion, abduction)
        return loss.lambda_bl * loss_bl / 20 + loss.lambda_rb * loss_rb / 4 + loss.lambda_a * loss_a / 15

    def __call__(self, joints: Tensor) -> Tensor:
        """Mean ``L_BMC`` over a batch ``(B, 21, 3)``."""
        return torch.stack([self.sample_loss(hand) for hand in joints]).mean()


def count_aten_calls(step: Callable[[], None]) -> Dict[str, int]:
    """Run ``step`` (e.g. a forward + backward) under the torch profiler and count its aten calls.

    Every recorded ``aten::`` event counts, nested ones included (an ``aten::linear`` and the ``aten::mm`` it
    calls are two), in the forward and in the backward pass. Returns ``{'total': n, <op name>: n, ...}``.
    """
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        step()
    counts: Dict[str, int] = {'total': 0}
    for event in prof.events():
        if event.name.startswith('aten::'):
            counts['total'] += 1
            counts[event.name] = counts.get(event.name, 0) + 1
    return counts
