# Copyright (c) bmc_mmpose authors. All rights reserved.
"""What does BMC do to a keypoint lifter's predictions on domain B, and why? (the lifting proxy's diagnosis)

Five parts; the first three on the lifting proxy's fixed test split of domain B (``tools/experiments/run_lifting_proxy.py``), BMC limits
computed from B's training 3D, exact or noisy 2D:

``minimum``  Is B's true hand a minimum of L_BMC *as it is applied* (joints placed from the 2.5D values with a root
             depth), and does the gradient point back to it near the truth? For every placement of the root
             (``true_root``; ``closed_form``: the head's closed-form root, detached, as ``bmc_root_depth=
             'closed_form'`` applies it; ``closed_form_grad``: the same root with its gradient) it reports L_BMC and
             its gradient at the true ``z_r``, then perturbs ``z_r`` (Gaussian, ``--sigma`` reference-bone units),
             reports the cosine between the descent direction and the way back to the truth, and descends L_BMC alone
             (Adam) to see whether the depth error falls.
``descent``  Starting from a trained lifter's own prediction (row ``--prior-row``), descend each BMC term alone and all
             of them (paper weights and 10x) on ``z_r`` with the 2D held at the prediction: violations and depth
             error before / after, the share of hands moved the wrong way (3D error up by more than 1 mm) and where
             they sit (tilt of the palm away from the camera, mean finger flexion).
``training`` Train the prior row and the same row + L_BMC (``--bmc-row``) with the same seed and compare them hand by
             hand (the effect of BMC through training), for several priors: A as configured (viewpoints up to the
             back of the hand), A without B's back views (palm tilted by at most 50 deg), 1000 A hands, a worse
             lifter (128 channels, 1 block, 300 iterations).
``refine_sweep`` Settings of the test-time BMC refinement (``test_cfg.bmc_refine``: steps, learning rate, term
             weights) applied to the prior row, measured on a *validation* split of B (``VALIDATION_SEED``, same size
             and input model as the test split), so that choosing them does not touch the test split.
``confidence`` Which label-free signal tells a well refined hand from a badly refined one (for weighting
             pseudo-labels)? On the validation split, the refinement of row ``--refine-row`` applied to its trained
             lifter: Spearman correlation of each hand's refined 3D error with the L_BMC it keeps after refinement
             (the residual), its L_BMC before, and how far the refinement moved it; and the refined error of the
             hands per quartile of the residual.

Example::

    python tools/analysis_tools/analyze_lifting_bmc.py --parts minimum descent training --out docs/results/lifting_bmc_diagnosis.json
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
from dataclasses import replace
from typing import Dict, Optional

import numpy as np
import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # this checkout's bmc_mmpose
# The lifting proxy's data, training and evaluation (shared with tools/experiments/run_lifting_proxy.py).
from bmc_mmpose.utils.lifting_proxy import (ProxyData, build_model, evaluate, hand_errors, load_row,  # noqa: E402
                                            make_inputs, predict, train)

PLACEMENTS = ('true_root', 'closed_form', 'closed_form_grad', 'bone_fit', 'bone_fit_grad')


def place_joints(uv: torch.Tensor, z_r: torch.Tensor, K: torch.Tensor, placement: str,
                 root_true: Optional[torch.Tensor] = None, zroot_range=(1.0, 500.0),
                 bone_lengths: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Scale-normalised joints ``(Z_root + z_r) K^-1 [u, v, 1]`` with the root depth of ``placement``.

    Args:
        uv: (B, J, 2) pixels of the image described by K; z_r: (B, J) reference-bone units; K: (B, 3, 3).
        placement: ``'true_root'`` (``root_true`` (B,) in reference-bone units), ``'closed_form'`` (detached, as the
            head applies it), ``'closed_form_grad'`` (differentiable in ``z_r``), ``'bone_fit'`` (the root of
            :func:`zroot_from_bones` with ``bone_lengths`` (20,), e.g. domain A's mean proportions, detached)
            or ``'bone_fit_grad'``.
    """
    from bmc_mmpose.geometry.zroot import reconstruct_joints_3d, zroot_closed_form
    from bmc_mmpose.geometry.zroot_bones import zroot_from_bones
    if placement == 'true_root':
        root = root_true
    elif placement == 'refined':  # root_true is then the model's refiner: (uv, z_r, K) -> root, no gradient
        with torch.no_grad():
            root = root_true(uv, z_r, K)
    elif placement == 'closed_form':
        root = zroot_closed_form(uv.detach(), z_r.detach(), K, depth_range=zroot_range)
    elif placement == 'closed_form_grad':
        root = zroot_closed_form(uv, z_r, K, depth_range=zroot_range)
    elif placement == 'bone_fit':
        root = zroot_from_bones(uv.detach(), z_r.detach(), K, bone_lengths, depth_range=zroot_range)
    elif placement == 'bone_fit_grad':
        root = zroot_from_bones(uv, z_r, K, bone_lengths, depth_range=zroot_range)
    else:
        raise ValueError(f'placement must be one of {PLACEMENTS}, got {placement!r}')
    return reconstruct_joints_3d(uv, z_r, root, K)


