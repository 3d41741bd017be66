r"""The One Euro filter: steady numbers at rest, little lag in motion.

Casiez, Roussel and Vogel (CHI 2012). Each value is low-pass filtered with a
cut-off frequency that rises with its speed:

.. math::

    f_c = f_{c,\min} + \beta\,|\dot{\hat x}|, \qquad
    \alpha(f, \Delta t) = \frac{1}{1 + \dfrac{1}{2\pi f\,\Delta t}}, \qquad
    \hat x_t = \alpha(f_c)\,x_t + (1 - \alpha(f_c))\,\hat x_{t-1}

where :math:`\dot{\hat x}` is the speed, itself low-pass filtered at
``d_cutoff``. At rest the cut-off is ``min_cutoff`` (strong smoothing of
jitter); a fast movement raises it, so the estimate keeps up with the body
instead of trailing behind it.

The filter is vectorised: it smooths an array of any shape (33 landmarks by
2 coordinates, 8 metrics, ...) element by element with one timestamp. NaN in
gives NaN out and forgets that element's history, so a value that comes back
after a gap starts afresh instead of being pulled towards a stale estimate.
No I/O; the only state is the previous estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class OneEuroParams:
    """Tuning of a :class:`OneEuroFilter`.

    Attributes
    ----------
    min_cutoff : float
        Cut-off frequency at rest, hertz. Lower: steadier but slower.
    beta : float
        How much the cut-off rises with speed, hertz per (unit per second).
        Higher: less lag in fast movements.
    d_cutoff : float
        Cut-off frequency for the speed estimate, hertz.
    """

    min_cutoff: float = 1.0
    beta: float = 0.0
    d_cutoff: float = 1.0

    def __post_init__(self) -> None:
        if not (self.min_cutoff > 0 and self.d_cutoff > 0 and self.beta >= 0):
            raise ValueError(
                f"expected min_cutoff > 0, d_cutoff > 0 and beta >= 0, got {self.min_cutoff}, "
                f"{self.d_cutoff}, {self.beta}"
            )


def smoothing_factor(cutoff_hz: ArrayLike, dt_s: float) -> FloatArray:
    """The exponential smoothing factor alpha in (0, 1] of a first-order low-pass filter."""
    tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff_hz, dtype=np.float64))
    return 1.0 / (1.0 + tau / dt_s)


class OneEuroFilter:
    """One Euro filter over arrays of a fixed shape.

    Call it with a timestamp (seconds, increasing) and an array; it returns
    the filtered array (a new one, float64). Example::

        f = OneEuroFilter(OneEuroParams(min_cutoff=1.0, beta=0.05))
        smooth = [f(t, x) for t, x in samples]
    """

    def __init__(self, params: OneEuroParams = OneEuroParams()) -> None:
        self.params = params
        self._t: float | None = None
        self._x: FloatArray | None = None
        self._dx: FloatArray | None = None

    def reset(self) -> None:
        """Forget all history."""
        self._t = self._x = self._dx = None

    def __call__(self, t: float, x: ArrayLike) -> FloatArray:
        """Filter one sample ``x`` taken at time ``t`` (seconds).

        Raises
        ------
        ValueError
            ``t`` is earlier than the previous sample's time, or ``x`` has
            another shape than the previous samples.
        """
        xs = np.array(x, dtype=np.float64)
        if self._x is None or self._t is None or self._dx is None:
            return self._start(t, xs)
        if xs.shape != self._x.shape:
            raise ValueError(f"expected shape {self._x.shape}, got {xs.shape}")
        dt = t - self._t
        if dt < 0:
            raise ValueError(f"timestamps must not decrease: {t} after {self._t}")
        if dt == 0:
            return self._x.copy()
        p = self.params
        prev, prev_dx = self._x, self._dx
        fresh = ~np.isfinite(prev)  # elements with no history: take the sample as it is
        speed = np.where(fresh, 0.0, (xs - prev) / dt)
        a_d = smoothing_factor(p.d_cutoff, dt)
        dx = np.where(fresh, 0.0, a_d * speed + (1.0 - a_d) * prev_dx)
        a = smoothing_factor(p.min_cutoff + p.beta * np.abs(dx), dt)
        out = np.where(fresh, xs, a * xs + (1.0 - a) * prev)
        # NaN in: NaN out, and that element's history is gone (NaN propagates into state).
        self._t, self._x, self._dx = t, out, np.where(np.isfinite(xs), dx, np.nan)
        return out.copy()

    def _start(self, t: float, xs: FloatArray) -> FloatArray:
        self._t, self._x = t, xs
        self._dx = np.where(np.isfinite(xs), 0.0, np.nan)
        return xs.copy()
