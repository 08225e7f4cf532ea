# Copyright (c) bmc_mmpose authors. All rights reserved.
import math

import numpy as np
import pytest

from bmc_mmpose.apis import OneEuroFilter


def test_first_sample_passes_and_constant_signal_stays():
    filt = OneEuroFilter(min_cutoff=1.0, beta=0.0)
    x = np.arange(63, dtype=np.float64).reshape(21, 3)
    for _ in range(5):
        np.testing.assert_allclose(filt(x, 1 / 30), x)


def test_at_rest_it_is_a_first_order_low_pass():
    """beta = 0: x_hat_n = a x_n + (1 - a) x_hat_{n-1}, a = 1 / (1 + 1 / (2 pi f_c dt)) (Casiez et al. 2012)."""
    filt = OneEuroFilter(min_cutoff=2.0, beta=0.0)
    dt = 0.05
    a = 1.0 / (1.0 + 1.0 / (2 * math.pi * 2.0 * dt))
    assert filt(np.zeros(2), dt).tolist() == [0.0, 0.0]
    out = [filt(np.ones(2), dt)[0] for _ in range(4)]
    np.testing.assert_allclose(out, [1 - (1 - a)**n for n in range(1, 5)])


def test_noise_is_reduced_and_speed_reduces_lag():
    rng = np.random.default_rng(0)
    dt = 1 / 30
    t = np.arange(90) * dt
    noisy = rng.normal(0, 2.0, (90, 21, 3))
    filt = OneEuroFilter(min_cutoff=1.0, beta=0.0)
    smoothed = np.stack([filt(x, dt) for x in noisy])
    assert smoothed[30:].std() < 0.5 * noisy[30:].std()
    ramp = (200.0 * t)[:, None]  # 200 mm/s
    lags = []
    for beta in (0.0, 0.05):
        filt = OneEuroFilter(min_cutoff=1.0, beta=beta)
        lags.append(ramp[-1, 0] - [filt(x, dt) for x in ramp][-1][0])
    assert lags[1] < 0.5 * lags[0] and lags[1] > 0


def test_bad_arguments():
    with pytest.raises(ValueError, match='min_cutoff'):
        OneEuroFilter(min_cutoff=0.0)
    filt = OneEuroFilter()
    filt(np.zeros(3), 0.1)
    with pytest.raises(ValueError, match='dt'):
        filt(np.zeros(3), 0.0)
    with pytest.raises(ValueError, match='shape'):
        filt(np.zeros(4), 0.1)
    with pytest.raises(ValueError, match='non-finite'):
        filt(np.array([0.0, np.nan, 0.0]), 0.1)
