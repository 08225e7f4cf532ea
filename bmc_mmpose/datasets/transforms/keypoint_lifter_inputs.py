# Copyright (c) bmc_mmpose authors. All rights reserved.
"""The 2D input of a keypoint lifter (labels + noise, detections or simulated detections) and its virtual crop."""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmpose.registry import TRANSFORMS

from bmc_mmpose.geometry.camera_numpy import normalized_rays
from bmc_mmpose.geometry.skeleton import NUM_JOINTS

from ..detector_simulator import simulate_detections

_SOURCES = ('keypoints', 'simulator')


def keypoint_crops(keypoints: np.ndarray, weights: np.ndarray, cam_K: np.ndarray,
                   input_size: Tuple[int, int] = (128, 128), padding: float = 1.4,
                   min_box_size: float = 8.0) -> Tuple[np.ndarray, np.ndarray]:
    """Virtual crops around 2D keypoints (no image): the affine to crop pixels and the crop intrinsics.

    The box is the tight box of the joints with weight > 0 (all joints if fewer than two have one), expanded to
    the input aspect ratio and by ``padding`` (as :class:`HandCropAffine` does with a dataset box); the affine is
    MMPose's non-UDP crop (``p' = s (p - centre) + input_size / 2``) and ``K' = H K`` (no rotation), so a lifter sees
    the same crop-pixel statistics as the image model and the rays ``K'^-1 [u', v', 1] = K^-1 [u, v, 1]``.

    Args:
        keypoints: (N, J, 2) pixels (NaN allowed where the weight is 0).
        weights: (N, J) confidences / weights.
        cam_K: (N, 3, 3) intrinsics of the keypoints' image.
        input_size: (w, h) of the crop, pixels.
        padding: box expansion factor.
        min_box_size: lower bound of the box side, pixels.

    Returns:
        tuple: ``hom`` (N, 3, 3) float64 affine, original pixels -> crop pixels; ``K_crop`` (N, 3, 3) float64.
    """
    kpts = np.asarray(keypoints, np.float64)
    used = np.asarray(weights) > 0
    used = np.where(used.sum(-1, keepdims=True) >= 2, used, np.ones_like(used))
    used &= np.isfinite(kpts).all(-1)
    if not used.any(-1).all():
        bad = np.flatnonzero(~used.any(-1)).tolist()
        raise ValueError(f'keypoint_crops: hands {bad[:10]} have no finite keypoint')
    lo = np.where(used[..., None], kpts, np.inf).min(1)
    hi = np.where(used[..., None], kpts, -np.inf).max(1)
    centre = 0.5 * (lo + hi)
    wh = np.maximum(hi - lo, 1e-6)
    aspect = input_size[0] / input_size[1]
    w = np.maximum(wh[:, 0], wh[:, 1] * aspect) * padding
    w = np.maximum(w, min_box_size * max(1.0, aspect))
    scale = input_size[0] / w
    hom = np.zeros((kpts.shape[0], 3, 3))
    hom[:, 0, 0] = hom[:, 1, 1] = scale
    hom[:, :2, 2] = 0.5 * np.asarray(input_size, np.float64) - scale[:, None] * centre
    hom[:, 2, 2] = 1.0
    return hom, hom @ np.asarray(cam_K, np.float64)


def lifter_input_array(keypoints_crop: np.ndarray, confidence: np.ndarray, K_crop: np.ndarray) -> np.ndarray:
    """Per-joint lifter input ``(N, J, 5)`` = crop ``u, v``, ray ``x, y`` of ``K_crop^-1 [u, v, 1]``, confidence.

    Joints with confidence 0 get zeros (their position is unknown), so the array is always finite.
    """
    uv = np.asarray(keypoints_crop, np.float64)
    conf = np.asarray(confidence, np.float64)
    known = (conf > 0) & np.isfinite(uv).all(-1)
    uv = np.where(known[..., None], uv, 0.0)
    rays = normalized_rays(uv, K_crop)
    rays = rays[..., :2] / rays[..., 2:3]
    out = np.concatenate([uv, np.where(known[..., None], rays, 0.0), np.where(known, conf, 0.0)[..., None]], -1)
    return out.astype(np.float32)


