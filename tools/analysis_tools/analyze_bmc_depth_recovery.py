# Copyright (c) bmc_mmpose authors. All rights reserved.
"""How much root-relative depth can BMC alone recover, given 2D keypoints of a known quality?

BMC's promise is that 2D labels plus biomechanical limits pin down depth. This tool measures that promise without
a network: for every 3D-labelled hand of a dataset it keeps the 2D keypoints fixed (the true projections, plus
Gaussian pixel noise of a chosen mean size), places the root at its true depth, and optimises the 20 relative
depths ``z_r`` of the other joints to minimise ``L_BMC`` alone (Adam, several random starts per hand, the start
with the lowest final ``L_BMC`` kept). It prints, per 2D noise level, the root-relative depth error ``Z`` and 3D
error of:

* ``flat``: every joint at the root's depth (``z_r = 0``), the no-information reference;
* ``start``: the starting depths (random, or a model's predictions with ``--init-from``);
* ``BMC``: after the optimisation (and the mean ``L_BMC`` left, weights ``l_BL = l_RB = 1, l_A = 1`` unless
  ``--paper-weights``).

If BMC cannot bring ``Z`` below a model's ``Z`` at the 2D error that model makes, then BMC cannot help that model
through its 2D either. Example (the synthetic proxy's held-out part of domain B and its computed limits)::

    python tools/analysis_tools/analyze_bmc_depth_recovery.py configs/synthetic/proxy/a3d_b2d_bmc.py \\
        --limits data/synthetic/bmc_limits_domain_b.json --noise-px 0 5 10 18
"""
import argparse
import json
import math
import os.path as osp
import sys
from pathlib import Path
from typing import Dict, Optional

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's bmc_mmpose first

from bmc_mmpose.geometry.camera import back_project, project  # noqa: E402
from bmc_mmpose.geometry.skeleton import ROOT_JOINT  # noqa: E402


def recover_depth_with_bmc(bmc, uv: torch.Tensor, K: torch.Tensor, root_depth: torch.Tensor,
                           ref_bone_length: torch.Tensor, z_start: torch.Tensor, steps: int = 600,
                           lr: float = 0.1) -> Dict[str, torch.Tensor]:
    """Relative depths that minimise ``L_BMC`` with the 2D keypoints and the root depth held fixed.

    Args:
        bmc: a ``BMCLoss`` with ``input_unit='mm'`` (its ``terms()`` gives the per-hand loss).
        uv: ``(B, 21, 2)`` pixels; K: ``(B, 3, 3)``; root_depth: ``(B,)`` mm; ref_bone_length: ``(B,)`` mm.
        z_start: ``(B, 21)`` starting relative depths (mm); the root's entry is ignored (kept at 0).
        steps, lr: Adam iterations and learning rate (in units of the reference bone).

    Returns:
        dict: ``z_r`` ``(B, 21)`` mm (root 0), ``joints`` ``(B, 21, 3)`` mm camera frame, ``loss`` ``(B,)`` the
        final per-hand ``L_BMC``.
    """
    not_root = torch.ones_like(z_start)
    not_root[:, ROOT_JOINT] = 0.
    scale = ref_bone_length[:, None]
    # optimise in reference-bone units so that one learning rate suits every hand size
    z = (z_start / scale * not_root).detach().clone().requires_grad_(True)
    optimizer = torch.optim.Adam([z], lr=lr)

    def place(z_n):
        return back_project(uv, root_depth[:, None] + z_n * not_root * scale, K)

    for _ in range(steps):
        optimizer.zero_grad(set_to_none=True)
        # per-hand losses summed: each hand's depths get their own gradient, unscaled by the batch size
        bmc.terms(place(z), ref_bone_length)['loss'].sum().backward()
        optimizer.step()
    with torch.no_grad():
        joints = place(z)
        loss = bmc.terms(joints, ref_bone_length)['loss']
    return dict(z_r=(z * not_root * scale).detach(), joints=joints, loss=loss)


def depth_errors(joints: torch.Tensor, gt: torch.Tensor) -> Dict[str, float]:
    """Root-relative mean depth error ``Z`` and 3D error (mm) of ``(B, 21, 3)`` hands against the truth."""
    rel = joints - joints[:, ROOT_JOINT:ROOT_JOINT + 1]
    gt_rel = gt - gt[:, ROOT_JOINT:ROOT_JOINT + 1]
    return dict(z=float((rel[..., 2] - gt_rel[..., 2]).abs().mean()),
                epe=float(torch.linalg.norm(rel - gt_rel, dim=-1).mean()))


def best_of_starts(results: Dict[str, torch.Tensor], num_hands: int) -> Dict[str, torch.Tensor]:
    """Per hand, the start with the lowest final ``L_BMC``; ``results`` hold ``starts * num_hands`` rows, start
    major (rows ``s * num_hands + i``)."""
    loss = results['loss'].reshape(-1, num_hands)  # (starts, B)
    best = loss.argmin(dim=0)  # (B,)
    rows = best * num_hands + torch.arange(num_hands, device=best.device)
    return {k: v[rows] for k, v in results.items()}


def _load_hands(config: str, key: str):
    from bmc_mmpose.utils.cli import build_annotation_dataset
    dataset = build_annotation_dataset(config, key)
    paths, joints, cams, lengths = [], [], [], []
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        if not info.get('has_3d_eval', True) or float(np.asarray(info['ref_bone_length']).reshape(-1)[0]) <= 0:
            continue
        paths.append(info['img_path'])
        joints.append(np.asarray(info['keypoints_3d'], np.float64).reshape(21, 3))
        cams.append(np.asarray(info['cam_K'], np.float64).reshape(3, 3))
        lengths.append(float(np.asarray(info['ref_bone_length']).reshape(-1)[0]))
    if not paths:
        raise SystemExit(f'{config}: {key} has no 3D-labelled hand with a known reference bone')
    joints, cams, lengths = (torch.as_tensor(np.asarray(x), dtype=torch.float32) for x in (joints, cams, lengths))
    return paths, joints, cams, lengths