def descend(bmc, uv, z_start, K, placement, root_true, steps: int, lr: float,
            lengths: Optional[torch.Tensor] = None) -> torch.Tensor:
    """``z_r`` after ``steps`` Adam steps on the mean L_BMC alone (root entry kept 0)."""
    mask = torch.ones_like(z_start)
    mask[:, 0] = 0
    z = z_start.clone().requires_grad_(True)
    opt = torch.optim.Adam([z], lr=lr)
    for _ in range(steps):
        loss = bmc.terms(place_joints(uv, z * mask, K, placement, root_true, bone_lengths=lengths))['loss'].sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return (z * mask).detach()


def depth_error_mm(uv, z_r, K, placement, root_true, gt_mm, ref_mm, lengths) -> np.ndarray:
    """Per-hand root-relative 3D error (mm) of the joints placed as BMC sees them."""
    with torch.no_grad():
        joints = place_joints(uv, z_r, K, placement, root_true, bone_lengths=lengths).numpy()
    return hand_errors(joints, gt_mm, ref_mm)


def palm_tilt_deg(joints_mm: np.ndarray) -> np.ndarray:
    """Angle (deg) between the palm's normal and the direction to the camera: 0 = palm facing the camera, 180 =
    back of the hand facing it (right hands, FreiHAND order: normal = (index MCP - wrist) x (little MCP - wrist))."""
    n = np.cross(joints_mm[:, 5] - joints_mm[:, 0], joints_mm[:, 17] - joints_mm[:, 0])
    n /= np.linalg.norm(n, axis=-1, keepdims=True)
    to_cam = -joints_mm[:, 0] / np.linalg.norm(joints_mm[:, 0], axis=-1, keepdims=True)
    return np.degrees(np.arccos(np.clip((n * to_cam).sum(-1), -1, 1)))


def test_tensors(data: ProxyData):
    t = data.test
    made = make_inputs(t['keypoints_2d'], np.ones(t['keypoints_2d'].shape[:2], np.float32), t['cam_K'])
    uv = torch.from_numpy(made['inputs'][..., :2]).float()
    K = torch.from_numpy(made['K_crop']).float()
    ref = t['ref_bone_length'].astype(np.float64)
    z_true = torch.from_numpy((t['keypoints_3d'][..., 2] - t['keypoints_3d'][:, :1, 2]) / ref[:, None]).float()
    root_true = torch.from_numpy(t['keypoints_3d'][:, 0, 2] / ref).float()
    return uv, K, z_true, root_true


