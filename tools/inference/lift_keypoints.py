# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Lift detected 2D hand keypoints to 3D with a trained keypoint lifter (``KeypointLifter``) -- no images needed.

Reads every detections format the project reads (``bmc_mmpose.datasets.detections``: the plain JSON
``bmc_mmpose.detections/v1``, a single OpenPose hand JSON file, or an OpenPose output folder) and writes, per
image key and hand side, the 3D joints in mm and in reference-bone units (camera frame of the image as stored),
the refined 2D keypoints, the root depth, the joint angles and the BMC plausibility check::

    python tools/inference/lift_keypoints.py CONFIG CHECKPOINT --detections dets.json --out lifted.json \\
        [--cam-K FX FY CX CY | --cam-k-file K.json | --focal-over-width 1.0] [--image-size W H] \\
        [--ref-bone-mm 40] [--limits literature]
    python tools/inference/lift_keypoints.py CONFIG CHECKPOINT --dataset-config DATA_CFG \\
        [--dataset-key train_dataloader.dataset] --out lifted.json [--ref-bone-mm 40] [--limits literature]

``--dataset-config`` lifts the 2D labels of a dataset of a config (``--dataset-key``, dotted, list items by index,
e.g. ``train_dataloader.dataset.datasets.1``) with the dataset's own cameras and mirroring; the keys are the image
paths relative to its ``data_root``, as in a detections file. With test-time BMC refinement switched on
(``--cfg-options model.test_cfg.bmc_refine...``) the output is a pseudo-label file for that dataset: a second
training reads it with the ``LoadLiftedKeypoints3D`` transform (BMC-refined pseudo-labels,
``docs/results/lifting_proxy.md``; with the refinement on, each hand also gets ``bmc_residual``, the L_BMC it kept
under the refinement's loss, which the transform's ``weighting='bmc_residual'`` reads).

Camera: a lifter needs the intrinsics ``K``. ``--cam-K`` gives one K for all images; ``--cam-k-file`` a JSON
``{image key: [[fx, 0, cx], [0, fy, cy], [0, 0, 1]]}``; otherwise ``f = focal_over_width * W`` with the principal
point at the image centre, where ``W, H`` come from the detections file's ``image_size`` or ``--image-size``.
Left hands are mirrored to right hands (``u -> W - 1 - u``, as the datasets do), lifted, and mirrored back
(``x -> -x``), so every output is in the frame of the image as stored. Metric output uses ``--ref-bone-mm`` (the
hand's middle MCP -> PIP length; 40 mm by default, an adult mean) -- depth from a single view is known only up to
this scale.

Output JSON (``bmc_mmpose.datasets.lifted``, which also reads it)::

    {"format": "bmc_mmpose.lifted/v1", "config": ..., "checkpoint": ..., "ref_bone_mm": 40.0,
     "joint_order": "freihand", "angle_bones": [...],
     "images": {key: {"right": {"keypoints_3d_mm": 21 x [x, y, z], "keypoints_3d_norm": 21 x [x, y, z],
                                "keypoints_2d": 21 x [u, v], "input_confidence": [21], "z_root_mm": float,
                                "joint_angles_rad": 15 x [flexion, abduction],
                                "plausibility": {"plausible": bool, "loss_bl": .., "loss_rb": .., "loss_a": ..,
                                                 "bones_out": int, "palm_pairs_out": int, "angles_out": int},
                                "bmc_residual": float}}},   # with test_cfg.bmc_refine only
     "skipped": [{"key": .., "hand": .., "reason": ..}]}

Hands with fewer than two finite keypoints of confidence > 0 are skipped and counted (``skipped``).
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from bmc_mmpose.datasets.lifted import LIFTED_FORMAT as OUTPUT_FORMAT  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config of a KeypointLifter model')
    parser.add_argument('checkpoint', help='checkpoint of that model (read with weights_only=True)')
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--detections', help='plain JSON, OpenPose JSON file or OpenPose folder')
    source.add_argument('--dataset-config', help="config file holding a dataset whose 2D labels are lifted with its "
                        "own cameras")
    parser.add_argument('--dataset-key', default='train_dataloader.dataset',
                        help='--dataset-config: dotted path of the dataset (default train_dataloader.dataset)')
    parser.add_argument('--out', required=True, help='output JSON')
    cam = parser.add_mutually_exclusive_group()
    cam.add_argument('--cam-K', type=float, nargs=4, metavar=('FX', 'FY', 'CX', 'CY'))
    cam.add_argument('--cam-k-file', help='JSON {image key: 3x3 K}')
    cam.add_argument('--focal-over-width', type=float, default=1.0,
                     help='f = this * image width when no K is given (default 1.0, a ~53 deg horizontal view)')
    parser.add_argument('--image-size', type=int, nargs=2, metavar=('W', 'H'),
                        help='image size for hands whose detection has none')
    parser.add_argument('--ref-bone-mm', type=float, default=40.0, help='middle MCP -> PIP length, mm')
    parser.add_argument('--limits', default='literature', help='BMC limits of the plausibility check')
    parser.add_argument('--batch-size', type=int, default=1024)
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='read the checkpoint with weights_only=False (only legacy files you trust)')
    parser.add_argument('--no-progress', action='store_true')
    parser.add_argument('--cfg-options', nargs='+', metavar='KEY=VALUE',
                        help='override config keys, e.g. model.test_cfg.bmc_refine.steps=100 to refine every lifted '
                        "hand with the model's BMC loss (Hand25DHead.refine_with_bmc)")
    return parser.parse_args(argv)


