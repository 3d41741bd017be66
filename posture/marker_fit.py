"""A sticker's centre fitted to one channel of its pixels: an ellipse with a blurred edge.

The model: an ellipse (centre ``cx, cy``, pixels, and a symmetric shape matrix
``[[a, b], [b, c]]``, pixels^-2, the edge where ``a dx^2 + 2 b dx dy + c dy^2 = 1``)
whose edge is blurred by a Gaussian of ``sigma`` pixels (an erf profile across
it), with a plane of the channel's value inside and another outside (shading,
a background gradient). The planes enter linearly and are solved for at each
step; the ellipse and ``log sigma`` by Levenberg-Marquardt, in two rounds, the
second with Huber weights from the first's residuals so that texture beside
the sticker counts little. A centroid adds up every pixel's error in its
window, each with its lever arm; the fit is located by the edge. Conventions
are :mod:`posture.geometry`'s (pixels, y down).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

HUBER_K = 1.345
"""Huber's constant, in robust standard deviations of the residuals."""

ROUNDS = 2
"""Fits, the second with the Huber weights of the first's residuals."""

ITERATIONS = 8
"""Levenberg-Marquardt steps per round, at most."""

SIGMA_RANGE = (0.2, 6.0)
"""The edge's blur is kept within this range (pixels)."""

MIN_PIXELS = 24
"""Fewer pixels than this (four per free parameter) cannot locate an edge."""


def _erfc(x: FloatArray) -> FloatArray:
    """The complementary error function (Abramowitz and Stegun 7.1.26, error below 1.5e-7)."""
    z = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    e = poly * np.exp(-z * z)
    return np.where(x >= 0, e, 2.0 - e)


def fit_edge(
    v: FloatArray, xs: FloatArray, ys: FloatArray, start: tuple[float, float], radius: float
) -> tuple[float, float] | None:
    """The centre ``(x, y)`` (pixels) of the blurred-edge ellipse fitted to the values ``v`` at
    ``xs, ys`` (1-D, pixels: a window around the sticker reaching past its edge), started at
    ``start`` with a circle of ``radius`` pixels and a 1 px blur. None when the window cannot
    locate it: too few pixels, values not finite, an edge no higher than the residuals' robust
    scatter (a window of one value), or a centre that ends more than half the radius from the
    start (the caller keeps its own estimate)."""
    if len(v) < MIN_PIXELS or radius <= 0 or not np.all(np.isfinite(v)):
        return None
    try:
        theta, step, sd = _fit(v, xs, ys, np.asarray(start, dtype=np.float64), radius)
    except np.linalg.LinAlgError:  # nothing moves the model: no edge to locate
        return None
    if not np.all(np.isfinite(theta)) or not abs(step) > sd:
        return None
    if math.hypot(theta[0] - start[0], theta[1] - start[1]) > radius / 2.0:
        return None
    return float(theta[0]), float(theta[1])


def _fit(
    v: FloatArray, xs: FloatArray, ys: FloatArray, s0: FloatArray, radius: float
) -> tuple[FloatArray, float, float]:
    """The fitted parameters ``cx, cy, a, c, b, log sigma`` (module docstring) from a circle at ``s0``,
    the edge's step (the inside plane minus the outside one at ``s0``, in ``v``'s units) and the
    robust standard deviation of the last round's residuals (at least 0.5)."""
    u, w = (xs - s0[0]) / radius, (ys - s0[1]) / radius  # plane coordinates, scaled for conditioning
    lo, hi = (math.log(s) for s in SIGMA_RANGE)

    def residual(theta: FloatArray, weight: FloatArray) -> tuple[FloatArray, float]:
        dx, dy = xs - theta[0], ys - theta[1]
        q = theta[2] * dx * dx + 2.0 * theta[4] * dx * dy + theta[3] * dy * dy
        d = np.hypot(dx, dy) * (1.0 - 1.0 / np.sqrt(np.maximum(q, 1e-12)))  # from the edge (exact on a circle)
        a = 0.5 * _erfc(d / (math.sqrt(2.0) * math.exp(min(max(theta[5], lo), hi))))
        b = np.stack([1.0 - a, (1.0 - a) * u, (1.0 - a) * w, a, a * u, a * w], axis=1) * weight[:, None]
        coef, *_ = np.linalg.lstsq(b, v * weight, rcond=None)
        return np.asarray(v * weight - b @ coef, dtype=np.float64), float(coef[3] - coef[0])

    r2 = 1.0 / radius**2
    theta = np.array([s0[0], s0[1], r2, r2, 0.0, 0.0])  # cx, cy, a, c, b, log sigma
    steps = np.array([0.01, 0.01, 1e-3 * r2, 1e-3 * r2, 1e-3 * r2, 0.01])  # finite differences
    ridge = 1e-9 * np.eye(6)
    weight = np.ones_like(v)
    for _ in range(ROUNDS):
        lam = 1e-3
        res, step = residual(theta, weight)
        cost = float(res @ res)
        for _ in range(ITERATIONS):
            jac = np.stack(
                [(residual(theta + np.eye(6)[k] * steps[k], weight)[0] - res) / steps[k] for k in range(6)], 1
            )
            jtj, grad = jac.T @ jac, jac.T @ res
            while lam < 1e6:
                delta = np.linalg.solve(jtj + lam * np.diag(np.diag(jtj)) + ridge * np.trace(jtj), -grad)
                trial, trial_step = residual(theta + delta, weight)
                if float(trial @ trial) < cost:
                    theta, res, step, cost, lam = theta + delta, trial, trial_step, float(trial @ trial), lam / 10.0
                    break
                lam *= 10.0
            else:
                break
            if max(abs(delta[0]), abs(delta[1])) < 1e-3:
                break
        e = res / weight
        sd = max(1.4826 * float(np.median(np.abs(e))), 0.5)
        weight = np.sqrt(np.minimum(1.0, HUBER_K / np.maximum(np.abs(e) / sd, 1e-12)))
    return theta, step, sd