def _predictions(option: str, test_dir: str, paths, key: str) -> torch.Tensor:
    """``key`` (``keypoints_3d_mm`` or ``keypoints_px``) of a test dir's predictions, in the order of ``paths``."""
    path = osp.join(test_dir, 'hand3d_predictions.json')
    if not osp.isfile(path):
        raise SystemExit(f'{option}: {path} does not exist (tools/test.py with Hand3DMetric writes it)')
    with open(path) as f:
        by_path = {p['img_path']: np.asarray(p[key], np.float64) for p in json.load(f)}
    missing = [p for p in paths if p not in by_path]
    if missing:
        raise SystemExit(f'{option}: {path} has no prediction for {len(missing)} hands, e.g. {missing[0]}')
    return torch.as_tensor(np.stack([by_path[p] for p in paths]), dtype=torch.float32)


def main(argv: Optional[list] = None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='config holding the dataset of 3D-labelled hands')
    parser.add_argument('--dataset-key', default='test_dataloader.dataset')
    parser.add_argument('--limits', default='literature', help="BMC limits: JSON path or 'literature'")
    parser.add_argument('--noise-px', type=float, nargs='+', default=[0., 5., 10., 18.],
                        help='mean 2D error (px, original image) of the fixed keypoints')
    parser.add_argument('--starts', type=int, default=4, help='random starts per hand')
    parser.add_argument('--start-std', type=float, default=1.0,
                        help='std of the random starting z_r (reference-bone units)')
    parser.add_argument('--init-from', help='tools/test.py work dir: start from its predicted relative depths')
    parser.add_argument('--uv-from', help="tools/test.py work dir: one more row with that model's predicted 2D "
                        'keypoints in place of the noisy true ones')
    parser.add_argument('--steps', type=int, default=600)
    parser.add_argument('--lr', type=float, default=0.1)
    parser.add_argument('--paper-weights', action='store_true', help='l_BL = l_RB = 0.1, l_A = 0.01 (same minima '
                        'in principle; changes the balance between the terms)')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    if args.starts < 1:
        parser.error('--starts must be >= 1')

    from bmc_mmpose.models.losses.bmc_loss import BMCLoss
    weights = dict(lambda_bl=0.1, lambda_rb=0.1, lambda_a=0.01) if args.paper_weights else \
        dict(lambda_bl=1., lambda_rb=1., lambda_a=1.)
    bmc = BMCLoss(limits=args.limits, input_unit='mm', scale_source='given', **weights)
    paths, gt, K, ref = _load_hands(args.config, args.dataset_key)
    n = gt.shape[0]
    gen = torch.Generator().manual_seed(args.seed)
    uv_true = project(gt, K)
    root_depth = gt[:, ROOT_JOINT, 2]
    predicted = None
    if args.init_from:
        pred = _predictions('--init-from', args.init_from, paths, 'keypoints_3d_mm').reshape(n, 21, 3)
        predicted = pred[..., 2] - pred[:, ROOT_JOINT:ROOT_JOINT + 1, 2]
    rows = []
    for noise in args.noise_px:
        # per-axis std giving a mean Euclidean error of `noise` for isotropic 2D Gaussian noise
        sigma = noise / math.sqrt(math.pi / 2.)
        rows.append(('', uv_true + sigma * torch.randn(uv_true.shape, generator=gen, dtype=uv_true.dtype)))
    if args.uv_from:
        rows.append((f' ({args.uv_from})', _predictions('--uv-from', args.uv_from, paths, 'keypoints_px').reshape(
            n, 21, 2)))

    print(f'{n} hands of {args.dataset_key} in {args.config}; limits {args.limits}; {args.starts} start(s) per hand'
          f'{" (the first: " + args.init_from + ")" if predicted is not None else ""}; {args.steps} Adam steps')
    print('| 2D error px | Z flat | Z start | Z BMC | 3D flat | 3D start | 3D BMC | L_BMC start -> BMC |\n'
          '|---|---|---|---|---|---|---|---|')
    for label, uv in rows:
        err_2d = float(torch.linalg.norm(uv - uv_true, dim=-1).mean())
        starts = args.start_std * ref[None, :, None] * torch.randn((args.starts, n, 21), generator=gen,
                                                                  dtype=gt.dtype)
        if predicted is not None:
            starts[0] = predicted
        rep = lambda t: t.repeat(args.starts, *([1] * (t.dim() - 1)))  # noqa: E731  start-major copies
        start_joints = back_project(rep(uv), rep(root_depth)[:, None] + starts.reshape(-1, 21), rep(K))
        start_loss = bmc.terms(start_joints, rep(ref))['loss']
        result = best_of_starts(recover_depth_with_bmc(bmc, rep(uv), rep(K), rep(root_depth), rep(ref),
                                                       starts.reshape(-1, 21), args.steps, args.lr), n)
        flat = depth_errors(back_project(uv, root_depth[:, None].expand(-1, 21), K), gt)
        first = depth_errors(start_joints[:n], gt)
        after = depth_errors(result['joints'], gt)
        print(f'| {err_2d:.2f}{label} | {flat["z"]:.2f} | {first["z"]:.2f} | {after["z"]:.2f} | {flat["epe"]:.2f} | '
              f'{first["epe"]:.2f} | {after["epe"]:.2f} | {float(start_loss[:n].mean()):.4f} -> '
              f'{float(result["loss"].mean()):.4f} |', flush=True)


if __name__ == '__main__':
    main()
