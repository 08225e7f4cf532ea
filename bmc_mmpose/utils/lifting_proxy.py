# Copyright (c) bmc_mmpose authors. All rights reserved.
"""The lifting proxy's data, training and evaluation (``tools/experiments/run_lifting_proxy.py`` describes the
experiment), shared by that runner and by ``tools/analysis_tools/analyze_lifting_bmc.py``.

Hands come from the synthetic keypoint sampler (domain A with 3D labels, domain B with the 2D a user has, a fixed
test split of B drawn with :data:`TEST_SEED`); inputs are the keypoint lifter's per-joint ``(u, v, x, y, conf)``
in a 128 px crop; a row's model is its registered config's ``model`` trained with Adam on the model's own loss
over mixed batches packed as one ``PoseDataSample``. Lengths are mm, 2D pixels, ``joints_norm`` in reference-bone
units.
"""
import os
import os.path as osp
import time
from typing import Dict, List, Optional

import numpy as np
import torch

from bmc_mmpose.geometry.camera_numpy import normalized_rays, reference_bone_length

#: The repository holding ``configs/`` (rows are read from there unless ``load_row`` is given a folder).
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_DIR = 'configs/synthetic/lifting'
TEST_SEED = 12345
#: seed of a validation split of B (same size and input model as the test split), for choosing test-time settings
VALIDATION_SEED = 54321
NOISE_CHOICES = ('exact', '2', '5', '10', 'det')
#: simulate_detections settings of the ``det`` input (noise 2 % of the hand size, 5 % outliers, 5 % dropped)
DETECTOR = dict(noise_std=0.02, noise_unit='hand', outlier_prob=0.05, drop_prob=0.05)


# ------------------------------------------------------------------------------------------------------------------
# data
def make_inputs(keypoints: np.ndarray, confidence: np.ndarray, cam_K: np.ndarray, input_size=(128, 128),
                padding: float = 1.4) -> Dict[str, np.ndarray]:
    """Lifter inputs of N hands: ``inputs`` (N, J, 5), crop ``hom`` (N, 3, 3) and ``K_crop`` (N, 3, 3)."""
    from bmc_mmpose.datasets.transforms.keypoint_lifter_inputs import keypoint_crops, lifter_input_array
    hom, K_crop = keypoint_crops(keypoints, confidence, cam_K, input_size, padding)
    kpts = np.where(np.isfinite(keypoints), keypoints, 0.0).astype(np.float64)
    crop = kpts @ np.swapaxes(hom[:, :2, :2], -1, -2) + hom[:, None, :2, 2]
    return dict(inputs=lifter_input_array(crop, confidence, K_crop), hom=hom, K_crop=K_crop)


def corrupt_2d(rng: np.random.Generator, keypoints: np.ndarray, noise: str):
    """Input 2D of a given quality: ``(keypoints (N, J, 2), confidence (N, J))``; dropped joints are NaN."""
    from bmc_mmpose.datasets.detector_simulator import simulate_detections
    from bmc_mmpose.synthetic.keypoint_sampler import add_keypoint_noise
    if noise == 'exact':
        return keypoints.astype(np.float32).copy(), np.ones(keypoints.shape[:2], np.float32)
    if noise == 'det':
        det = simulate_detections(keypoints, seed=int(rng.integers(2**31)), **DETECTOR)
        return det.keypoints, det.confidence
    return add_keypoint_noise(rng, keypoints, float(noise)), np.ones(keypoints.shape[:2], np.float32)


def batch_sample(labels: Dict[str, np.ndarray], K_crop: np.ndarray, hom: np.ndarray):
    """One ``PoseDataSample`` holding the labels of all N hands (``gt_instance_labels`` with N instances)."""
    from mmengine.structures import InstanceData
    from mmpose.structures import PoseDataSample
    kpts = labels['keypoints_2d'].astype(np.float64)
    crop = kpts @ np.swapaxes(hom[:, :2, :2], -1, -2) + hom[:, None, :2, 2]
    lab = InstanceData()
    lab.keypoints_2d = torch.from_numpy(np.where(np.isfinite(crop), crop, 0.0).astype(np.float32))
    lab.keypoint_weights = torch.from_numpy(labels['keypoint_weights'].astype(np.float32))
    lab.keypoints_3d = torch.from_numpy(labels['keypoints_3d'].astype(np.float32))
    lab.has_3d = torch.from_numpy(labels['has_3d'].astype(np.float32))
    lab.ref_bone_length = torch.from_numpy(labels['ref_bone_length'].astype(np.float32))
    lab.cam_K = torch.from_numpy(K_crop.astype(np.float32))
    sample = PoseDataSample()
    sample.gt_instance_labels = lab
    return sample


