"""Charts with matplotlib's object-oriented API (no pyplot, never ``show()``)."""

from __future__ import annotations

import contextlib
import io
from datetime import datetime
from typing import Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure


def plot_trend(
    dates: Sequence[datetime],
    values: Sequence[float | None],
    uncertainties: Sequence[float | None],
    *,
    label: str,
    unit: str,
    mdc: float | None = None,
    ax: Axes | None = None,
) -> Figure:
    """One metric over time: points with uncertainty bars and, when ``mdc`` is
    given, a band of +/- ``mdc`` around the first value (changes inside the
    band are within measurement noise).

    Missing values (None) are left out. Draws on ``ax`` when given, else on
    a new :class:`~matplotlib.figure.Figure`; returns the figure.
    """
    if ax is None:
        fig = Figure(figsize=(7.0, 3.2), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.get_figure()  # type: ignore[assignment]
    pts = [(d, v, u) for d, v, u in zip(dates, values, uncertainties) if v is not None]
    if pts:
        xs = [p[0] for p in pts]
        ys = [p[1] for p in pts]
        es = [p[2] or 0.0 for p in pts]
        if mdc is not None:
            lo, hi = ys[0] - mdc, ys[0] + mdc
            ax.axhspan(lo, hi, color="0.85", zorder=0, label=f"within noise of first (±{mdc:.1f} {unit})")
        ax.errorbar(xs, ys, yerr=es, fmt="o-", color="tab:blue", ecolor="tab:gray", capsize=4, label=label)
        ax.legend(loc="best", fontsize="small")
    else:
        ax.text(0.5, 0.5, "no measured values", ha="center", va="center", transform=ax.transAxes)
    ax.axhline(0.0, color="0.4", linewidth=0.8)
    ax.set_ylabel(f"{label} ({unit})")
    ax.set_title(label)
    ax.grid(True, alpha=0.3)
    fig.autofmt_xdate()
    return fig  # type: ignore[return-value]


def plain_text() -> contextlib.AbstractContextManager[None]:
    """A context in which matplotlib draws text as written: a name or a file name with
    ``$`` in it is not read as mathematics (``$\\sqrt{x$`` would fail to draw)."""
    import matplotlib

    return matplotlib.rc_context({"text.parse_math": False})


def figure_png(fig: Figure, dpi: int = 110) -> bytes:
    """Encode a figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
