# Copyright (c) bmc_mmpose authors. All rights reserved.
"""Photometric augmentation of the hand crop (numpy / OpenCV)."""
from typing import Dict, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmpose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class HandColorJitter(BaseTransform):
    """Random brightness, contrast, saturation and hue, in a random order (torchvision ``ColorJitter`` semantics).

    Factors are drawn uniformly: brightness / contrast / saturation in ``[max(0, 1 - x), 1 + x]``, hue shift in
    ``[-hue, hue]`` of a full turn (``hue <= 0.5``). Brightness scales the image, contrast blends with the mean
    grey level, saturation blends with the grey image, hue rotates the HSV hue channel. Geometry is untouched.

    Required / modified key: ``img`` (H, W, 3) uint8 in BGR (MMPose ``LoadImage`` order) or float in [0, 255].

    Args:
        brightness (float): max relative brightness change.
        contrast (float): max relative contrast change.
        saturation (float): max relative saturation change.
        hue (float): max hue shift as a fraction of a full turn, in [0, 0.5].
        prob (float): probability to apply the jitter at all.
    """

    def __init__(self, brightness: float = 0.4, contrast: float = 0.4, saturation: float = 0.4, hue: float = 0.05,
                 prob: float = 1.):
        for name, value in (('brightness', brightness), ('contrast', contrast), ('saturation', saturation)):
            if value < 0:
                raise ValueError(f'HandColorJitter: {name} must be >= 0, got {value}')
        if not 0 <= hue <= 0.5:
            raise ValueError(f'HandColorJitter: hue must be in [0, 0.5], got {hue}')
        self.brightness, self.contrast, self.saturation, self.hue = brightness, contrast, saturation, hue
        self.prob = prob

    @cache_randomness
    def _sample(self) -> Tuple[bool, np.ndarray, Tuple[float, float, float, float]]:
        apply = np.random.rand() < self.prob

        def factor(x):
            return float(np.random.uniform(max(0., 1. - x), 1. + x)) if x > 0 else 1.

        factors = (factor(self.brightness), factor(self.contrast), factor(self.saturation),
                   float(np.random.uniform(-self.hue, self.hue)) if self.hue > 0 else 0.)
        return apply, np.random.permutation(4), factors

    def transform(self, results: Dict) -> Dict:
        apply, order, (bright, contrast, sat, hue) = self._sample()
        if not apply:
            return results
        img = results['img']
        in_dtype = img.dtype
        out = img.astype(np.float32)
        for op in order:
            if op == 0 and bright != 1.:
                out = out * bright
            elif op == 1 and contrast != 1.:
                mean = cv2.cvtColor(np.clip(out, 0, 255).astype(np.float32), cv2.COLOR_BGR2GRAY).mean()
                out = (out - mean) * contrast + mean
            elif op == 2 and sat != 1.:
                grey = cv2.cvtColor(np.clip(out, 0, 255).astype(np.float32), cv2.COLOR_BGR2GRAY)[..., None]
                out = (out - grey) * sat + grey
            elif op == 3 and hue != 0.:
                # float HSV: H in [0, 360), S, V in [0, 1] when the input is scaled to [0, 1].
                hsv = cv2.cvtColor(np.clip(out, 0, 255).astype(np.float32) / 255., cv2.COLOR_BGR2HSV)
                hsv[..., 0] = np.mod(hsv[..., 0] + hue * 360., 360.)
                out = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR) * 255.
            out = np.clip(out, 0, 255)
        results['img'] = np.rint(out).astype(np.uint8) if in_dtype == np.uint8 else out
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(brightness={self.brightness}, contrast={self.contrast}, '
                f'saturation={self.saturation}, hue={self.hue}, prob={self.prob})')
