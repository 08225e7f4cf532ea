# Copyright (c) bmc_mmpose authors. All rights reserved.
"""CPU inference speed of the BMC model next to its bare backbone, and PyTorch next to onnxruntime, in one run.

For each backbone depth and batch size it times, on the same preprocessed 128-px crops (the config's input size):

- ``backbone``: ``model.backbone(inputs)`` alone, the reference;
- ``predict``: ``Hand3DEstimator.predict`` (backbone + ``Hand25DHead`` + closed-form Z-root + refiner + 3D lifting
  + mapping to the original image + per-sample numpy ``pred_instances``; no joint angles, as by default);
- ``after backbone``: what ``predict`` does after the backbone (``Hand3DEstimator.predict_from_features`` on
  precomputed features): the overhead itself, timed directly, which stays readable when the machine is loaded
  and ``predict - backbone`` drowns in noise; ``vs backbone`` is then its share of the backbone time;
- ``network``: ``Hand3DCropNetwork`` in PyTorch (normalisation + everything up to the 3D joints, tensors out);
- ``onnxruntime``: the same network exported with ``tools/deployment/pytorch2onnx.py``'s ``export_onnx``, run
  by onnxruntime with the same number of threads;
- ``e2e torch`` / ``e2e ort`` (unless ``--no-e2e``): ``Hand3DPredictor`` from an image with B boxes to the
  per-hand results (crop by the test pipeline, network, back to the image, metric scale; no joint angles);
- with ``--fuse-conv-bn``: ``backbone fused`` and ``predict fused``, the same after folding every BatchNorm into
  the convolution before it (``mmcv.cnn.fuse_conv_bn``, what the demo's ``--fuse-conv-bn`` does); their
  overhead is relative to ``backbone fused``, every other row's to ``backbone``.

Every timed function runs ``--iters`` times per round; rounds alternate over the functions, in reversed order
every other round, so that load changes on a shared machine hit all of them. The median and the fastest round
per function are reported, with the overhead relative to the backbone. Random weights: speed does not depend on
them. ``--clock cpu`` times the process's CPU time instead of the wall clock: with ``--threads 1`` that is the
work done, which a shared, loaded machine barely changes (the wall clock then mostly measures the CPU share).
``--markdown FILE`` appends the table with the command, machine, date and load to FILE.

Example::

    python tools/benchmarks/benchmark_model.py configs/bmc/rhd3d_fh2d.py --depths 18 50 --batch-sizes 1 32 --threads 2
"""
import argparse
import copy
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's bmc_mmpose first

BACKBONE_CHANNELS = {18: 512, 34: 512, 50: 2048, 101: 2048, 152: 2048}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', nargs='?', default='configs/bmc/rhd3d_fh2d.py', help='model config')
    parser.add_argument('--depths', type=int, nargs='+', default=[18, 50], help='ResNet depths to time')
    parser.add_argument('--batch-sizes', type=int, nargs='+', default=[1, 32])
    parser.add_argument('--rounds', type=int, default=7, help='alternating timing rounds')
    parser.add_argument('--iters', type=int, default=0,
                        help='calls per round (default: 20 for batch 1, 2 for larger batches)')
    parser.add_argument('--threads', type=int, default=2, help='torch and onnxruntime intra-op threads')
    parser.add_argument('--no-onnx', action='store_true', help='skip onnxruntime')
    parser.add_argument('--no-e2e', action='store_true', help='skip the image-to-result predictor timings')
    parser.add_argument('--clock', choices=sorted(CLOCKS), default='wall',
                        help='wall time, or the CPU time of this process (with --threads 1 it is the work done, '
                        'nearly independent of other processes competing for the cores)')
    parser.add_argument('--fuse-conv-bn', action='store_true', help='also time the model with BatchNorm folded')
    parser.add_argument('--markdown', default=None, help='append the results as a markdown table to this file')
    return parser.parse_args()


CLOCKS = dict(wall=time.perf_counter, cpu=time.process_time)


def _timed(fn, iters: int, clock=time.perf_counter) -> float:
    start = clock()
    for _ in range(iters):
        fn()
    return (clock() - start) / iters


def build_model(config: str, depth: int):
    from bmc_mmpose.apis import init_hand3d_model
    options = {'model.backbone.depth': depth, 'model.head.in_channels': BACKBONE_CHANNELS[depth]}
    torch.manual_seed(0)
    return init_hand3d_model(config, cfg_options=options)