def camera_for(key: str, size: Optional[Tuple[int, int]], args, k_file: Optional[Dict]) -> np.ndarray:
    """(3, 3) K of an image (see the module docstring); raises naming the key when it cannot be formed."""
    if args.cam_K is not None:
        fx, fy, cx, cy = args.cam_K
        return np.array([[fx, 0, cx], [0, fy, cy], [0, 0, 1]], np.float64)
    if k_file is not None:
        if key not in k_file:
            raise KeyError(f'--cam-k-file has no entry for image key {key!r}')
        K = np.asarray(k_file[key], np.float64)
        if K.shape != (3, 3) or not np.all(np.isfinite(K)) or K[0, 0] <= 0 or K[1, 1] <= 0:
            raise ValueError(f'--cam-k-file: K of {key!r} must be a finite 3x3 matrix with fx, fy > 0, got {K}')
        return K
    if size is None:
        raise ValueError(f'image key {key!r}: no image size (neither "image_size" in the detections file nor '
                         '--image-size) and no --cam-K / --cam-k-file, so no camera can be formed')
    w, h = size
    f = args.focal_over_width * w
    return np.array([[f, 0, (w - 1) / 2.0], [0, f, (h - 1) / 2.0], [0, 0, 1]], np.float64)


def collect_hands(detections, args) -> Tuple[List[dict], List[dict]]:
    """Right-hand inputs of every usable hand, and the skipped ones with a reason."""
    from bmc_mmpose.datasets.detections import iter_detections
    from bmc_mmpose.geometry.camera_numpy import mirror_intrinsics, mirror_keypoints_2d
    k_file = None
    if args.cam_k_file:
        with open(args.cam_k_file) as f:
            k_file = json.load(f)
    hands, skipped = [], []
    for key, det in iter_detections(detections):
        conf = det.weights()
        if int((conf > 0).sum()) < 2:
            skipped.append(dict(key=key, hand=det.hand, reason='fewer than two detected keypoints'))
            continue
        size = det.image_size or (tuple(args.image_size) if args.image_size else None)
        K = camera_for(key, size, args, k_file)
        kpts = det.keypoints_filled().astype(np.float64)
        width = None
        if det.hand == 'left':
            if size is None:
                raise ValueError(f'image key {key!r}: a left hand needs the image width to be mirrored (give '
                                 '"image_size" in the detections file or --image-size)')
            width = size[0]
            kpts[:, 0] = np.where(conf > 0, mirror_keypoints_2d(kpts, width)[:, 0], 0.0)
            K = mirror_intrinsics(K, width)
        hands.append(dict(key=key, hand=det.hand, keypoints=kpts, confidence=conf, K=K, width=width))
    return hands, skipped


