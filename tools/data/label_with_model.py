# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Write a detections file from a trained bmc_mmpose model's own 2D predictions (a self-training round).

    python tools/data/label_with_model.py CONFIG CHECKPOINT --images DIR --out detections.json
        [--hand right|left] [--boxes DETECTIONS] [--min-score S] [--device cpu]
    python tools/data/label_with_model.py CONFIG CHECKPOINT --dataset-config DATA_CFG [--dataset-key KEY] --out ...
        [--batch-size 16]

The output is the plain detections format (``bmc_mmpose.datasets.detections``): per image the model's 2D keypoints
(``pred_instances.keypoints``, original-image pixels, left hands mirrored back to the image as stored) and their
``keypoint_scores`` as confidences. Feed it to ``ImageFolderHandDataset(detections_file=...)`` (``--images``) or to
a dataset pipeline with ``LoadDetectedKeypoints2D(detections_file=...)`` (``--dataset-config``).

Note: ``Hand25DHead`` (both modes) reports scores of 1 for every joint (a regression head has no confidence), so a
file written from it carries uniform confidences; a model with real scores passes them through unchanged.

``--images DIR``: every image below DIR (recursively; keys are paths relative to DIR). The hand box is the whole
image unless ``--boxes`` gives a detections file (e.g. of a hand detector or an earlier round) whose weighted joints
define it; the side is ``--hand`` (default right) or, with ``--boxes``, that file's side.

