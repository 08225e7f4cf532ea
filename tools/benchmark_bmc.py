# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Benchmark BMCLoss (forward + backward) against a straightforward per-sample / per-joint / per-hull loop.

Times are the minimum over repeats (robust on shared machines). Prints one table per device (CPU, and CUDA
when present) with both implementations side by side at
B = 1, 32, 256, 1024 and the speed-up, checks that both give the same loss, and estimates the BMC cost relative
to a ResNet-50 training step at 128 px (torchvision, B = 32).

    python tools/benchmark_bmc.py [--batch-sizes 1 32 256 1024] [--threads 1] [--skip-resnet]

On a CPU shared with other jobs use ``--threads 1``: intra-op threads that wait for a busy core make small
batches look 10-30x slower than they are.
"""
import argparse
import math
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bmc_mmpose.geometry.skeleton import BONE_LAYERS, PARENTS, ROOT_BONES  # noqa: E402
from bmc_mmpose.models.losses.bmc_loss import BMCLoss  # noqa: E402
from bmc_mmpose.testing.bmc_hands import random_fk_hands  # noqa: E402


class LoopReferenceBMC:
    """The same math as BMCLoss, written the obvious way: Python loops over samples, bones, joints and hull
    edges on small tensors (what a direct transcription of the paper looks like)."""

    def __init__(self, loss: BMCLoss):
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

    def sample_loss(self, joints):
        loss = self.loss
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
                loss_a = loss_a + self._hull_distance(torch.stack([flexion, abduction]), loss.hulls[joint])
                frame = frame @ self._rotation(flexion, abduction)
        return loss.lambda_bl * loss_bl / 20 + loss.lambda_rb * loss_rb / 4 + loss.lambda_a * loss_a / 15

    def __call__(self, joints):
        return torch.stack([self.sample_loss(hand) for hand in joints]).mean()


def time_call(fn, joints, repeats, device):
    def step():
        leaf = joints.detach().clone().requires_grad_(True)
        fn(leaf).backward()

    step()  # warm-up
    times = []
    for _ in range(repeats):
        if device.type == 'cuda':
            torch.cuda.synchronize()
        start = time.perf_counter()
        step()
        if device.type == 'cuda':
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    # the minimum is the least disturbed by other processes on shared machines
    return min(times)


def benchmark_device(device, batch_sizes, budget_s):
    loss = BMCLoss().to(device)
    reference = LoopReferenceBMC(loss)
    print(f'\n== {device} (torch {torch.__version__}, {torch.get_num_threads()} threads) ==')
    print(f'{"B":>6} | {"BMCLoss fwd+bwd":>16} | {"loop reference":>15} | {"speed-up":>8} | {"per hand":>9} | match')
    results = {}
    for batch in batch_sizes:
        hands = random_fk_hands(batch, torch.Generator().manual_seed(batch), dtype=torch.float32)['joints']
        # perturb so that every term is active (violations of all constraints)
        joints = (hands + 0.3 * torch.randn(hands.shape, generator=torch.Generator().manual_seed(0))).to(device)
        fast = time_call(loss, joints, repeats=max(3, min(50, int(0.5 / max(1e-4, 1e-5 * batch)))), device=device)
        slow = time_call(reference, joints, repeats=1, device=device) if batch * 0.02 < budget_s else math.nan
        with torch.no_grad():  # same value as the reference (checked on the first <= 32 hands)
            match = abs(float(loss(joints[:32])) - float(reference(joints[:32])))
        results[batch] = fast
        slow_text = f'{slow * 1e3:>12.1f} ms' if not math.isnan(slow) else f'{"skipped":>15}'
        ratio_text = f'{slow / fast:>7.1f}x' if not math.isnan(slow) else f'{"-":>8}'
        print(f'{batch:>6} | {fast * 1e3:>13.2f} ms | {slow_text} | {ratio_text} | '
              f'{fast / batch * 1e6:>6.1f} us | {match:.1e}')
    return results


def resnet_step_time(device, batch=32, size=128, repeats=2):
    try:
        import torchvision
    except ImportError:
        return None
    model = torchvision.models.resnet50(num_classes=63).to(device)
    optimiser = torch.optim.SGD(model.parameters(), lr=1e-3)
    images = torch.randn(batch, 3, size, size, device=device)

    def step(_):
        optimiser.zero_grad()
        out = model(images)
        return out.square().mean()

    return time_call(step, images, repeats, device)  # min over repeats, as for the BMC timings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--batch-sizes', type=int, nargs='+', default=[1, 32, 256, 1024])
    parser.add_argument('--threads', type=int, default=None, help='torch CPU threads (default: torch default)')
    parser.add_argument('--reference-budget', type=float, default=60.0,
                        help='skip the loop reference where it would take longer than this (s, estimate: '
                             '20 ms per hand)')
    parser.add_argument('--skip-resnet', action='store_true')
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = [torch.device('cpu')] + ([torch.device('cuda')] if torch.cuda.is_available() else [])
    for device in devices:
        results = benchmark_device(device, args.batch_sizes, args.reference_budget)
        if not args.skip_resnet:
            step = resnet_step_time(device)
            if step is None:
                print('torchvision not installed: ResNet-50 comparison skipped')
                continue
            bmc32 = results.get(32)
            if bmc32 is None:
                bmc32 = benchmark_device(device, [32], args.reference_budget)[32]
            print(f'ResNet-50 128px training step (B=32, fwd+bwd): {step * 1e3:.0f} ms; BMC at B=32: '
                  f'{bmc32 * 1e3:.2f} ms = {100 * bmc32 / step:.2f} % of the step')


if __name__ == '__main__':
    main()