def collect_dataset_hands(config: str, dataset_key: str) -> Tuple[List[dict], List[dict]]:
    """Right-hand inputs of every sample of a dataset (its 2D label, weights, K and mirroring as the dataset gives
    them, i.e. already the internal right hand), and the skipped ones with a reason."""
    from bmc_mmpose.datasets.formats._files import image_size_of
    from bmc_mmpose.utils.cli import build_annotation_dataset, dataset_config_at
    dataset = build_annotation_dataset(config, dataset_key)
    root = dataset_config_at(config, dataset_key).get('data_root', '') or ''
    hands, skipped, seen = [], [], set()
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        path = str(info['img_path'])
        key = (osp.relpath(path, root) if root else path).replace(os.sep, '/')
        side = 'left' if info.get('mirrored', False) else 'right'
        if (key, side) in seen:
            raise ValueError(f'{config} ({dataset_key}): two {side} hands of image {key!r}; the lifted file keeps one '
                             'hand per image and side')
        seen.add((key, side))
        conf = np.asarray(info['keypoints_visible'], np.float64).reshape(-1)
        if int((conf > 0).sum()) < 2:
            skipped.append(dict(key=key, hand=side, reason='fewer than two labelled keypoints'))
            continue
        kpts = np.asarray(info['keypoints'], np.float64).reshape(-1, 2)
        # a mirrored (left) sample's width, to write its 2D back in the image as stored
        width = image_size_of(path)[0] if side == 'left' else None
        hands.append(dict(key=key, hand=side, keypoints=np.where(conf[:, None] > 0, kpts, 0.0), confidence=conf,
                          K=np.asarray(info['cam_K'], np.float64).reshape(3, 3), width=width))
    return hands, skipped


def lift_hands(model, hands: List[dict], batch_size: int, progress: bool) -> Dict[str, np.ndarray]:
    """Batched lifting: ``joints_norm`` (N, 21, 3), ``uv`` (N, 21, 2) original px, ``z_root`` (N,)."""
    from bmc_mmpose.datasets.transforms.keypoint_lifter_inputs import keypoint_crops, lifter_input_array
    out = {k: [] for k in ('joints_norm', 'uv', 'z_root')}
    bar = None
    if progress and len(hands) > batch_size:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(len(hands))
    model.eval()
    input_size = tuple(model.head.input_size)
    for start in range(0, len(hands), batch_size):
        chunk = hands[start:start + batch_size]
        kpts = np.stack([h['keypoints'] for h in chunk])
        conf = np.stack([h['confidence'] for h in chunk]).astype(np.float32)
        K = np.stack([h['K'] for h in chunk])
        hom, K_crop = keypoint_crops(kpts, conf, K, input_size)
        crop = kpts @ np.swapaxes(hom[:, :2, :2], -1, -2) + hom[:, None, :2, 2]
        inputs = torch.from_numpy(lifter_input_array(crop, conf, K_crop))
        with torch.no_grad():
            pred = model.head.predict_tensors(model.extract_feat(inputs), torch.from_numpy(K_crop).float(),
                                              bmc_refine=(model.test_cfg or {}).get('bmc_refine'))
        inv = np.linalg.inv(hom)
        uv_orig = pred['keypoints_crop'].double().numpy() @ np.swapaxes(inv[:, :2, :2], -1, -2) + inv[:, None, :2, 2]
        out['joints_norm'].append(pred['keypoints_3d_norm'].double().numpy())
        out['uv'].append(uv_orig)
        out['z_root'].append(pred['z_root'].double().numpy())
        if bar is not None:
            for _ in chunk:
                bar.update()
    if bar is not None:
        sys.stdout.write('\n')
    return {k: np.concatenate(v) if v else np.zeros((0, )) for k, v in out.items()}