def part_minimum(data: ProxyData, bmc, sigmas, steps: int, lr: float, seed: int) -> Dict:
    uv, K, z_true, root_true = test_tensors(data)
    lengths = torch.tensor(data.bone_lengths)
    t = data.test
    gen = torch.Generator().manual_seed(seed)
    out = {}
    for placement in PLACEMENTS:
        z = z_true.clone().requires_grad_(True)
        terms = bmc.terms(place_joints(uv, z, K, placement, root_true, bone_lengths=lengths))
        grad, = torch.autograd.grad(terms['loss'].sum(), z)
        at_truth = terms['loss'].detach()
        res = dict(loss_at_truth_mean=float(at_truth.mean()), loss_at_truth_max=float(at_truth.max()),
                   grad_norm_at_truth_max=float(grad.norm(dim=-1).max()),
                   violations_at_truth=float(sum(v.float().mean(-1) for k, v in terms.items()
                                                 if k.startswith('violation_')).max()))
        for sigma in sigmas:
            noise = torch.randn(z_true.shape, generator=gen) * sigma
            noise[:, 0] = 0
            z0 = (z_true + noise).requires_grad_(True)
            loss0 = bmc.terms(place_joints(uv, z0, K, placement, root_true, bone_lengths=lengths))['loss']
            g, = torch.autograd.grad(loss0.sum(), z0)
            back = (z_true - z0.detach())
            moving = g.norm(dim=-1) > 0
            cos = (-(g * back).sum(-1) / (g.norm(dim=-1) * back.norm(dim=-1)).clamp(min=1e-12))[moving]
            before = depth_error_mm(uv, z0.detach(), K, placement, root_true, t['keypoints_3d'], t['ref_bone_length'],
                                    lengths)
            z1 = descend(bmc, uv, z0.detach(), K, placement, root_true, steps, lr, lengths)
            after = depth_error_mm(uv, z1, K, placement, root_true, t['keypoints_3d'], t['ref_bone_length'],
                                   lengths)
            dist0 = (z0.detach() - z_true).norm(dim=-1)
            dist1 = (z1 - z_true).norm(dim=-1)
            res[f'sigma_{sigma:g}'] = dict(
                hands_with_loss=float(moving.float().mean()), cos_descent_vs_truth_mean=float(cos.mean()),
                cos_positive_share=float((cos > 0).float().mean()),
                z_mm_before=float(before['errz'].mean()), z_mm_after=float(after['errz'].mean()),
                err3d_mm_before=float(before['err3d'].mean()), err3d_mm_after=float(after['err3d'].mean()),
                zr_dist_before=float(dist0.mean()), zr_dist_after=float(dist1.mean()),
                share_closer_in_zr=float((dist1 < dist0 - 1e-6).float().mean()),
                share_further_in_zr=float((dist1 > dist0 + 1e-6).float().mean()))
        out[placement] = res
        print(f'[minimum] {placement}: {json.dumps(res)}', flush=True)
    return out


def violation_shares(bmc, joints: torch.Tensor) -> Dict[str, float]:
    """Share of the elements outside the limits, per kind (bones, palm curvature / angle, joint angles)."""
    return {k[len('violation_'):]: float(v.float().mean()) for k, v in bmc.terms(joints).items()
            if k.startswith('violation_')}


def where_summary(mask: np.ndarray, tilt: np.ndarray, flexion: np.ndarray) -> Dict:
    bins = [(0, 50), (50, 100), (100, 180)]
    out = dict(share=float(mask.mean()))
    for lo, hi in bins:
        sel = (tilt >= lo) & (tilt < hi)
        out[f'share_tilt_{lo}_{hi}'] = float(mask[sel].mean()) if sel.any() else None
    out['mean_flexion_deg_moved'] = float(np.degrees(flexion[mask].mean())) if mask.any() else None
    out['mean_flexion_deg_rest'] = float(np.degrees(flexion[~mask].mean())) if (~mask).any() else None
    return out


def part_descent(model, data: ProxyData, bmc_limits, steps: int, lr: float) -> Dict:
    from bmc_mmpose.models.losses import BMCLoss
    t = data.test
    pred = predict(model, data.test_input, data.test_conf, t['cam_K'])
    uv = torch.from_numpy(pred['uv_crop']).float()
    K = torch.from_numpy(pred['K_crop']).float()
    z0 = torch.from_numpy(pred['z_r']).float()
    ref = t['ref_bone_length']
    root_true = torch.from_numpy(t['keypoints_3d'][:, 0, 2] / ref).float()
    tilt = palm_tilt_deg(t['keypoints_3d'])
    evaluator = BMCLoss(limits=bmc_limits)
    lengths = torch.tensor(data.bone_lengths)
    flexion = np.abs(evaluator.terms(torch.from_numpy(t['keypoints_3d']).float() /
                                     torch.from_numpy(ref).float()[:, None, None])['angles'][..., 0].numpy()).mean(-1)
    variants = {'BL': (0.1, 0, 0), 'RB': (0, 0.1, 0), 'A': (0, 0, 0.01), 'BMC': (0.1, 0.1, 0.01),
                'BMC x10': (1.0, 1.0, 0.1)}
    out = {}

    def refined_root(uv_, z_r_, K_):
        return model.head.lift(uv_, z_r_, K_)['z_root']

    model.eval()
    for placement in ('refined', 'closed_form', 'closed_form_grad', 'bone_fit', 'true_root'):
        root_arg = refined_root if placement == 'refined' else root_true
        before = depth_error_mm(uv, z0, K, placement, root_arg, t['keypoints_3d'], ref, lengths)
        with torch.no_grad():
            viol0 = violation_shares(evaluator, place_joints(uv, z0, K, placement, root_arg, bone_lengths=lengths))
        res = dict(err3d_mm_before=float(before['err3d'].mean()), z_mm_before=float(before['errz'].mean()),
                   violations_before=viol0)
        for name, (l_bl, l_rb, l_a) in variants.items():
            bmc = BMCLoss(limits=bmc_limits, lambda_bl=l_bl, lambda_rb=l_rb, lambda_a=l_a)
            z1 = descend(bmc, uv, z0, K, placement, root_arg, steps, lr, lengths)
            after = depth_error_mm(uv, z1, K, placement, root_arg, t['keypoints_3d'], ref, lengths)
            with torch.no_grad():
                viol1 = violation_shares(evaluator, place_joints(uv, z1, K, placement, root_arg, bone_lengths=lengths))
            moved = (z1 - z0).abs().max(-1).values.numpy() > 1e-4
            worse = after['err3d'] > before['err3d'] + 1.0
            better = after['err3d'] < before['err3d'] - 1.0
            res[name] = dict(err3d_mm_after=float(after['err3d'].mean()), z_mm_after=float(after['errz'].mean()),
                             violations_after=viol1, share_moved=float(moved.mean()),
                             share_better_1mm=float(better.mean()),
                             wrong_way=where_summary(worse, tilt, flexion),
                             err3d_change_of_moved_mm=float((after['err3d'] - before['err3d'])[moved].mean())
                             if moved.any() else None)
        out[placement] = res
        print(f'[descent] {placement}: {json.dumps(res)}', flush=True)
    out['tilt_share'] = {f'{lo}_{hi}': float(((tilt >= lo) & (tilt < hi)).mean())
                         for lo, hi in [(0, 50), (50, 100), (100, 180)]}
    return out