class ProxyData:
    """Training hands of A and B (fixed), B's fixed 2D, the test split and the BMC limits of one seed / noise."""

    def __init__(self, seed: int, noise: str, num_a: int, num_b: int, num_test: int, gap: float = 1.0,
                 a_poses=None, cache_dir: Optional[str] = None, test_seed: int = TEST_SEED):
        from bmc_mmpose.synthetic.keypoint_sampler import sample_keypoint_hands
        self.noise = noise
        self.a = sample_keypoint_hands(seed, num_a, 'a', poses=a_poses)
        self.b = sample_keypoint_hands(seed, num_b, 'b', gap=gap)
        # the evaluation split: TEST_SEED, or VALIDATION_SEED for choosing settings without the test split
        self.test = sample_keypoint_hands(test_seed, num_test, 'b', gap=gap)
        rng = np.random.default_rng([seed, 7])
        self.b_input, self.b_conf = corrupt_2d(rng, self.b['keypoints_2d'], noise)
        test_rng = np.random.default_rng([test_seed, 7, NOISE_CHOICES.index(noise)])
        self.test_input, self.test_conf = corrupt_2d(test_rng, self.test['keypoints_2d'], noise)
        self.limits = self._limits(seed, num_b, gap, cache_dir)
        # expected proportions for root_solver='bones': domain A's (source 3D) mean hand, the same for every row
        self.bone_lengths = mean_bone_lengths(self.a['keypoints_3d'].astype(np.float64))

    def _limits(self, seed: int, num_b: int, gap: float, cache_dir: Optional[str]):
        from bmc_mmpose.limits import load_bmc_limits, save_bmc_limits
        from bmc_mmpose.limits.compute import compute_bmc_limits
        path = None
        if cache_dir:
            path = osp.join(cache_dir, f'limits_b_seed{seed}_n{num_b}_gap{gap:g}.json')
            if osp.isfile(path):
                return load_bmc_limits(path)
        limits = compute_bmc_limits(self.b['keypoints_3d'].astype(np.float64), source='lifting proxy: domain B 3D')
        if path:
            os.makedirs(cache_dir, exist_ok=True)
            save_bmc_limits(limits, path)
        return limits


def training_batch(data: ProxyData, rng: np.random.Generator, batch_a: int, batch_b: int, b3d_count: int,
                   use_b: bool, b_pseudo_3d: Optional[np.ndarray] = None,
                   b_pseudo_weight: Optional[np.ndarray] = None):
    """Inputs (N, J, 5) tensor and the one-sample label list of a mixed batch; ``b_pseudo_3d`` (N_B, J, 3),
    reference-bone units, are 3D labels of every B hand in place of B's (unused) true 3D, weighted per hand by
    ``b_pseudo_weight`` (N_B,) (default 1)."""
    ia = rng.integers(0, len(data.a['keypoints_2d']), batch_a)
    a_in, a_conf = corrupt_2d(rng, data.a['keypoints_2d'][ia], data.noise)
    parts = [dict(input=a_in, conf=a_conf, K=data.a['cam_K'][ia], kp=data.a['keypoints_2d'][ia],
                  w=np.ones_like(a_conf), xyz=data.a['keypoints_3d'][ia], has3d=np.ones(batch_a),
                  ref=data.a['ref_bone_length'][ia])]
    if use_b and batch_b > 0:
        ib = rng.integers(0, len(data.b['keypoints_2d']), batch_b)
        if b_pseudo_3d is not None:
            # pseudo-labelled B hands: the 2D the user has and the model's own BMC-refined 3D (reference-bone units)
            parts.append(dict(input=data.b_input[ib], conf=data.b_conf[ib], K=data.b['cam_K'][ib],
                              kp=data.b_input[ib], w=data.b_conf[ib], xyz=b_pseudo_3d[ib],
                              has3d=np.ones(batch_b) if b_pseudo_weight is None else b_pseudo_weight[ib],
                              ref=np.ones(batch_b)))
        else:
            has3d = (ib < b3d_count).astype(np.float32)
            # 3D-labelled B hands are supervised like A's (exact 2D label); the others only with the 2D the user has
            label_2d = np.where(has3d[:, None, None] > 0, data.b['keypoints_2d'][ib], data.b_input[ib])
            weight = np.where(has3d[:, None] > 0, 1.0, data.b_conf[ib])
            parts.append(dict(input=data.b_input[ib], conf=data.b_conf[ib], K=data.b['cam_K'][ib], kp=label_2d,
                              w=weight, xyz=data.b['keypoints_3d'][ib], has3d=has3d,
                              ref=data.b['ref_bone_length'][ib]))
    cat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    made = make_inputs(cat['input'], cat['conf'], cat['K'])
    labels = dict(keypoints_2d=cat['kp'], keypoint_weights=np.where(np.isfinite(cat['kp']).all(-1), cat['w'], 0.0),
                  keypoints_3d=cat['xyz'], has_3d=cat['has3d'], ref_bone_length=cat['ref'])
    return torch.from_numpy(made['inputs']), [batch_sample(labels, made['K_crop'], made['hom'])]


