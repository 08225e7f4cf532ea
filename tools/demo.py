# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Predict the 3D hand in one image and write a figure (PNG) and the joints and angles (JSON).

    python tools/demo.py IMAGE --config CFG [--checkpoint CKPT] [--bbox X1 Y1 X2 Y2] [--hand right|left]
        [--K FX FY CX CY] [--ref-bone-length MM] [--limits literature] [--out-dir DIR] [--device cpu]
        [--cfg-options KEY=VALUE ...]

The PNG shows the 2D overlay and the 3D skeleton seen from the camera and from above (supp. Fig. 3 style); the
JSON holds 2D keypoints (px), 3D joints (mm and reference-bone units, OpenCV camera frame), joint angles
(flexion/abduction, degrees and radians) and the plausibility check under the BMC limits. Without ``--K`` the
camera is assumed to have focal length max(H, W) px and its principal point at the image centre, so the metric
depth is only indicative; without ``--ref-bone-length`` the model's default bone length (40 mm) sets the scale.
Without ``--checkpoint`` the model keeps its initial (random) weights: useful only as a smoke test.
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Any, Dict, List, Optional

import numpy as np
from mmengine.config import DictAction


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='bmc_mmpose single-image 3D hand demo')
    parser.add_argument('image', help='image file')
    parser.add_argument('--config', required=True, help='model config (its test pipeline is used)')
    parser.add_argument('--checkpoint', default=None, help='checkpoint file (omit: random weights, smoke test)')
    parser.add_argument('--bbox', type=float, nargs=4, metavar=('X1', 'Y1', 'X2', 'Y2'), default=None,
                        help='hand box in pixels (default: the whole image)')
    parser.add_argument('--hand', choices=['right', 'left'], default='right', help='which hand the image shows')
    parser.add_argument('--K', type=float, nargs=4, metavar=('FX', 'FY', 'CX', 'CY'), default=None,
                        help='camera intrinsics (default: f = max(H, W), principal point at the centre)')
    parser.add_argument('--ref-bone-length', type=float, default=None,
                        help='middle-finger MCP->PIP bone length in mm (default: the model default)')
    parser.add_argument('--limits', default='literature', help="BMC limits for the plausibility check ('none' "
                        'to skip)')
    parser.add_argument('--out-dir', default='demo_out', help='where the PNG and the JSON go')
    parser.add_argument('--device', default='cpu', help='torch device')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default=None, metavar='KEY=VALUE',
                        help='override config settings, e.g. model.backbone.depth=18 model.head.in_channels=512')
    return parser.parse_args(argv)


def result_to_json(result: Dict[str, Any], image_path: str) -> Dict[str, Any]:
    """The JSON-serialisable part of an :func:`inference_hand3d` result."""
    angles_deg = np.asarray(result['joint_angles_deg'])
    angles_rad = np.asarray(result['joint_angles_rad'])
    out = dict(
        image=image_path,
        hand_side=result['hand_side'],
        joint_order='FreiHAND (0 wrist, 1-4 thumb, 5-8 index, 9-12 middle, 13-16 ring, 17-20 little)',
        joint_names=result['joint_names'],
        frame='OpenCV camera frame (x right, y down, z forward)',
        keypoints_2d_px=np.round(result['keypoints_2d'], 3).tolist(),
        keypoints_3d_mm=np.round(result['keypoints_3d'], 3).tolist(),
        keypoints_3d_norm=np.round(result['keypoints_3d_norm'], 5).tolist(),
        ref_bone_length_mm=result['ref_bone_length'],
        z_root_mm=result['z_root'],
        K=np.asarray(result['K']).tolist(),
        bbox_xyxy=np.asarray(result['bbox']).tolist(),
        joint_angles={
            name: dict(flexion_deg=float(angles_deg[i, 0]), abduction_deg=float(angles_deg[i, 1]),
                       flexion_rad=float(angles_rad[i, 0]), abduction_rad=float(angles_rad[i, 1]))
            for i, name in enumerate(result['angle_bones'])
        })
    if 'plausibility' in result:
        out['plausibility'] = result['plausibility']
    return out


def main(argv: Optional[List[str]] = None) -> Dict[str, str]:
    args = parse_args(argv)
    root = osp.dirname(osp.dirname(osp.abspath(__file__)))
    if root not in sys.path:
        sys.path.insert(0, root)
    import cv2

    from bmc_mmpose.apis import inference_hand3d, init_hand3d_model
    from bmc_mmpose.visualization import draw_hand3d_figure

    if not osp.isfile(args.image):
        raise FileNotFoundError(f'demo: image {args.image!r} does not exist')
    if args.checkpoint is None:
        print('demo: no --checkpoint given, the model has random weights (smoke test only)')
    model = init_hand3d_model(args.config, args.checkpoint, device=args.device, cfg_options=args.cfg_options)
    cam_k = None
    if args.K is not None:
        fx, fy, cx, cy = args.K
        cam_k = np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]])
    limits = None if str(args.limits).lower() == 'none' else args.limits
    result = inference_hand3d(model, args.image, bbox=args.bbox, K=cam_k, hand_side=args.hand,
                              ref_bone_length=args.ref_bone_length, plausibility_limits=limits)

    image_bgr = cv2.imread(args.image, cv2.IMREAD_COLOR)
    lines = [f'hand: {args.hand}   root depth {result["z_root"]:.0f} mm   ref. bone {result["ref_bone_length"]:.1f} mm']
    if 'plausibility' in result:
        p = result['plausibility']
        lines.append(f'BMC violations: bone length {p["num_violations_bone_length"]}/20, root curvature '
                     f'{p["num_violations_root_curvature"]}/4, root angle {p["num_violations_root_angle"]}/4, '
                     f'joint angle {p["num_violations_joint_angle"]}/15')
    figure = draw_hand3d_figure(image_bgr[..., ::-1], result['keypoints_2d'], result['keypoints_3d'],
                                title=osp.basename(args.image), text_lines=lines)
    os.makedirs(args.out_dir, exist_ok=True)
    stem = osp.join(args.out_dir, osp.splitext(osp.basename(args.image))[0])
    png_path, json_path = stem + '_hand3d.png', stem + '_hand3d.json'
    cv2.imwrite(png_path, figure[..., ::-1])
    with open(json_path, 'w') as f:
        json.dump(result_to_json(result, args.image), f, indent=1)
    print(f'demo: wrote {png_path} and {json_path}')
    return dict(png=png_path, json=json_path)


if __name__ == '__main__':
    main()
