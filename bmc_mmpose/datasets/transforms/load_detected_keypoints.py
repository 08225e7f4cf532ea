# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Replace a sample's 2D label by a detector's keypoints, weighted by the detector's confidences."""
from typing import Dict, Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS

from bmc_mmpose.geometry.skeleton import NUM_JOINTS

from ..detections import HandDetection, HandDetections, load_detections

_KEY_BY = ('img_path', 'img_id', 'sample_idx')
_ON_MISSING = ('error', 'zero_weight')


@TRANSFORMS.register_module()
class LoadDetectedKeypoints2D(BaseTransform):
    """Use detected 2D keypoints (``bmc_mmpose.datasets.detections``) as the sample's 2D supervision.

    Sets ``keypoints`` (1, 21, 2) to the detection (original-image pixels, mirrored ``u -> W - 1 - u`` when the
    dataset mirrored the sample, i.e. ``mirrored=True``, so it lives in the same frame as the rest of the
    annotation) and ``keypoints_visible`` (1, 21) to the per-joint confidence used as weight
    (``docs/architecture.md``: ``keypoints_visible`` is the supervision weight; ``PackHand3DInputs`` copies it to
    ``keypoint_weights``). Missing joints and joints below ``min_confidence`` get weight 0 and keypoint (0, 0).
    ``has_3d`` is left alone: combine with the dataset's ``supervision='2d'`` for a 2D-only source. The 3D labels
    stay (for evaluation, ``has_3d_eval``); use this transform in *training* pipelines only, since the evaluation
    reads the 2D ground truth from ``keypoints``.

    Place it **after** ``LoadImage`` (it reads the image width, ``ori_shape``, to mirror left hands; with an
    ``image_size`` in the detections file it may also come first) and **before** ``HandCropAffine``.

    Args:
        detections_file (str): plain-format JSON, OpenPose JSON file or OpenPose output folder.
        min_confidence (float): joints with a lower confidence get weight 0.
        key_by (str): how a sample finds its entry: ``'img_path'`` (default; the entry key is the image path
            relative to ``image_root``, or, without it, any trailing part of the path, with or without
            extension), ``'img_id'`` or ``'sample_idx'`` (the key is that integer as a string).
        image_root (str, optional): root the ``img_path`` keys are relative to.
        on_missing (str): ``'error'`` (default): a ``KeyError`` naming the file and the sample; ``'zero_weight'``:
            keypoints 0 with weight 0 (the sample then only contributes through 3D labels, if any, and BMC).
        match_hand_side (bool): take the detection of the side the sample shows (left if ``mirrored``, else
            right); a file holding only the other side counts as missing. False: take the more confident side.
        bbox_from_detections (bool): replace ``bbox`` by the tight box of the weighted joints (at least two),
            e.g. when the dataset's box comes from labels that the detections are meant to replace.
        keep_original_as (str, optional): store the replaced ``keypoints`` under this key (e.g. to measure the
            detector's error).
        confidence_as_weight (bool): True (default, S2HAND): the weight of a joint is its confidence. False: every
            joint at or above ``min_confidence`` gets weight 1 (the "unweighted" baseline that trusts every
            detection equally); missing joints still get 0.
    """

    def __init__(self,
                 detections_file: str,
                 min_confidence: float = 0.0,
                 key_by: str = 'img_path',
                 image_root: Optional[str] = None,
                 on_missing: str = 'error',
                 match_hand_side: bool = True,
                 bbox_from_detections: bool = False,
                 keep_original_as: Optional[str] = None,
                 confidence_as_weight: bool = True):
        if key_by not in _KEY_BY:
            raise ValueError(f'LoadDetectedKeypoints2D: key_by must be one of {_KEY_BY}, got {key_by!r}')
        if on_missing not in _ON_MISSING:
            raise ValueError(f'LoadDetectedKeypoints2D: on_missing must be one of {_ON_MISSING}, got {on_missing!r}')
        if not 0 <= min_confidence:
            raise ValueError(f'LoadDetectedKeypoints2D: min_confidence must be >= 0, got {min_confidence!r}')
        self.detections_file = str(detections_file)
        self.detections: HandDetections = load_detections(detections_file)
        self.min_confidence = float(min_confidence)
        self.key_by = key_by
        self.image_root = image_root
        self.on_missing = on_missing
        self.match_hand_side = bool(match_hand_side)
        self.bbox_from_detections = bool(bbox_from_detections)
        self.keep_original_as = keep_original_as
        self.confidence_as_weight = bool(confidence_as_weight)

    def _find(self, results: Dict):
        """(key, detection or None, reason) of a sample."""
        if self.key_by == 'img_path':
            if 'img_path' not in results:
                raise KeyError('LoadDetectedKeypoints2D: results lack "img_path" (key_by="img_path")')
            query = results['img_path']
        else:
            if self.key_by not in results:
                raise KeyError(f'LoadDetectedKeypoints2D: results lack {self.key_by!r} (key_by={self.key_by!r})')
            query = int(results[self.key_by])
        key = self.detections.find_key(query, self.image_root)
        if key is None:
            return None, None, f'no entry for {self.key_by}={query!r}'
        side = ('left' if results.get('mirrored', False) else 'right') if self.match_hand_side else None
        det = self.detections.get(key, side)
        if det is None:
            have = sorted(self.detections.sides(key))
            return key, None, f'entry {key!r} has no {side} hand (it has {have}; the sample is mirrored=' \
                              f'{bool(results.get("mirrored", False))})'
        return key, det, ''

    def _width(self, results: Dict, det: HandDetection, key: str) -> int:
        if 'ori_shape' in results:
            return int(results['ori_shape'][1])
        if det.image_size is not None:
            return int(det.image_size[0])
        raise KeyError(f'LoadDetectedKeypoints2D: sample {results.get("img_path")!r} is mirrored (a left hand) '
                       f'but the image width is unknown: put the transform after LoadImage, or give "image_size" '
                       f'for {key!r} in {self.detections_file}')

    def transform(self, results: Dict) -> Dict:
        if 'transformed_keypoints' in results:
            raise RuntimeError('LoadDetectedKeypoints2D must come before HandCropAffine in the pipeline (the '
                               'keypoints were already transformed to the crop)')
        key, det, reason = self._find(results)
        if self.keep_original_as:
            results[self.keep_original_as] = np.asarray(results.get('keypoints'), np.float32).copy()
        if det is None:
            if self.on_missing == 'error':
                raise KeyError(f'LoadDetectedKeypoints2D: {self.detections_file}: {reason} (img_path='
                               f'{results.get("img_path")!r}); add it, or set on_missing="zero_weight"')
            results['keypoints'] = np.zeros((1, NUM_JOINTS, 2), np.float32)
            results['keypoints_visible'] = np.zeros((1, NUM_JOINTS), np.float32)
            return results
        weights = det.weights(self.min_confidence)
        if not self.confidence_as_weight:
            weights = (weights > 0).astype(np.float32)
        if results.get('mirrored', False):
            kpts = det.mirrored(self._width(results, det, key))
        else:
            kpts = det.keypoints_filled()
        kpts = np.where((weights > 0)[:, None], kpts, 0.0).astype(np.float32)
        results['keypoints'] = kpts[None]
        results['keypoints_visible'] = weights[None]
        if self.bbox_from_detections and int((weights > 0).sum()) >= 2:
            used = kpts[weights > 0]
            results['bbox'] = np.concatenate([used.min(0), used.max(0)]).astype(np.float32)[None]
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(detections_file={self.detections_file!r}, min_confidence='
                f'{self.min_confidence}, key_by={self.key_by!r}, on_missing={self.on_missing!r}, '
                f'match_hand_side={self.match_hand_side}, bbox_from_detections={self.bbox_from_detections}, '
                f'confidence_as_weight={self.confidence_as_weight})')
