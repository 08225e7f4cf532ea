# Copyright (c) bmc_mmpose authors. All rights reserved.
"""A 2D hand-keypoint detector simulator: noisy, partly wrong, partly missing keypoints with honest-ish confidences.

Used on synthetic data to study learning from *detected* 2D (S2HAND's setting) without a real detector: ground-truth
2D goes in, "detections" come out with

- Gaussian noise on every joint (std ``noise_std``, in pixels or in hand sizes),
- outliers: with probability ``outlier_prob`` a joint is moved by a large random offset (uniform direction,
  distance uniform in ``outlier_range`` hand sizes) -- the confusions real detectors make between fingers,
- dropped joints: with probability ``drop_prob`` a joint is not detected at all (confidence 0, keypoint NaN),
- confidences that decrease with the actual error, ``conf = exp(-0.5 (err / conf_scale)^2)``, perturbed by a
  multiplicative log-normal factor (``conf_noise``) and clipped to ``[0, 1]``. A fraction ``confident_outlier_prob``
  of the outliers keeps a high confidence, as real detectors are sometimes confidently wrong.

Everything is vectorised over (N, 21) and deterministic under ``seed`` (``numpy.random.default_rng``).
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

from bmc_mmpose.geometry.skeleton import NUM_JOINTS

from .detections import write_detections

_NOISE_UNITS = ('px', 'hand')


@dataclass(frozen=True)
class SimulatedDetections:
    """Output of :func:`simulate_detections` (N hands).

    Attributes:
        keypoints (np.ndarray): (N, 21, 2) float32 detected pixels, NaN where dropped.
        confidence (np.ndarray): (N, 21) float32 in [0, 1], 0 where dropped.
        error (np.ndarray): (N, 21) float32 pixel distance to the ground truth (NaN where dropped).
        outlier (np.ndarray): (N, 21) bool, joints displaced as outliers.
        dropped (np.ndarray): (N, 21) bool, joints not detected.
    """

    keypoints: np.ndarray
    confidence: np.ndarray
    error: np.ndarray
    outlier: np.ndarray
    dropped: np.ndarray


def hand_sizes(keypoints_2d: np.ndarray) -> np.ndarray:
    """Per-hand 2D size: the diagonal of the tight box of the joints, ``(N, 21, 2) -> (N,)`` pixels."""
    kpts = np.asarray(keypoints_2d, np.float64)
    return np.linalg.norm(kpts.max(axis=1) - kpts.min(axis=1), axis=-1)


def simulate_detections(keypoints_2d: np.ndarray,
                        seed: int = 0,
                        noise_std: float = 0.02,
                        noise_unit: str = 'hand',
                        outlier_prob: float = 0.05,
                        outlier_range: Sequence[float] = (0.15, 0.5),
                        drop_prob: float = 0.05,
                        conf_scale: Optional[float] = None,
                        conf_noise: float = 0.2,
                        confident_outlier_prob: float = 0.2,
                        image_size: Optional[Sequence[int]] = None) -> SimulatedDetections:
    """Simulate a 2D detector on ground-truth keypoints.

    Args:
        keypoints_2d (np.ndarray): (N, 21, 2) ground-truth pixels.
        seed (int): random seed; the same seed and inputs give identical outputs.
        noise_std (float): std of the Gaussian noise per coordinate, in ``noise_unit``.
        noise_unit (str): ``'hand'`` (multiples of the hand's 2D size, :func:`hand_sizes`; default, so the noise
            scales with the hand in the image) or ``'px'``.
        outlier_prob (float): probability that a (detected) joint is an outlier.
        outlier_range (Sequence[float]): outlier displacement ``(min, max)`` in hand sizes.
        drop_prob (float): probability that a joint is not detected.
        conf_scale (float, optional): error (in ``noise_unit``) at which the confidence falls to
            ``exp(-0.5) = 0.61``; default ``2 * noise_std``, so typical inliers get ~0.6-1 and outliers ~0.
        conf_noise (float): std of the log of the multiplicative confidence perturbation (0 = confidence is a
            deterministic function of the error).
        confident_outlier_prob (float): fraction of outliers whose confidence is drawn as for a perfect joint.
        image_size (Sequence[int], optional): ``(W, H)``: detections are clipped to the image.

    Returns:
        SimulatedDetections: keypoints, confidence, error, outlier and dropped masks.
    """
    gt = np.asarray(keypoints_2d, np.float64)
    if gt.ndim != 3 or gt.shape[1:] != (NUM_JOINTS, 2):
        raise ValueError(f'simulate_detections: keypoints_2d must be (N, {NUM_JOINTS}, 2), got {gt.shape}')
    if not np.all(np.isfinite(gt)):
        raise ValueError('simulate_detections: keypoints_2d must be finite')
    if noise_unit not in _NOISE_UNITS:
        raise ValueError(f'simulate_detections: noise_unit must be one of {_NOISE_UNITS}, got {noise_unit!r}')
    for name, p in (('outlier_prob', outlier_prob), ('drop_prob', drop_prob),
                    ('confident_outlier_prob', confident_outlier_prob)):
        if not 0 <= p <= 1:
            raise ValueError(f'simulate_detections: {name} must be in [0, 1], got {p!r}')
    if noise_std < 0 or conf_noise < 0:
        raise ValueError(f'simulate_detections: noise_std and conf_noise must be >= 0, got {noise_std}, {conf_noise}')
    lo, hi = (float(v) for v in outlier_range)
    if not 0 <= lo <= hi:
        raise ValueError(f'simulate_detections: outlier_range must be (min, max) with 0 <= min <= max, got '
                         f'{outlier_range!r}')
    rng = np.random.default_rng(seed)
    num = gt.shape[0]
    size = hand_sizes(gt)[:, None]  # (N, 1) px
    unit = size if noise_unit == 'hand' else np.ones_like(size)
    # Draw every random number up front in a fixed order, so the stream does not depend on the parameters.
    gauss = rng.standard_normal((num, NUM_JOINTS, 2))
    is_outlier = rng.random((num, NUM_JOINTS)) < outlier_prob
    angle = rng.uniform(0, 2 * np.pi, (num, NUM_JOINTS))
    distance = rng.uniform(lo, hi, (num, NUM_JOINTS))
    dropped = rng.random((num, NUM_JOINTS)) < drop_prob
    conf_factor = np.exp(conf_noise * rng.standard_normal((num, NUM_JOINTS)))
    confident = rng.random((num, NUM_JOINTS)) < confident_outlier_prob

    detected = gt + noise_std * unit[..., None] * gauss
    offset = (distance * size)[..., None] * np.stack([np.cos(angle), np.sin(angle)], axis=-1)
    detected = np.where(is_outlier[..., None], detected + offset, detected)
    if image_size is not None:
        width, height = image_size
        detected = np.clip(detected, 0.0, np.array([width - 1.0, height - 1.0]))
    error = np.linalg.norm(detected - gt, axis=-1)  # (N, 21) px

    scale = (2.0 * noise_std if conf_scale is None else float(conf_scale)) * unit  # (N, 1) px
    scale = np.maximum(scale, 1e-9)
    effective_error = np.where(is_outlier & confident, 0.0, error)
    confidence = np.clip(np.exp(-0.5 * (effective_error / scale) ** 2) * conf_factor, 0.0, 1.0)

    confidence = np.where(dropped, 0.0, confidence)
    detected = np.where(dropped[..., None], np.nan, detected)
    error = np.where(dropped, np.nan, error)
    return SimulatedDetections(detected.astype(np.float32), confidence.astype(np.float32), error.astype(np.float32),
                               is_outlier & ~dropped, dropped)


def write_simulated_detections(path: Union[str, Path],
                               keys: Sequence[str],
                               detections: SimulatedDetections,
                               hands: Union[str, Sequence[str]] = 'right',
                               image_sizes: Optional[Sequence] = None) -> Path:
    """Write simulated detections in the plain format (:func:`bmc_mmpose.datasets.detections.write_detections`).

    Args:
        path (str | Path): output JSON.
        keys (Sequence[str]): N image keys (relative image paths or sample ids).
        detections (SimulatedDetections): from :func:`simulate_detections` (coordinates of the image as stored).
        hands (str | Sequence[str]): hand side(s) as seen in the images.
        image_sizes (Sequence, optional): N ``(W, H)``.

    Returns:
        Path: the file written.
    """
    return write_detections(path, keys, detections.keypoints, detections.confidence, hands, image_sizes)