@TRANSFORMS.register_module()
class KeypointLifterInputs(BaseTransform):
    """Make the 2D input of a keypoint lifter from a dataset sample, without reading its image.

    The input 2D is the sample's ``keypoints`` (1, J, 2) with ``keypoints_visible`` as confidences: the dataset's
    2D labels, or detections when :class:`LoadDetectedKeypoints2D` (with an ``image_size`` in the detections file,
    so that no image is needed) comes first. On top of it, optionally:

    - ``source='simulator'``: :func:`simulate_detections` on those keypoints (``simulator`` kwargs: noise, outliers,
      dropped joints, confidences falling with the error);
    - ``noise_px`` > 0: isotropic Gaussian noise of that mean Euclidean size in pixels of the original image
      (per-axis std ``noise_px / sqrt(pi / 2)``), on the joints with confidence > 0.

    A virtual crop around the input keypoints (:func:`keypoint_crops`) then plays the image crop's role, so every
    later step and the data contract (``docs/architecture.md``) are those of the image model.

    Required keys: ``keypoints`` (1, J, 2), ``keypoints_visible`` (1, J), ``cam_K`` (3, 3).
    Added / modified keys: ``lifter_inputs`` (J, 5) (see :func:`lifter_input_array`), ``keypoints_input`` (1, J, 2)
    and ``keypoints_input_confidence`` (1, J) in original pixels, ``cam_K`` (crop K), ``cam_K_orig``,
    ``warp_mat`` (2, 3), ``transformed_keypoints`` (1, J, 2) crop px of the 2D *labels*, ``input_size``,
    ``input_center``, ``input_scale``; with ``supervise_with_input=True`` ``keypoints`` / ``keypoints_visible``
    become the input 2D and its confidences (the 2D a user has for a 2D-only domain).

    Args:
        input_size (tuple): (w, h) of the virtual crop.
        padding (float): box expansion factor around the input keypoints.
        noise_px (float): mean 2D noise, original pixels.
        source (str): ``'keypoints'`` or ``'simulator'``.
        simulator (dict, optional): keyword arguments of :func:`simulate_detections` (``seed`` excluded).
        seed (int, optional): None draws fresh noise on every call (training augmentation); an int makes the noise
            of a sample a function of ``(seed, sample_idx)`` (fixed evaluation inputs).
        supervise_with_input (bool): use the input 2D as the 2D label (see above).
    """

    def __init__(self,
                 input_size: Sequence[int] = (128, 128),
                 padding: float = 1.4,
                 noise_px: float = 0.0,
                 source: str = 'keypoints',
                 simulator: Optional[dict] = None,
                 seed: Optional[int] = None,
                 supervise_with_input: bool = False):
        if len(input_size) != 2 or min(input_size) <= 0:
            raise ValueError(f'KeypointLifterInputs: input_size must be (w, h) > 0, got {input_size}')
        if noise_px < 0:
            raise ValueError(f'KeypointLifterInputs: noise_px must be >= 0, got {noise_px}')
        if source not in _SOURCES:
            raise ValueError(f'KeypointLifterInputs: source must be one of {_SOURCES}, got {source!r}')
        if padding <= 0:
            raise ValueError(f'KeypointLifterInputs: padding must be > 0, got {padding}')
        self.input_size = (int(input_size[0]), int(input_size[1]))
        self.padding = float(padding)
        self.noise_px = float(noise_px)
        self.source = source
        self.simulator = dict(simulator or {})
        if 'seed' in self.simulator:
            raise ValueError("KeypointLifterInputs: give the simulator's seed as the transform's 'seed'")
        self.seed = seed
        self.supervise_with_input = bool(supervise_with_input)

    def _rng(self, results: Dict) -> np.random.Generator:
        if self.seed is None:
            return np.random.default_rng(np.random.randint(2**31))
        return np.random.default_rng([int(self.seed), int(results.get('sample_idx', results.get('img_id', 0)))])

    def transform(self, results: Dict) -> Dict:
        for key in ('keypoints', 'keypoints_visible', 'cam_K'):
            if key not in results:
                raise KeyError(f'KeypointLifterInputs: results lack {key!r} (img_path={results.get("img_path")}); '
                               'expected a bmc_mmpose hand dataset sample')
        labels = np.asarray(results['keypoints'], np.float32).reshape(1, -1, 2)
        conf = np.asarray(results['keypoints_visible'], np.float32).reshape(1, -1)
        if labels.shape[1] != NUM_JOINTS or conf.shape[1] != NUM_JOINTS:
            raise ValueError(f'KeypointLifterInputs: expected {NUM_JOINTS} joints, got keypoints {labels.shape} and '
                             f'keypoints_visible {conf.shape} (img_path={results.get("img_path")})')
        rng = self._rng(results)
        kpts = labels.copy()
        if self.source == 'simulator':
            det = simulate_detections(kpts, seed=int(rng.integers(2**31)), **self.simulator)
            kpts, conf = det.keypoints, det.confidence * (conf > 0)
        if self.noise_px > 0:
            sigma = self.noise_px / np.sqrt(np.pi / 2.0)
            kpts = kpts + (conf > 0)[..., None] * rng.normal(0.0, sigma, kpts.shape).astype(np.float32)
        cam_K = np.asarray(results['cam_K'], np.float64).reshape(1, 3, 3)
        hom, K_crop = keypoint_crops(kpts, conf, cam_K, self.input_size, self.padding)
        kpts_crop = kpts @ hom[0, :2, :2].T + hom[0, :2, 2]
        if self.supervise_with_input:
            results['keypoints'] = np.where(conf[..., None] > 0, kpts, 0.0).astype(np.float32)
            results['keypoints_visible'] = conf.astype(np.float32)
            labels = results['keypoints']
        results['lifter_inputs'] = lifter_input_array(kpts_crop, conf, K_crop)[0]
        results['keypoints_input'] = kpts.astype(np.float32)
        results['keypoints_input_confidence'] = conf.astype(np.float32)
        results['cam_K_orig'] = cam_K[0].astype(np.float32)
        results['cam_K'] = K_crop[0].astype(np.float32)
        results['warp_mat'] = hom[0, :2].astype(np.float32)
        results['transformed_keypoints'] = (labels @ hom[0, :2, :2].T + hom[0, :2, 2]).astype(np.float32)
        results['input_size'] = self.input_size
        scale = hom[0, 0, 0]
        results['input_scale'] = np.array(self.input_size, np.float32) / scale
        results['input_center'] = ((0.5 * np.array(self.input_size) - hom[0, :2, 2]) / scale).astype(np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(input_size={self.input_size}, padding={self.padding}, '
                f'noise_px={self.noise_px}, source={self.source!r}, seed={self.seed})')
