"""A sticker's centre on a JPEG photo by fitting a model of the sticker to its pixels.

The model: an ellipse (centre ``cx, cy``, shape matrix ``A``, so the edge is
``[dx, dy] A [dx, dy]' = 1``) whose edge is blurred by a Gaussian of ``sigma``
pixels (an erf profile across it), a plane of colour inside and another outside
(shading, a background gradient), per channel of JPEG's YCbCr. Luma is compared
at full resolution; the two colour differences where JPEG stored them, at half
resolution (4:2:0): the model's colour is averaged over the JPEG's 2x2 blocks
(aligned to the photo's even pixels) and passed through the decoder's
upsampling as the decoded photo's 2x2 averages see it (libjpeg's triangle
upsampling, averaged back over 2x2: ``[1, 6, 1] / 8`` on the half-resolution
grid). The planes enter linearly and are solved for at each step; the
ellipse and ``sigma`` by Levenberg-Marquardt, each channel weighted by the
robust scatter of its own residuals, with Huber weights against texture.
Conventions are :mod:`posture.geometry`'s (pixels, y down).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

YCBCR = np.array(((0.299, 0.587, 0.114), (-0.168736, -0.331264, 0.5), (0.5, -0.418688, -0.081312)))
"""JPEG's (JFIF) RGB to Y, Cb, Cr."""

HUBER_K = 1.345
"""Huber's constant (in robust standard deviations of a channel's residuals)."""

ROUNDS = 3
"""Re-weightings (channel noise, Huber) of the fit."""

ITERATIONS = 12
"""Levenberg-Marquardt steps per round, at most."""


def _erfc(x: FloatArray) -> FloatArray:
    """The complementary error function (Abramowitz and Stegun 7.1.26, error below 1.5e-7)."""
    z = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    e = poly * np.exp(-z * z)
    return np.where(x >= 0, e, 2.0 - e)


def _halve(v: FloatArray) -> FloatArray:
    """``(2h, 2w, ...)`` averaged over 2x2 blocks to ``(h, w, ...)``."""
    h, w = v.shape[0] // 2, v.shape[1] // 2
    return v.reshape(h, 2, w, 2, *v.shape[2:]).mean(axis=(1, 3))


def _triangle(v: FloatArray) -> FloatArray:
    """``[1, 6, 1] / 8`` along both axes of a half-resolution grid, its border cells dropped."""
    v = (v[:-2] + 6.0 * v[1:-1] + v[2:]) / 8.0
    return (v[:, :-2] + 6.0 * v[:, 1:-1] + v[:, 2:]) / 8.0


