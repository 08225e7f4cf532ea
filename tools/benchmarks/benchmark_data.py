# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Throughput of the training data pipelines versus the training step's demand.

For each training pipeline of ``configs/_base_/datasets`` (RHD, FreiHAND, HO-3D, mixed RHD-3D + FreiHAND-2D) this
measures samples/s delivered by the dataloader with 0, 1 and 2 workers, and compares it with the number of
samples/s a ResNet-50 training step at 128x128 consumes (torchvision resnet50, forward + backward + SGD step at
the same batch size, on CPU unless ``--device`` says otherwise). Target: loader >= 1.5x the step's consumption.

By default the datasets are small original-format fixtures written to a temporary folder, with real-size images
(RHD 320x320 png, FreiHAND 224x224 jpg, HO-3D 640x480 jpg) whose pixels come from the real samples in
``../shared/data/real_samples`` when present (so decoding costs are realistic) and from random images otherwise.
Pass ``--rhd-root`` / ``--freihand-root`` / ``--ho3d-root`` to time the real datasets instead.

Example::

    python tools/benchmarks/benchmark_data.py --workers 0 1 2 --batch-size 64 --batches 4
"""
import argparse
import sys
import os.path as osp
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's bmc_mmpose first
import bmc_mmpose.datasets  # noqa: F401,E402  (registers datasets and transforms)
from bmc_mmpose.testing import dataset_fixtures as fx  # noqa: E402
from bmc_mmpose.testing.hands import make_intrinsics, random_right_hand_mm  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
CONFIG_DIR = REPO / 'configs' / '_base_' / 'datasets'
REAL_SAMPLES = REPO / '..' / 'shared' / 'data' / 'real_samples'


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--workers', type=int, nargs='+', default=[0, 1, 2], help='num_workers values to time')
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--batches', type=int, default=20, help='timed batches per setting (after 1 warm-up)')
    parser.add_argument('--num-samples', type=int, default=640, help='fixture size per dataset')
    parser.add_argument('--pipelines', nargs='+', default=['rhd', 'freihand', 'ho3d', 'rhd3d_fh2d'])
    parser.add_argument('--rhd-root', default=None)
    parser.add_argument('--freihand-root', default=None)
    parser.add_argument('--ho3d-root', default=None)
    parser.add_argument('--model-steps', type=int, default=3, help='timed ResNet-50 steps (after 1 warm-up)')
    parser.add_argument('--skip-model', action='store_true')
    parser.add_argument('--device', default='cpu')
    return parser.parse_args()


def _real_pixels() -> Dict[str, List[np.ndarray]]:
    pixels: Dict[str, List[np.ndarray]] = {'rhd': [], 'freihand': []}
    for name, pattern in (('rhd', 'rhd/*.png'), ('freihand', 'freihand/*.jpg')):
        for path in sorted(REAL_SAMPLES.glob(pattern)):
            img = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if img is not None:
                pixels[name].append(img)
    return pixels


def write_fixtures(tmp: str, num: int) -> Dict[str, str]:
    """Original-format fixtures with realistic image sizes (and real pixels when available)."""
    pixels = _real_pixels()
    rng = np.random.RandomState(0)
    roots = {name: osp.join(tmp, name) for name in ('rhd', 'freihand', 'ho3d')}
    annotations = {i: fx.make_rhd_annotation(rng, 'right' if i % 2 else 'left') for i in range(num)}
    rhd_images = {i: pixels['rhd'][i % len(pixels['rhd'])] for i in range(num)} if pixels['rhd'] else None
    fx.write_rhd(roots['rhd'], 'training', annotations, images=rhd_images)
    num_unique = max(num // 4, 1)
    cam_K = np.stack([make_intrinsics(500., (224, 224))] * num_unique)
    xyz = np.stack([random_right_hand_mm(rng, k, (224, 224), (500., 800.)) for k in cam_K]) / 1000.
    fh_images = {i: pixels['freihand'][i % len(pixels['freihand'])] for i in range(num_unique * 4)} \
        if pixels['freihand'] else None
    fx.write_freihand(roots['freihand'], xyz, cam_K, 'training', 4, images=fh_images)
    fx.write_synthetic_ho3d(roots['ho3d'], 'train', num_frames=num)
    if pixels['freihand']:
        # HO-3D frames are 640x480 photos; upscale real photos so jpg decoding costs what it would.
        for i, path in enumerate(sorted(Path(roots['ho3d'], 'train').glob('*/rgb/*.jpg'))):
            big = cv2.resize(pixels['freihand'][i % len(pixels['freihand'])], (640, 480))
            cv2.imwrite(str(path), big, [cv2.IMWRITE_JPEG_QUALITY, 95])
    return roots


def loader_config(name: str, roots: Dict[str, str], batch_size: int, workers: int, fixtures: bool) -> dict:
    cfg = Config.fromfile(str(CONFIG_DIR / f'{name}.py'))
    loader = cfg.train_dataloader
    loader.update(batch_size=batch_size, num_workers=workers, persistent_workers=workers > 0)
    dataset = loader.dataset
    if name == 'rhd3d_fh2d':
        dataset.datasets[0].data_root = roots['rhd']
        dataset.datasets[1].data_root = roots['freihand']
        loader.sampler.batch_size = batch_size
    else:
        dataset.data_root = roots[name]
    if fixtures:
        # The configs hold out 3,255 FreiHAND hands; a small fixture uses the 10 % fraction instead.
        for ds_cfg in dataset.get('datasets', [dataset]):
            if 'num_val' in ds_cfg:
                ds_cfg.num_val = None
    return loader.to_dict()


def time_loader(cfg: dict, batches: int) -> float:
    """samples/s over ``batches`` batches after one warm-up batch (worker start-up excluded).

    Workers prefetch up to ``2 * num_workers`` batches while the first one is produced; that head start biases
    the figure by at most ``2 * num_workers / batches``, so use ``batches`` >= 10 times the worker count.
    """
    loader = Runner.build_dataloader(cfg, seed=0)
    num, samples, start = 0, 0, None
    while num < batches:
        for batch in loader:
            if start is None:
                start = time.perf_counter()  # after the first (warm-up) batch
                continue
            num += 1
            samples += len(batch['inputs'])
            if num == batches:
                break
    return samples / (time.perf_counter() - start)


def time_model(batch_size: int, steps: int, device: str) -> float:
    """samples/s consumed by a ResNet-50 128x128 training step (fwd + bwd + SGD)."""
    from torchvision.models import resnet50
    model = resnet50(num_classes=21 * 3).to(device).train()
    optim = torch.optim.SGD(model.parameters(), lr=5e-3, momentum=0.9)
    inputs = torch.randn(batch_size, 3, 128, 128, device=device)
    target = torch.randn(batch_size, 63, device=device)

    def step():
        optim.zero_grad(set_to_none=True)
        loss = torch.nn.functional.mse_loss(model(inputs), target)
        loss.backward()
        optim.step()
        return loss

    step()
    start = time.perf_counter()
    for _ in range(steps):
        loss = step()
    float(loss.detach())  # synchronise once, outside the loop
    return steps * batch_size / (time.perf_counter() - start)


def main():
    args = parse_args()
    init_default_scope('mmpose')
    tmp: Optional[tempfile.TemporaryDirectory] = None
    if args.rhd_root or args.freihand_root or args.ho3d_root:
        roots = dict(rhd=args.rhd_root, freihand=args.freihand_root, ho3d=args.ho3d_root)
        source = 'user-given dataset roots'
    else:
        tmp = tempfile.TemporaryDirectory()
        roots = write_fixtures(tmp.name, args.num_samples)
        source = f'original-format fixtures ({args.num_samples} samples each, ' + \
            ('real-sample pixels)' if REAL_SAMPLES.exists() else 'random pixels)')
    print(f'data: {source}; batch {args.batch_size}; torch threads {torch.get_num_threads()}')
    demand = None
    if not args.skip_model:
        demand = time_model(args.batch_size, args.model_steps, args.device)
        print(f'ResNet-50 128px training step ({args.device}): {demand:8.1f} samples/s consumed '
              f'(target loader >= {1.5 * demand:.1f} samples/s)')
    header = f'{"pipeline":<12}' + ''.join(f'{f"{w} workers":>14}' for w in args.workers)
    if demand:
        header += ''.join(f'{f"ratio@{w}w":>10}' for w in args.workers)
    print(header)
    for name in args.pipelines:
        if name == 'rhd3d_fh2d':
            if not (roots.get('rhd') and roots.get('freihand')):
                continue
        elif not roots.get(name):
            continue
        rates = [
            time_loader(loader_config(name, roots, args.batch_size, w, tmp is not None), args.batches)
            for w in args.workers
        ]
        line = f'{name:<12}' + ''.join(f'{r:>14.1f}' for r in rates)
        if demand:
            line += ''.join(f'{r / demand:>9.2f}{"*" if r >= 1.5 * demand else " "}' for r in rates)
        print(line, flush=True)
    if demand:
        print('* = meets the 1.5x target. samples/s; loader and model were timed separately on the same machine.')
    if tmp is not None:
        tmp.cleanup()


if __name__ == '__main__':
    main()