def main(argv=None):
    args = parse_args(argv)
    from mmengine.registry import init_default_scope

    import bmc_mmpose  # noqa: F401
    from bmc_mmpose.datasets.detections import load_detections
    from bmc_mmpose.datasets.lifted import write_lifted
    from bmc_mmpose.geometry.angles import hand_joint_angles
    from bmc_mmpose.geometry.skeleton import ANGLE_BONES
    from bmc_mmpose.models.losses import BMCLoss
    from bmc_mmpose.utils.checkpoint import load_model_weights
    from bmc_mmpose.utils.config_options import load_config
    from mmpose.registry import MODELS
    if args.ref_bone_mm <= 0:
        raise SystemExit(f'--ref-bone-mm must be > 0, got {args.ref_bone_mm}')
    init_default_scope('mmpose')
    cfg = load_config(args.config, args.cfg_options)  # an unknown --cfg-options key is an error naming it
    if cfg.model.get('type') != 'KeypointLifter':
        raise SystemExit(f'{args.config}: model.type is {cfg.model.get("type")!r}; this tool needs a KeypointLifter')
    model = MODELS.build(cfg.model)
    load_model_weights(model, args.checkpoint, trusted=args.trust_checkpoint)
    if args.detections:
        hands, skipped = collect_hands(load_detections(args.detections), args)
    else:
        hands, skipped = collect_dataset_hands(args.dataset_config, args.dataset_key)
    lifted = lift_hands(model, hands, args.batch_size, not args.no_progress)
    bmc = BMCLoss(limits=args.limits)
    images: Dict[str, Dict[str, dict]] = {}
    if hands:
        joints = torch.from_numpy(lifted['joints_norm']).float()
        angles = hand_joint_angles(joints).numpy()
        terms = bmc.terms(joints)
        refine = (model.test_cfg or {}).get('bmc_refine')
        residual = model.head.bmc_residual(joints, refine.get('loss')).numpy() if refine else None
    for i, hand in enumerate(hands):
        norm = lifted['joints_norm'][i].copy()
        uv = lifted['uv'][i].copy()
        if hand['hand'] == 'left':  # back to the image as stored
            norm[:, 0] *= -1.0
            uv[:, 0] = hand['width'] - 1.0 - uv[:, 0]
        counts = dict(bones_out=int(terms['violation_bone_length'][i].sum()),
                      palm_pairs_out=int((terms['violation_root_curvature'][i] |
                                          terms['violation_root_angle'][i]).sum()),
                      angles_out=int(terms['violation_joint_angle'][i].sum()))
        plaus = dict(plausible=not any(counts.values()), **counts,
                     **{k: round(float(terms[k][i]), 6) for k in ('loss_bl', 'loss_rb', 'loss_a')})
        images.setdefault(hand['key'], {})[hand['hand']] = dict(
            keypoints_3d_mm=np.round(norm * args.ref_bone_mm, 3).tolist(),
            keypoints_3d_norm=np.round(norm, 5).tolist(),
            keypoints_2d=np.round(uv, 3).tolist(),
            input_confidence=np.round(hand['confidence'], 4).tolist(),
            z_root_mm=round(float(lifted['z_root'][i]) * args.ref_bone_mm, 3),
            joint_angles_rad=np.round(angles[i], 5).tolist(),
            plausibility=plaus)
        if residual is not None:
            images[hand['key']][hand['hand']]['bmc_residual'] = float(residual[i])
    meta = dict(config=args.config, checkpoint=args.checkpoint, detections=args.detections,
                dataset_config=args.dataset_config, dataset_key=args.dataset_key if args.dataset_config else None,
                bmc_refine=(cfg.model.get('test_cfg') or {}).get('bmc_refine'), ref_bone_mm=args.ref_bone_mm,
                limits=args.limits, angle_bones=list(ANGLE_BONES), num_hands=len(hands), skipped=skipped)
    write_lifted(args.out, images, **json.loads(json.dumps(meta, default=str)))
    result = dict(format=OUTPUT_FORMAT, joint_order='freihand', **meta, images=images)
    print(f'[lift_keypoints] {len(hands)} hands lifted, {len(skipped)} skipped, written to {args.out}')
    return result


if __name__ == '__main__':
    main()