def fit_centre(
    rgb: NDArray[np.uint8], start: tuple[float, float], radius: float, half_colour: bool = True
) -> tuple[tuple[float, float], float] | str:
    """The fitted centre (photo pixels) of the sticker near ``start`` of about ``radius`` pixels, and its
    one-sigma uncertainty per axis (pixels, from the fit's covariance scaled by its residuals); or why
    there is none. ``half_colour``: the JPEG stored its colour at half resolution (4:2:0)."""
    H, W = rgb.shape[:2]
    reach = radius + 6.0
    lo = (np.floor(np.asarray(start) - reach) // 2 * 2).astype(int)
    hi = lo + 2 * int(math.ceil(reach + 1.0))
    if lo.min() < 0 or hi[0] > W or hi[1] > H:
        return "too near the photo's edge"
    ycc = rgb[lo[1] : hi[1], lo[0] : hi[0]].astype(np.float64) @ YCBCR.T
    ys, xs = np.mgrid[lo[1] : hi[1], lo[0] : hi[0]].astype(np.float64)
    s0 = np.asarray(start, dtype=np.float64)
    u, v = (xs - s0[0]) / radius, (ys - s0[1]) / radius  # plane coordinates, scaled for conditioning
    full_in = np.hypot(xs - s0[0], ys - s0[1]) <= reach
    if half_colour:
        colour = _triangle(_halve(ycc[..., 1:]))
        cx_, cy_ = _halve(xs)[1:-1, 1:-1], _halve(ys)[1:-1, 1:-1]
        col_in = np.hypot(cx_ - s0[0], cy_ - s0[1]) <= reach - 1.0
    else:
        colour, col_in = ycc[..., 1:], full_in
    obs_y, obs_c = ycc[..., 0][full_in], colour[col_in]

    def basis(theta: FloatArray) -> tuple[FloatArray, FloatArray]:
        dx, dy = xs - theta[0], ys - theta[1]
        q = theta[2] * dx * dx + 2.0 * theta[4] * dx * dy + theta[3] * dy * dy
        rho = np.sqrt(np.maximum(q, 1e-12))
        d = np.hypot(dx, dy) * (1.0 - 1.0 / rho)  # signed distance from the edge, pixels (exact on a circle)
        a = 0.5 * _erfc(d / (math.sqrt(2.0) * math.exp(min(max(theta[5], -1.6), 1.8))))  # sigma 0.2-6 px
        b = np.stack([1.0 - a, (1.0 - a) * u, (1.0 - a) * v, a, a * u, a * v], axis=-1)
        bc = _triangle(_halve(b)) if half_colour else b
        return b[full_in], bc[col_in]

    def solve(theta: FloatArray, wy: FloatArray, wc: FloatArray) -> FloatArray:
        by, bc = basis(theta)
        out = []
        for bb, obs, w in ((by, obs_y, wy), (bc, obs_c[:, 0], wc[:, 0]), (bc, obs_c[:, 1], wc[:, 1])):
            coef, *_ = np.linalg.lstsq(bb * w[:, None], obs * w, rcond=None)
            out.append((obs - bb @ coef) * w)
        return np.concatenate(out)

    r2 = 1.0 / radius**2
    theta = np.array([s0[0], s0[1], r2, r2, 0.0, math.log(1.0)])
    steps = np.array([0.01, 0.01, 1e-3 * r2, 1e-3 * r2, 1e-3 * r2, 0.01])
    wy, wc = np.ones(len(obs_y)), np.ones(obs_c.shape)
    for _ in range(ROUNDS):
        lam = 1e-3
        res = solve(theta, wy, wc)
        cost = float(res @ res)
        for _ in range(ITERATIONS):
            jac = np.stack([(solve(theta + np.eye(6)[k] * steps[k], wy, wc) - res) / steps[k] for k in range(6)], 1)
            jtj, g = jac.T @ jac, jac.T @ res
            while lam < 1e6:
                delta = np.linalg.solve(jtj + lam * np.diag(np.diag(jtj)) + 1e-9 * np.trace(jtj) * np.eye(6), -g)
                trial = theta + delta
                r_new = solve(trial, wy, wc)
                if float(r_new @ r_new) < cost:
                    theta, res, cost, lam = trial, r_new, float(r_new @ r_new), lam / 10.0
                    break
                lam *= 10.0
            else:
                break
            if abs(delta[0]) < 1e-4 and abs(delta[1]) < 1e-4:
                break
        raw = np.split(res / np.concatenate([wy, wc[:, 0], wc[:, 1]]), [len(wy), len(wy) + len(wc)])
        new = []
        for e in raw:
            sd = max(1.4826 * float(np.median(np.abs(e))), 0.5)
            z = np.abs(e) / sd
            new.append(np.sqrt(np.minimum(1.0, HUBER_K / np.maximum(z, 1e-12))) / sd)
        wy, wc = new[0], np.stack([new[1], new[2]], axis=1)
    res = solve(theta, wy, wc)
    jac = np.stack([(solve(theta + np.eye(6)[k] * steps[k], wy, wc) - res) / steps[k] for k in range(6)], 1)
    dof = max(len(res) - 6 - 18, 1)
    try:
        cov = np.linalg.inv(jac.T @ jac) * float(res @ res) / dof
    except np.linalg.LinAlgError:
        return "the fit did not converge"
    if not np.all(np.isfinite(theta)) or math.hypot(theta[0] - s0[0], theta[1] - s0[1]) > radius / 2:
        return "the fit did not converge"
    return (float(theta[0]), float(theta[1])), float(math.sqrt(max(cov[0, 0], cov[1, 1])))
