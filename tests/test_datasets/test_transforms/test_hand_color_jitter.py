# Copyright (c) bmc_mmpose authors. All rights reserved.
import numpy as np
import pytest

from bmc_mmpose.datasets import HandColorJitter
from bmc_mmpose.testing.dataset_fixtures import random_image


def test_identity_when_disabled():
    img = random_image(np.random.RandomState(0), (64, 48))
    out = HandColorJitter(brightness=0, contrast=0, saturation=0, hue=0)(dict(img=img.copy()))
    np.testing.assert_array_equal(out['img'], img)


def test_changes_colours_only():
    img = random_image(np.random.RandomState(1), (64, 48))
    keypoints = np.random.rand(1, 21, 2).astype(np.float32)
    np.random.seed(0)
    out = HandColorJitter(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1)(
        dict(img=img.copy(), keypoints=keypoints.copy()))
    assert out['img'].shape == img.shape and out['img'].dtype == np.uint8
    assert np.abs(out['img'].astype(int) - img).mean() > 1
    np.testing.assert_array_equal(out['keypoints'], keypoints)


def test_each_component():
    img = random_image(np.random.RandomState(2), (32, 32))
    np.random.seed(3)
    bright = HandColorJitter(brightness=0.5, contrast=0, saturation=0, hue=0)(dict(img=img.copy()))['img']
    ratio = bright.astype(float).sum() / img.astype(float).sum()
    assert 0.5 <= ratio <= 1.5 and abs(ratio - 1) > 1e-3
    grey = np.repeat(img[..., :1], 3, axis=2)
    # Saturation and hue leave a grey image grey.
    for kwargs in (dict(saturation=0.9), dict(hue=0.3)):
        cfg = dict(brightness=0, contrast=0, saturation=0, hue=0)
        cfg.update(kwargs)
        out = HandColorJitter(**cfg)(dict(img=grey.copy()))['img']
        assert np.abs(out.astype(int) - grey).max() <= 1
    hue = HandColorJitter(brightness=0, contrast=0, saturation=0, hue=0.3)(dict(img=img.copy()))['img']
    assert np.abs(hue.astype(int) - img).mean() > 1


def test_errors():
    with pytest.raises(ValueError, match='hue'):
        HandColorJitter(hue=0.7)
    with pytest.raises(ValueError, match='brightness'):
        HandColorJitter(brightness=-1)