# ------------------------------------------------------------------------------------------------------------------
# model, training, evaluation
def mean_bone_lengths(joints_mm: np.ndarray) -> List[float]:
    """Mean of each of the 20 bone lengths of hands ``(N, 21, 3)``, each hand in units of its bone 9 -> 10."""
    from bmc_mmpose.geometry.skeleton import BONE_CHILDREN, BONE_PARENTS
    bones = np.linalg.norm(joints_mm[:, list(BONE_CHILDREN)] - joints_mm[:, list(BONE_PARENTS)], axis=-1)
    return (bones / reference_bone_length(joints_mm)[:, None]).mean(0).tolist()


def build_model(cfg, limits=None, bone_lengths: Optional[List[float]] = None):
    """The row's registered model; ``limits`` (a ``BMCLimits``) replaces the placeholder limits of the BMC
    training loss, of the test-time refinement's loss and (in ``cfg`` itself) of ``lifting_proxy.pseudo_labels``,
    and ``bone_lengths`` sets the expected lengths of ``root_solver='bones'`` unless the config gives them."""
    from mmengine.registry import init_default_scope

    import bmc_mmpose  # noqa: F401
    from mmpose.registry import MODELS
    init_default_scope('mmpose')
    model_cfg = cfg.model.copy()
    refine_cfg = (model_cfg.get('test_cfg') or {}).get('bmc_refine') or {}
    pseudo_cfg = (cfg.get('lifting_proxy') or {}).get('pseudo_labels') or {}
    for bmc_cfg in (model_cfg['head'].get('loss_bmc'), refine_cfg.get('loss'), pseudo_cfg.get('loss')):
        if bmc_cfg is not None and limits is not None:
            bmc_cfg['limits'] = limits.to_dict()
    head = model_cfg['head']
    if head.get('root_solver') == 'bones' and head.get('bone_lengths') is None and bone_lengths is not None:
        head['bone_lengths'] = bone_lengths
    return MODELS.build(model_cfg)