def part_training(args, seed: int, save=None) -> Dict:
    from bmc_mmpose.models.losses import BMCLoss
    from bmc_mmpose.synthetic.keypoint_sampler import domain_poses
    priors = {
        'A as configured': dict(),
        "A without B's back views": dict(a_poses=replace(domain_poses('a'), tilt_max=float(np.deg2rad(50.)))),
        '1000 A hands': dict(num_a=1000),
        'worse lifter': dict(cfg={'model.backbone.hidden_channels': 128, 'model.backbone.num_blocks': 1,
                                  'model.head.in_channels': 128, 'lifting_proxy.iters': 300}),
    }
    out = {}
    for name in args.priors:
        spec = priors[name]
        data = ProxyData(seed, args.noise, spec.get('num_a', args.num_a), args.num_b, args.num_test,
                         a_poses=spec.get('a_poses'), cache_dir=args.cache_dir)
        evaluator = BMCLoss(limits=data.limits)
        res = {}
        per_hand = {}
        for row in (args.prior_row, args.bmc_row):
            cfg, _ = load_row(row, spec.get('cfg'))
            if args.bmc_placement and cfg.model.head.get('loss_bmc') is not None:
                cfg.model.head.bmc_root_depth = args.bmc_placement
            torch.manual_seed(seed)
            model = build_model(cfg, data.limits, data.bone_lengths)
            seconds = train(model, data, dict(cfg.lifting_proxy), seed)
            res[row] = evaluate(model, data, evaluator)
            res[row]['train_seconds'] = round(seconds, 1)
            pred = predict(model, data.test_input, data.test_conf, data.test['cam_K'])
            per_hand[row] = hand_errors(pred['joints_norm'], data.test['keypoints_3d'], data.test['ref_bone_length'])
        tilt = palm_tilt_deg(data.test['keypoints_3d'])
        flexion = np.abs(evaluator.terms(torch.from_numpy(data.test['keypoints_3d']).float() / torch.from_numpy(
            data.test['ref_bone_length']).float()[:, None, None])['angles'][..., 0].numpy()).mean(-1)
        diff = per_hand[args.bmc_row]['err3d'] - per_hand[args.prior_row]['err3d']
        res['worse_by_1mm'] = where_summary(diff > 1.0, tilt, flexion)
        res['better_by_1mm'] = where_summary(diff < -1.0, tilt, flexion)
        out[name] = res
        print(f'[training] {name}: {json.dumps(res)}', flush=True)
        if save is not None:
            save(name, res)
    return out


