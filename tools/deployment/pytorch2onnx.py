# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Export a bmc_mmpose model to ONNX: crop + crop K -> (u, v), z_r, Z_root (refined and closed form), 3D joints.

    python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT --out model.onnx [--opset 17] [--verify]
        [--cfg-options KEY=VALUE ...]

The graph is :class:`bmc_mmpose.apis.Hand3DCropNetwork`: inputs ``crops`` (B, 3, H, W) float32, the crop as the
config's test pipeline packs it (BGR, 0-255; normalisation and the channel swap are inside the graph) and
``cam_K`` (B, 3, 3) float32, the crop's intrinsics; outputs ``keypoints_crop`` (B, 21, 2) crop px, ``z_r``
(B, 21), ``z_root`` (B,) refined, ``z_root_closed_form`` (B,) (reference-bone units) and ``keypoints_3d_norm``
(B, 21, 3) (reference-bone units, crop camera frame; multiply by the bone length in mm for metric joints). The
batch axis is dynamic. Run it with ``tools/inference/demo.py ... --backend onnxruntime --onnx model.onnx`` or
``bmc_mmpose.apis.Hand3DPredictor(cfg, backend='onnxruntime', onnx_file=...)``, which add the crop and the
mapping back to the image. ``--verify`` runs the exported file in onnxruntime on random crops of batch 1 and 3 and
prints the largest relative difference to PyTorch.
"""
import argparse
import os
import os.path as osp
import sys
from typing import List, Optional

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # this checkout's bmc_mmpose first
from bmc_mmpose.utils.cli import add_model_loading_args  # noqa: E402


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='export a bmc_mmpose model to ONNX')
    parser.add_argument('config', help='model config')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', default='model.onnx', help='output ONNX file')
    parser.add_argument('--opset', type=int, default=17, help='ONNX opset version')
    parser.add_argument('--verify', action='store_true', help='compare onnxruntime with PyTorch after export')
    add_model_loading_args(parser, 'export')
    return parser.parse_args(argv)


def relative_difference(reference: np.ndarray, other: np.ndarray) -> float:
    """``max |a - b| / max(max |a|, 1e-6)`` over the array: the error relative to the output's magnitude."""
    reference = np.asarray(reference, np.float64)
    return float(np.abs(reference - np.asarray(other, np.float64)).max() / max(np.abs(reference).max(), 1e-6))


def verify(model, onnx_file: str, batch_sizes=(1, 3), seed: int = 0) -> dict:
    """Run PyTorch and onnxruntime on the same random crops; returns the relative difference per output."""
    import onnxruntime as ort
    import torch

    from bmc_mmpose.apis import CROP_NETWORK_OUTPUTS, Hand3DCropNetwork
    network = Hand3DCropNetwork(model).eval()
    width, height = network.input_size
    session = ort.InferenceSession(onnx_file, providers=['CPUExecutionProvider'])
    rng = np.random.default_rng(seed)
    worst = {name: 0.0 for name in CROP_NETWORK_OUTPUTS}
    for batch in batch_sizes:
        crops = (rng.random((batch, 3, height, width)) * 255).astype(np.float32)
        focal = rng.uniform(0.8, 3.0, batch) * width
        cam_k = np.zeros((batch, 3, 3), np.float32)
        cam_k[:, 0, 0], cam_k[:, 1, 1] = focal, focal
        cam_k[:, 0, 2] = width / 2 + rng.uniform(-10, 10, batch)
        cam_k[:, 1, 2] = height / 2 + rng.uniform(-10, 10, batch)
        cam_k[:, 2, 2] = 1
        with torch.no_grad():
            ref = network(torch.from_numpy(crops), torch.from_numpy(cam_k))
        out = session.run(list(CROP_NETWORK_OUTPUTS), {'crops': crops, 'cam_K': cam_k})
        for name, a, b in zip(CROP_NETWORK_OUTPUTS, ref, out):
            if a.shape != b.shape:
                raise AssertionError(f'verify: {name} has shape {b.shape} in onnxruntime, {tuple(a.shape)} in PyTorch')
            worst[name] = max(worst[name], relative_difference(a.numpy(), b))
    return worst


def main(argv: Optional[List[str]] = None) -> str:
    args = parse_args(argv)
    from bmc_mmpose.apis import export_onnx, init_hand3d_model

    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'pytorch2onnx: checkpoint {args.checkpoint!r} does not exist')
    from bmc_mmpose.utils.config_options import load_config
    cfg = load_config(args.config, args.cfg_options)  # an unknown --cfg-options key is an error naming it
    model = init_hand3d_model(cfg, args.checkpoint, device='cpu', allow_partial=args.allow_partial_checkpoint,
                              trust_checkpoint=args.trust_checkpoint)
    out_dir = osp.dirname(osp.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    export_onnx(model, args.out, opset=args.opset)
    print(f'pytorch2onnx: wrote {args.out} (inputs crops (B, 3, {model.head.input_size[1]}, '
          f'{model.head.input_size[0]}) BGR 0-255 and cam_K (B, 3, 3); dynamic batch)')
    if args.verify:
        for name, diff in verify(model, args.out).items():
            print(f'pytorch2onnx: verify {name}: max relative difference to PyTorch {diff:.2e}')
    return args.out


if __name__ == '__main__':
    main()