def train(model, data: ProxyData, proxy_cfg: dict, seed: int, log_every: int = 0) -> float:
    """Adam on the model's own loss; returns seconds.

    With ``proxy_cfg['pseudo_labels']`` (``dict(rounds=1, **bmc_refine)``, not in the paper): after training,
    the model lifts B's training hands from their 2D, each lifted hand is refined with L_BMC
    (``Hand25DHead.refine_with_bmc``), and the model is trained again from its initial weights with these
    hands as 3D labels (their 2D stays the 2D the user has); ``rounds`` times. B's true 3D is never read.
    ``weighting='bmc_residual'`` weights each pseudo-labelled hand's 3D losses by
    ``bmc_mmpose.datasets.lifted.bmc_residual_confidence`` of the L_BMC it keeps after the refinement (default
    ``'none'``: weight 1)."""
    pseudo_cfg = dict(proxy_cfg.get('pseudo_labels') or {})
    rounds = int(pseudo_cfg.pop('rounds', 1)) if pseudo_cfg else 0
    weighting = pseudo_cfg.pop('weighting', 'none') if pseudo_cfg else 'none'
    from bmc_mmpose.datasets.lifted import PSEUDO_LABEL_WEIGHTINGS, bmc_residual_confidence
    if weighting not in PSEUDO_LABEL_WEIGHTINGS:
        raise ValueError(f'lifting_proxy.pseudo_labels.weighting: one of {PSEUDO_LABEL_WEIGHTINGS}, got {weighting!r}')
    initial = {k: v.clone() for k, v in model.state_dict().items()} if rounds else None
    seconds = _train_once(model, data, proxy_cfg, seed, log_every)
    for _ in range(rounds):
        start = time.time()
        test_cfg = dict(model.test_cfg or {})
        model.test_cfg = dict(test_cfg, bmc_refine=pseudo_cfg)
        pseudo_3d = predict(model, data.b_input, data.b_conf, data.b['cam_K'])['joints_norm']
        model.test_cfg = test_cfg
        weight = None
        if weighting == 'bmc_residual':
            residual = model.head.bmc_residual(torch.from_numpy(pseudo_3d).float(), pseudo_cfg.get('loss'))
            weight = bmc_residual_confidence(residual).numpy()
        model.load_state_dict(initial)
        seconds += time.time() - start + _train_once(model, data, proxy_cfg, seed, log_every, pseudo_3d, weight)
    return seconds


def _train_once(model, data: ProxyData, proxy_cfg: dict, seed: int, log_every: int = 0,
                b_pseudo_3d: Optional[np.ndarray] = None, b_pseudo_weight: Optional[np.ndarray] = None) -> float:
    torch.manual_seed(seed)
    rng = np.random.default_rng([seed, 11])
    optimizer = torch.optim.Adam(model.parameters(), lr=proxy_cfg['lr'])
    iters = proxy_cfg['iters']
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, [int(0.75 * iters)], 0.1)
    b3d = {'none': 0, 'all': len(data.b['keypoints_2d'])}.get(proxy_cfg['b3d'], proxy_cfg['b3d'])
    model.train()
    start = time.time()
    for it in range(iters):
        inputs, samples = training_batch(data, rng, proxy_cfg['batch_a'], proxy_cfg['batch_b'], int(b3d),
                                         proxy_cfg['use_b'], b_pseudo_3d, b_pseudo_weight)
        losses = model.loss(inputs, samples)
        loss = sum(v for k, v in losses.items() if k.startswith('loss'))
        if not torch.isfinite(loss):
            raise FloatingPointError(f'non-finite loss at iteration {it}: '
                                     f'{ {k: float(v) for k, v in losses.items()} }')
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()
        if log_every and (it + 1) % log_every == 0:
            print(f'  it {it + 1}: ' + ', '.join(f'{k} {float(v.detach()):.4f}' for k, v in losses.items()), flush=True)
    return time.time() - start


@torch.no_grad()
def predict(model, keypoints: np.ndarray, confidence: np.ndarray, cam_K: np.ndarray) -> Dict[str, np.ndarray]:
    """Predictions of N hands: ``joints_norm`` (N, J, 3) scale-normalised camera frame, ``uv`` (N, J, 2) original
    px, ``z_r`` (N, J), ``z_root`` (N,), plus the crop ``inputs`` / ``K_crop`` used. A ``bmc_refine`` in the
    model's ``test_cfg`` refines ``z_r`` (``Hand25DHead.refine_with_bmc``), as the model's ``predict`` does."""
    made = make_inputs(keypoints, confidence, cam_K)
    model.eval()
    inputs = torch.from_numpy(made['inputs'])
    pred = model.head.predict_tensors(model.extract_feat(inputs), torch.from_numpy(made['K_crop']).float(),
                                      bmc_refine=(model.test_cfg or {}).get('bmc_refine'))
    hom_inv = np.linalg.inv(made['hom'])
    uv_np = pred['keypoints_crop'].double().numpy()
    uv_orig = uv_np @ np.swapaxes(hom_inv[:, :2, :2], -1, -2) + hom_inv[:, None, :2, 2]
    return dict(joints_norm=pred['keypoints_3d_norm'].numpy(), uv=uv_orig, z_r=pred['z_r'].numpy(),
                z_root=pred['z_root'].numpy(), z_root_cf=pred['z_root_closed_form'].numpy(),
                uv_crop=uv_np, K_crop=made['K_crop'], inputs=made['inputs'])