REFINE_WEIGHTS = {'paper (BL 0.1, RB 0.1, A 0.01)': (0.1, 0.1, 0.01), 'BL + RB': (0.1, 0.1, 0.0),
                  'A / 3': (0.1, 0.1, 0.0033), 'A x 3': (0.1, 0.1, 0.03), 'BL alone': (0.1, 0.0, 0.0),
                  'A x 10': (0.1, 0.1, 0.1), 'A x 30': (0.1, 0.1, 0.3), 'A alone': (0.0, 0.0, 0.01)}


def part_refine_sweep(args, seed: int, save=None) -> Dict:
    """Test-time refinement settings (steps, lr, term weights) of the prior row, on B's *validation* split
    (``VALIDATION_SEED``), so that the test split plays no part in choosing them."""
    from bmc_mmpose.models.losses import BMCLoss
    from bmc_mmpose.utils.lifting_proxy import VALIDATION_SEED
    data = ProxyData(seed, args.noise, args.num_a, args.num_b, args.num_test, cache_dir=args.cache_dir,
                     test_seed=VALIDATION_SEED)
    evaluator = BMCLoss(limits=data.limits)
    cfg, _ = load_row(args.prior_row)
    torch.manual_seed(seed)
    model = build_model(cfg, data.limits, data.bone_lengths)
    train(model, data, dict(cfg.lifting_proxy), seed)
    out = dict(prior_row=args.prior_row, split_seed=VALIDATION_SEED, none=evaluate(model, data, evaluator))
    print(f'[refine-sweep] no refinement: 3D {out["none"]["err3d_mm"]:.2f} Z {out["none"]["errz_mm"]:.2f}', flush=True)
    grid = [(name, steps, lr, uv_std) for name in args.refine_weights for steps in args.refine_steps
            for lr in args.refine_lr for uv_std in args.refine_uv_std]
    for name, steps, lr, uv_std in grid:
        l_bl, l_rb, l_a = REFINE_WEIGHTS[name]
        loss = dict(type='BMCLoss', limits=data.limits.to_dict(), lambda_bl=l_bl, lambda_rb=l_rb, lambda_a=l_a)
        uv_std = None if uv_std <= 0 else uv_std
        model.test_cfg = dict(bmc_refine=dict(steps=steps, lr=lr, loss=loss, uv_std=uv_std))
        res = evaluate(model, data, evaluator)
        label = f'{name} | steps {steps} | lr {lr:g} | uv_std {uv_std}'
        out[label] = res
        print(f'[refine-sweep] {label}: 2D {res["err2d_px"]:.2f} 3D {res["err3d_mm"]:.2f} Z {res["errz_mm"]:.2f}',
              flush=True)
        if save is not None:
            save(out)
    model.test_cfg = {}
    return out