``--dataset-config``: a config file holding a dataset (``--dataset-key``, dotted, default
``train_dataloader.dataset``; list items by index, e.g. ``train_dataloader.dataset.datasets.1``). Its pipeline is
replaced by the model config's test pipeline, so the dataset's own box, K and mirroring are used; keys are image
paths relative to the dataset's ``data_root``.
"""
import argparse
import copy
import os
import os.path as osp
import sys
from typing import Dict, List, Optional, Tuple

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))  # this checkout first

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Write a detections file from a bmc_mmpose model')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--images', help='folder of images to label (recursive)')
    source.add_argument('--dataset-config', help='config file holding the dataset to label')
    parser.add_argument('--dataset-key', default='train_dataloader.dataset',
                        help='dotted path of the dataset in --dataset-config (default train_dataloader.dataset)')
    parser.add_argument('--out', required=True, help='output detections JSON')
    parser.add_argument('--hand', choices=['right', 'left'], default='right',
                        help='--images: the side of the hands in the images (default right)')
    parser.add_argument('--boxes', help='--images: detections file whose weighted joints give each hand box')
    parser.add_argument('--min-score', type=float, default=0.0,
                        help='write joints scored below this as missing (default 0: keep all)')
    parser.add_argument('--batch-size', type=int, default=16, help='--dataset-config: samples per forward pass')
    parser.add_argument('--device', default='cpu', help='device, e.g. cpu or cuda:0')
    parser.add_argument('--cfg-options', nargs='+', default=None, metavar='KEY=VALUE',
                        help='override settings in the model config')
    return parser.parse_args(argv)


def list_images(root: str) -> List[str]:
    """Image files below ``root``, sorted by relative path."""
    paths = []
    for base, dirs, files in os.walk(root):
        dirs.sort()
        paths += [osp.join(base, f) for f in files if osp.splitext(f)[1].lower() in IMAGE_EXTENSIONS]
    return sorted(paths, key=lambda p: osp.relpath(p, root))


def _box_from(detections, img_path: str, min_score: float) -> Tuple[Optional[np.ndarray], Optional[str]]:
    key = detections.find_key(img_path)
    det = None if key is None else detections.get(key)
    if det is None:
        raise KeyError(f'--boxes {detections.source}: no entry for image {img_path!r}')
    weights = det.weights(min_score)
    if int((weights > 0).sum()) < 2:
        return None, det.hand
    used = det.keypoints_filled()[weights > 0]
    return np.concatenate([used.min(0), used.max(0)]), det.hand


def label_images(model, image_dir: str, hand: str = 'right', boxes_file: Optional[str] = None,
                 min_score: float = 0.0) -> Dict[str, list]:
    """Predict every image below ``image_dir`` with :func:`bmc_mmpose.apis.inference_hand3d`.

    Returns:
        dict: ``keys``, ``keypoints`` (N, 21, 2) image px, ``scores`` (N, 21), ``hands``, ``image_sizes``.
    """
    from bmc_mmpose.apis import inference_hand3d
    from bmc_mmpose.datasets.detections import load_detections

    if not osp.isdir(image_dir):
        raise FileNotFoundError(f'--images {image_dir!r} is not a directory')
    images = list_images(image_dir)
    if not images:
        raise FileNotFoundError(f'--images {image_dir!r}: no image ({", ".join(IMAGE_EXTENSIONS)}) found')
    boxes = load_detections(boxes_file) if boxes_file else None
    out = dict(keys=[], keypoints=[], scores=[], hands=[], image_sizes=[])
    for path in images:
        bbox, side = (None, hand) if boxes is None else _box_from(boxes, path, min_score)
        res = inference_hand3d(model, path, bbox=bbox, hand_side=side, plausibility_limits=None)
        scores = np.asarray(res['data_sample'].pred_instances.keypoint_scores, np.float64).reshape(-1)
        height, width = res['image_shape']
        out['keys'].append(osp.relpath(path, image_dir).replace(os.sep, '/'))
        out['keypoints'].append(res['keypoints_2d'])
        out['scores'].append(scores)
        out['hands'].append(side)
        out['image_sizes'].append((width, height))
    return out


def _select(cfg, dotted: str):
    node = cfg
    for part in dotted.split('.'):
        try:
            node = node[int(part)] if isinstance(node, (list, tuple)) else node[part]
        except (KeyError, IndexError, ValueError, TypeError):
            raise KeyError(f'--dataset-key {dotted!r}: cannot resolve {part!r}') from None
    return node


def label_dataset(model, dataset_cfg: dict, batch_size: int = 16) -> Dict[str, list]:
    """Predict every sample of a dataset (built with the model's test pipeline) in batches.

    Returns:
        dict: ``keys`` (image paths relative to the dataset's ``data_root``), ``keypoints`` (N, 21, 2) px of the
        image as stored, ``scores`` (N, 21), ``hands`` (left for samples the dataset mirrored), ``image_sizes``.
    """
    import torch
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS

    import bmc_mmpose.datasets  # noqa: F401  (registration)
    from bmc_mmpose.apis.inference import _test_pipeline
    from bmc_mmpose.geometry.camera_numpy import mirror_keypoints_2d

    cfg = model.cfg
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    dataset_cfg = copy.deepcopy(dict(dataset_cfg))
    if dataset_cfg.get('type') in ('CombinedDataset', 'ConcatDataset', 'RepeatDataset'):
        raise ValueError(f'--dataset-key selects a {dataset_cfg["type"]}; select one of its datasets instead, e.g. '
                         '--dataset-key train_dataloader.dataset.datasets.0')
    dataset_cfg['pipeline'] = copy.deepcopy(_test_pipeline(cfg))
    dataset_cfg['test_mode'] = True
    dataset = DATASETS.build(dataset_cfg)
    root = getattr(dataset, 'data_root', None) or ''
    out = dict(keys=[], keypoints=[], scores=[], hands=[], image_sizes=[])
    for start in range(0, len(dataset), batch_size):
        batch = pseudo_collate([dataset[i] for i in range(start, min(start + batch_size, len(dataset)))])
        with torch.no_grad():
            samples = model.test_step(batch)
        for sample in samples:
            meta = sample.metainfo
            kpts = np.asarray(sample.pred_instances.keypoints, np.float64)[0].copy()
            scores = np.asarray(sample.pred_instances.keypoint_scores, np.float64).reshape(-1)
            height, width = (int(v) for v in meta['ori_shape'][:2])
            mirrored = bool(meta.get('mirrored', False))
            if mirrored:  # predictions live in the dataset's (mirrored) frame; the file holds the image as stored
                kpts = mirror_keypoints_2d(kpts, width)
            path = str(meta['img_path'])
            key = osp.relpath(path, root) if root and osp.abspath(path).startswith(osp.abspath(root)) else path
            out['keys'].append(key.replace(os.sep, '/'))
            out['keypoints'].append(kpts)
            out['scores'].append(scores)
            out['hands'].append('left' if mirrored else 'right')
            out['image_sizes'].append((width, height))
    return out


def main(argv=None):
    args = parse_args(argv)
    from bmc_mmpose.utils.cli import load_config

    from bmc_mmpose.apis import init_hand3d_model
    from bmc_mmpose.datasets.detections import write_detections

    cfg = load_config(args.config, args.cfg_options)
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint {args.checkpoint!r} does not exist')
    model = init_hand3d_model(cfg, args.checkpoint, device=args.device)
    if args.images:
        result = label_images(model, args.images, args.hand, args.boxes, args.min_score)
    else:
        data_cfg = load_config(args.dataset_config)
        result = label_dataset(model, _select(data_cfg, args.dataset_key), args.batch_size)
    keypoints = np.stack(result['keypoints'])
    scores = np.clip(np.stack(result['scores']), 0.0, None)
    scores = np.where(scores >= args.min_score, scores, 0.0)
    path = write_detections(args.out, result['keys'], keypoints, scores, result['hands'], result['image_sizes'])
    print(f'wrote {len(result["keys"])} hands to {path} (mean score {float(scores.mean()):.3f})')


if __name__ == '__main__':
    main()