def time_functions(functions: dict, rounds: int, iters: int, clock=time.perf_counter) -> dict:
    names = list(functions)
    for name in names:  # warm-up
        functions[name]()
    times = {name: [] for name in names}
    for r in range(rounds):
        for name in (names if r % 2 == 0 else names[::-1]):
            times[name].append(_timed(functions[name], iters, clock))
    return times


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    import cv2
    from mmpose.structures import PoseDataSample

    from bmc_mmpose.apis import CROP_NETWORK_INPUTS, Hand3DCropNetwork, Hand3DPredictor, export_onnx

    load_before = os.getloadavg()
    rows = []
    header = (f'{"model":>9} | {"batch":>5} | {"what":>14} | {"median ms":>9} | {"best ms":>8} | {"img/s":>7} | '
              f'{"vs backbone":>11}')
    print(f'config: {args.config}  threads: {args.threads}  clock: {args.clock}  rounds: {args.rounds}  device: cpu  '
          f'torch {torch.__version__}  load before: {load_before[0]:.2f}')
    print(header)
    for depth in args.depths:
        model = build_model(args.config, depth)
        network = Hand3DCropNetwork(model).eval()
        fused = None
        if args.fuse_conv_bn:
            from mmcv.cnn import fuse_conv_bn
            fused = fuse_conv_bn(copy.deepcopy(model))
        width, height = network.input_size
        onnx_file = None
        if not args.no_onnx:
            onnx_file = os.path.join(tempfile.mkdtemp(prefix='bmc_bench_'), f'resnet{depth}.onnx')
            export_onnx(model, onnx_file)
        predictors = {}
        if not args.no_e2e:
            predictors['e2e torch'] = Hand3DPredictor(model.cfg, model=model)
            if onnx_file:
                predictors['e2e ort'] = Hand3DPredictor(model.cfg, backend='onnxruntime', onnx_file=onnx_file,
                                                        num_threads=args.threads)
        session = None
        if onnx_file:
            import onnxruntime as ort
            options = ort.SessionOptions()
            options.intra_op_num_threads = args.threads
            options.inter_op_num_threads = 1
            session = ort.InferenceSession(onnx_file, sess_options=options, providers=['CPUExecutionProvider'])
        rng = np.random.default_rng(depth)
        image = cv2.GaussianBlur(rng.integers(0, 255, (480, 640, 3), dtype=np.uint8), (9, 9), 4)
        for batch_size in args.batch_sizes:
            # the crops exactly as the test pipeline packs them, via the predictor's pre-processing
            boxes = np.stack([[20 + 10 * (i % 40), 30 + 5 * (i % 60), 220 + 10 * (i % 40), 260 + 5 * (i % 60)]
                              for i in range(batch_size)]).astype(np.float64)
            helper = predictors.get('e2e torch') or Hand3DPredictor(model.cfg, model=model)
            cam_k = np.array([[640.0, 0, 320], [0, 640.0, 240], [0, 0, 1]])
            batch = helper.preprocess(image, boxes, cam_k, ['right'] * batch_size, np.zeros(batch_size))
            samples = []
            for i in range(batch_size):
                sample = PoseDataSample()
                sample.set_metainfo(dict(cam_K=batch['cam_K'][i], cam_K_orig=batch['cam_K_orig'][i],
                                         warp_mat=batch['warp_mat'][i], ref_bone_length=0.0))
                samples.append(sample)
            crops_t = torch.from_numpy(batch['crops'])
            k_t = torch.from_numpy(batch['cam_K'])
            data = model.data_preprocessor(dict(inputs=list(crops_t.to(torch.uint8)), data_samples=samples),
                                           training=False)
            inputs = data['inputs']

            def run_backbone():
                model.backbone(inputs)

            def run_predict():
                model.predict(inputs, data['data_samples'])

            def run_network():
                network(crops_t, k_t)

            feats = model.extract_feat(inputs)
            functions = dict(backbone=run_backbone, predict=run_predict,
                             after_backbone=lambda: model.predict_from_features(feats, data['data_samples']),
                             network=run_network)
            if fused is not None:
                functions['backbone fused'] = lambda: fused.backbone(inputs)
                functions['predict fused'] = lambda: fused.predict(inputs, data['data_samples'])
            if session is not None:
                feed = {CROP_NETWORK_INPUTS[0]: batch['crops'], CROP_NETWORK_INPUTS[1]: batch['cam_K']}
                functions['onnxruntime'] = lambda: session.run(None, feed)
            for name, predictor in predictors.items():
                functions[name] = (lambda p=predictor: p(image, boxes, K=cam_k))
            iters = args.iters or (20 if batch_size == 1 else 2)
            with torch.inference_mode():
                times = time_functions(functions, args.rounds, iters, CLOCKS[args.clock])
            for name, values in times.items():
                ref = statistics.median(times['backbone fused' if name.endswith('fused') else 'backbone'])
                med, best = statistics.median(values), min(values)
                name = name.replace('_', ' ')
                row = dict(model=f'ResNet-{depth}', batch=batch_size, what=name, median_ms=1e3 * med,
                           best_ms=1e3 * best, fps=batch_size / med, ratio=med / ref)
                rows.append(row)
                share = row['ratio'] if name == 'after backbone' else row['ratio'] - 1
                print(f'{row["model"]:>9} | {batch_size:>5} | {name:>14} | {row["median_ms"]:>9.2f} | '
                      f'{row["best_ms"]:>8.2f} | {row["fps"]:>7.1f} | {100 * share:>+10.1f}%', flush=True)
    load_after = os.getloadavg()
    print(f'load average before / after: {load_before[0]:.2f} / {load_after[0]:.2f}')
    if args.markdown:
        cpu = platform.processor() or platform.machine()
        try:
            with open('/proc/cpuinfo') as f:
                cpu = next(line.split(':', 1)[1].strip() for line in f if line.startswith('model name'))
        except (OSError, StopIteration):
            pass
        with open(args.markdown, 'a') as f:
            f.write(f'\n### {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC\n\n')
            f.write(f'Command: `python {" ".join(sys.argv)}`  \n')
            f.write(f'Machine: {cpu}, {os.cpu_count()} logical cores, torch {torch.__version__}, '
                    f'{args.threads} threads, {args.clock} clock; load average (1 min) before / after: '
                    f'{load_before[0]:.2f} / '
                    f'{load_after[0]:.2f}\n\n')
            f.write('| model | batch | what | median ms | best ms | images/s (median) | vs backbone (median) |\n')
            f.write('|---|---|---|---|---|---|---|\n')
            for row in rows:
                share = row['ratio'] if row['what'] == 'after backbone' else row['ratio'] - 1
                f.write(f'| {row["model"]} | {row["batch"]} | {row["what"]} | {row["median_ms"]:.2f} | '
                        f'{row["best_ms"]:.2f} | {row["fps"]:.1f} | {100 * share:+.1f}% |\n')
        print(f'appended to {args.markdown}')


if __name__ == '__main__':
    main()