def hand_errors(joints_norm: np.ndarray, gt_mm: np.ndarray, ref_mm: np.ndarray) -> Dict[str, np.ndarray]:
    """Per-hand root-relative errors (mm, true reference-bone scale): ``3d`` and ``z`` (N,)."""
    pred = (joints_norm - joints_norm[:, :1]) * ref_mm[:, None, None]
    gt = gt_mm - gt_mm[:, :1]
    return dict(err3d=np.linalg.norm(pred - gt, axis=-1).mean(-1), errz=np.abs(pred[..., 2] - gt[..., 2]).mean(-1))


def bmc_summary(bmc_eval, joints_norm: np.ndarray) -> Dict[str, float]:
    """Violation fractions and mean unweighted terms of the shapes (each hand divided by its own bone 9 -> 10)."""
    joints = torch.from_numpy(np.asarray(joints_norm, np.float32))
    ref = torch.linalg.norm(joints[:, 10] - joints[:, 9], dim=-1).clamp(min=1e-6)
    terms = bmc_eval.terms(joints / ref[:, None, None])
    out = {f'viol_{k[len("violation_"):]}': float(v.float().mean()) for k, v in terms.items()
           if k.startswith('violation_')}
    out.update({k: float(terms[k].mean()) for k in ('loss_bl', 'loss_rb', 'loss_a')})
    return out


def evaluate(model, data: ProxyData, bmc_eval) -> Dict[str, float]:
    """Metrics of the model on the fixed test split of B (see the module docstring)."""
    t = data.test
    pred = predict(model, data.test_input, data.test_conf, t['cam_K'])
    errs = hand_errors(pred['joints_norm'], t['keypoints_3d'], t['ref_bone_length'])
    err2d = np.linalg.norm(pred['uv'] - t['keypoints_2d'], axis=-1).mean()
    in_err = np.linalg.norm(np.where(np.isfinite(data.test_input), data.test_input, t['keypoints_2d'])
                            - t['keypoints_2d'], axis=-1).mean()
    root_true = t['keypoints_3d'][:, 0, 2] / t['ref_bone_length']
    out = dict(err3d_mm=float(errs['err3d'].mean()), errz_mm=float(errs['errz'].mean()), err2d_px=float(err2d),
               input_err2d_px=float(in_err), root_ratio_median=float(np.median(pred['z_root'] / root_true)))
    out.update(bmc_summary(bmc_eval, pred['joints_norm']))
    return out


def flat_errors(data: ProxyData) -> Dict[str, float]:
    """The no-depth reference: every joint at the root's true depth on its true ray (exact 2D)."""
    t = data.test
    gt = t['keypoints_3d'].astype(np.float64)
    flat = normalized_rays(t['keypoints_2d'], t['cam_K']) * gt[:, :1, 2:3]
    errs = hand_errors(flat / t['ref_bone_length'][:, None, None], gt, t['ref_bone_length'])
    return dict(err3d_mm=float(errs['err3d'].mean()), errz_mm=float(errs['errz'].mean()))


def load_row(row: str, cfg_options: Optional[dict] = None, config_dir: Optional[str] = None):
    """The config of a lifting row (``<config_dir>/<row>.py``, default the repository's ``CONFIG_DIR``), with
    ``cfg_options`` merged; returns ``(cfg, path)``."""
    from mmengine.config import Config
    path = osp.join(config_dir or osp.join(REPO, CONFIG_DIR), f'{row}.py')
    if not osp.isfile(path):
        raise FileNotFoundError(f'row {row!r}: no config {path}')
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if 'lifting_proxy' not in cfg:
        raise KeyError(f'{path}: no "lifting_proxy" dict (use, b3d, iters, ...)')
    return cfg, path
