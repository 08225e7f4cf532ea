# Copyright (c) bmc_mmpose authors. All rights reserved.
"""One-Euro filter (Casiez, Roussel, Vogel, CHI 2012) for joint trajectories, vectorised over all coordinates."""
import math
from typing import Optional

import numpy as np


def _alpha(cutoff_hz: np.ndarray, dt: float) -> np.ndarray:
    """Smoothing factor of a first-order low-pass with cut-off ``cutoff_hz`` sampled every ``dt`` seconds."""
    tau = 1.0 / (2.0 * math.pi * cutoff_hz)
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """Adaptive low-pass filter for noisy real-time signals: little lag when the signal moves fast, strong smoothing
    when it is still.

    Per coordinate: ``dx = lowpass(d_cutoff)((x - x_prev) / dt)``, cut-off ``f_c = min_cutoff + beta |dx|``,
    ``x_hat = lowpass(f_c)(x)`` with ``alpha = 1 / (1 + 1 / (2 pi f_c dt))`` (Casiez et al. 2012). All
    coordinates of the array (e.g. 21 x 3 joints) are filtered independently in one vectorised step.

    Args:
        min_cutoff (float): cut-off frequency at rest, Hz. Lower = smoother and more lag when slow.
        beta (float): speed coefficient, 1 / (unit of the signal). Higher = less lag when fast. For joints in mm
            a value around 0.005-0.05 suits hand motion.
        d_cutoff (float): cut-off of the derivative's low-pass, Hz.
    """

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.01, d_cutoff: float = 1.0):
        if not (min_cutoff > 0 and d_cutoff > 0 and beta >= 0):
            raise ValueError(f'OneEuroFilter: need min_cutoff > 0, d_cutoff > 0, beta >= 0; got {min_cutoff}, '
                             f'{d_cutoff}, {beta}')
        self.min_cutoff = float(min_cutoff)
        self.beta = float(beta)
        self.d_cutoff = float(d_cutoff)
        self.reset()

    def reset(self) -> None:
        """Forget the history (e.g. when the tracked hand is lost)."""
        self._x: Optional[np.ndarray] = None
        self._dx: Optional[np.ndarray] = None

    def __call__(self, x: np.ndarray, dt: float) -> np.ndarray:
        """Filter one new sample.

        Args:
            x (np.ndarray): the sample, any shape (the same every call), e.g. (21, 3) mm.
            dt (float): seconds since the previous sample (> 0), e.g. 1 / fps.

        Returns:
            np.ndarray: the filtered sample (float64, same shape); the first call returns ``x``.
        """
        x = np.asarray(x, dtype=np.float64)
        if not dt > 0:
            raise ValueError(f'OneEuroFilter: dt must be > 0 s, got {dt}')
        if not np.isfinite(x).all():
            raise ValueError('OneEuroFilter: the sample has non-finite values')
        if self._x is None:
            self._x, self._dx = x.copy(), np.zeros_like(x)
            return x.copy()
        if x.shape != self._x.shape:
            raise ValueError(f'OneEuroFilter: sample shape {x.shape} differs from the first one {self._x.shape}')
        a_d = _alpha(np.float64(self.d_cutoff), dt)
        self._dx = a_d * (x - self._x) / dt + (1.0 - a_d) * self._dx
        a = _alpha(self.min_cutoff + self.beta * np.abs(self._dx), dt)
        self._x = a * x + (1.0 - a) * self._x
        return self._x.copy()