def part_confidence(args, seed: int) -> Dict:
    """Label-free signals of a refined hand's error, on B's *validation* split (see the module docstring)."""
    from scipy.stats import spearmanr

    from bmc_mmpose.utils.lifting_proxy import VALIDATION_SEED
    data = ProxyData(seed, args.noise, args.num_a, args.num_b, args.num_test, cache_dir=args.cache_dir,
                     test_seed=VALIDATION_SEED)
    cfg, _ = load_row(args.refine_row)
    torch.manual_seed(seed)
    model = build_model(cfg, data.limits, data.bone_lengths)
    train(model, data, dict(cfg.lifting_proxy), seed)
    refine = dict(model.test_cfg['bmc_refine'])
    t = data.test
    test_cfg = dict(model.test_cfg)
    model.test_cfg = dict(test_cfg, bmc_refine=None)
    before = predict(model, data.test_input, data.test_conf, t['cam_K'])['joints_norm']
    model.test_cfg = test_cfg
    after = predict(model, data.test_input, data.test_conf, t['cam_K'])['joints_norm']
    err_before = hand_errors(before, t['keypoints_3d'], t['ref_bone_length'])['err3d']
    err_after = hand_errors(after, t['keypoints_3d'], t['ref_bone_length'])['err3d']
    residual = model.head.bmc_residual(torch.from_numpy(after).float(), refine.get('loss')).numpy()
    initial = model.head.bmc_residual(torch.from_numpy(before).float(), refine.get('loss')).numpy()
    rel_before, rel_after = before - before[:, :1], after - after[:, :1]
    moved = np.linalg.norm(rel_after - rel_before, axis=-1).mean(-1)
    signals = dict(residual_l_bmc=residual, initial_l_bmc=initial, displacement=moved)
    out = dict(refine_row=args.refine_row, split_seed=VALIDATION_SEED, noise=args.noise,
               err3d_mm_before=float(err_before.mean()), err3d_mm_after=float(err_after.mean()),
               share_residual_zero=float((residual <= 0).mean()),
               spearman_with_refined_err3d={k: float(spearmanr(v, err_after)[0]) for k, v in signals.items()})
    edges = np.quantile(residual, [0.25, 0.5, 0.75])
    quartile = np.searchsorted(edges, residual, side='right')
    out['refined_err3d_mm_by_residual_quartile'] = [float(err_after[quartile == q].mean()) if (quartile == q).any()
                                                    else None for q in range(4)]  # None: tied residuals
    print(f'[confidence] {json.dumps(out)}', flush=True)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--parts', nargs='+', default=['minimum', 'descent', 'training'],
                        choices=['minimum', 'descent', 'training', 'refine_sweep', 'confidence'])
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--noise', default='exact')
    parser.add_argument('--num-a', type=int, default=20000)
    parser.add_argument('--num-b', type=int, default=20000)
    parser.add_argument('--num-test', type=int, default=2000)
    parser.add_argument('--sigma', type=float, nargs='+', default=[0.05, 0.2])
    parser.add_argument('--steps', type=int, default=300)
    parser.add_argument('--lr', type=float, default=0.01)
    parser.add_argument('--refine-steps', type=int, nargs='+', default=[200, 600])
    parser.add_argument('--refine-lr', type=float, nargs='+', default=[0.01, 0.03])
    parser.add_argument('--refine-weights', nargs='+', default=list(REFINE_WEIGHTS), choices=list(REFINE_WEIGHTS))
    parser.add_argument('--refine-uv-std', type=float, nargs='+', default=[0.0],
                        help='crop px; 0 holds the 2D (uv_std=None)')
    parser.add_argument('--prior-row', default='a3d_b2d')
    parser.add_argument('--refine-row', default='a3d_b2d_refine', help='confidence: the row whose refinement is used')
    parser.add_argument('--bmc-row', default='a3d_b2d_bmc')
    parser.add_argument('--bmc-placement', default=None, help="override the BMC row's head.bmc_root_depth")
    parser.add_argument('--priors', nargs='+', default=['A as configured', "A without B's back views", '1000 A hands',
                                                        'worse lifter'])
    parser.add_argument('--cache-dir', default='work_dirs/lifting_proxy')
    parser.add_argument('--out', default='work_dirs/lifting_proxy/diagnosis.json')
    parser.add_argument('--threads', type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    from bmc_mmpose.models.losses import BMCLoss

    report = dict(command='python tools/analysis_tools/analyze_lifting_bmc.py ' + ' '.join(sys.argv[1:]), seed=args.seed,
                  noise=args.noise)
    if osp.isfile(args.out):
        with open(args.out) as f:
            report = dict(json.load(f), **report)
    start = time.time()
    data = ProxyData(args.seed, args.noise, args.num_a, args.num_b, args.num_test, cache_dir=args.cache_dir)
    bmc = BMCLoss(limits=data.limits)

    def save():
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(report, f, indent=1)

    if 'minimum' in args.parts:
        report['minimum'] = part_minimum(data, bmc, args.sigma, args.steps, args.lr, args.seed)
        save()
    if 'descent' in args.parts:
        cfg, _ = load_row(args.prior_row)
        torch.manual_seed(args.seed)
        model = build_model(cfg, data.limits, data.bone_lengths)
        train(model, data, dict(cfg.lifting_proxy), args.seed)
        report['descent'] = dict(prior_row=args.prior_row, prior=evaluate(model, data, bmc),
                                 **part_descent(model, data, data.limits, args.steps, args.lr))
        save()
    if 'training' in args.parts:
        report['training'] = dict(prior_row=args.prior_row, bmc_row=args.bmc_row, bmc_placement=args.bmc_placement)

        def save_prior(name, res):
            report['training'][name] = res
            save()

        part_training(args, args.seed, save_prior)
    if 'refine_sweep' in args.parts:
        key = f'refine_sweep_{args.noise}_seed{args.seed}'

        earlier = dict(report.get(key, {}))  # settings measured by earlier runs stay

        def save_sweep(res):
            report[key] = {**earlier, **res}
            save()

        part_refine_sweep(args, args.seed, save_sweep)
    if 'confidence' in args.parts:
        report[f'confidence_{args.noise}_seed{args.seed}'] = part_confidence(args, args.seed)
        save()
    print(f'[analyze-lifting-bmc] {time.time() - start:.0f} s, written to {args.out}')


if __name__ == '__main__':
    main()
