"""Charts with matplotlib's object-oriented API (no pyplot, never ``show()``)."""

from __future__ import annotations

import contextlib
import io
from datetime import datetime
from typing import Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure

METHOD_STYLE: dict[str, dict[str, object]] = {
    "markers": {"marker": "^", "color": "tab:green", "label": "stickers on palpated points"},
    "silhouette": {"marker": "o", "color": "tab:blue", "label": "body outline (silhouette)"},
    "landmarks": {"marker": "s", "color": "tab:orange", "markerfacecolor": "white", "label": "joint landmarks"},
    "mixed": {"marker": "D", "color": "tab:purple", "label": "outline and landmarks mixed"},
}
"""How a point is drawn for each measuring method (:meth:`posture.result.PostureMeasurement.method_of`)."""


def plot_trend(
    dates: Sequence[datetime],
    values: Sequence[float | None],
    uncertainties: Sequence[float | None],
    *,
    label: str,
    unit: str,
    mdc: float | None = None,
    methods: Sequence[str | None] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """One metric over time: points with uncertainty bars and, when ``mdc`` is
    given, a band of +/- ``mdc`` around the first value (changes inside the
    band are within measurement noise).

    With ``methods`` (one per point, keys of :data:`METHOD_STYLE`), each
    method's points get their own marker and legend entry. Missing values
    (None) are left out. Draws on ``ax`` when given, else on a new
    :class:`~matplotlib.figure.Figure`; returns the figure.
    """
    if ax is None:
        fig = Figure(figsize=(7.0, 3.2), layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.get_figure()  # type: ignore[assignment]
    how = list(methods) if methods is not None else [None] * len(values)
    pts = [(d, v, u, m) for d, v, u, m in zip(dates, values, uncertainties, how, strict=True) if v is not None]
    if pts:
        xs = [p[0] for p in pts]
        ys = [p[1] for p in pts]
        es = [p[2] or 0.0 for p in pts]
        if mdc is not None:
            lo, hi = ys[0] - mdc, ys[0] + mdc
            ax.axhspan(lo, hi, color="0.85", zorder=0, label=f"within noise of first (±{mdc:.1f} {unit})")
        if methods is None:
            ax.errorbar(xs, ys, yerr=es, fmt="o-", color="tab:blue", ecolor="tab:gray", capsize=4, label=label)  # type: ignore[arg-type]
        else:
            ax.errorbar(xs, ys, yerr=es, fmt="-", color="0.55", ecolor="tab:gray", capsize=4)  # type: ignore[arg-type]
            for method in dict.fromkeys(p[3] for p in pts):
                style = METHOD_STYLE.get(method or "", {"marker": "o", "color": "tab:blue", "label": "method unknown"})
                mine = [p for p in pts if p[3] == method]
                ax.plot([p[0] for p in mine], [p[1] for p in mine], linestyle="none", markersize=7, zorder=3, **style)  # type: ignore[arg-type]
        ax.legend(loc="best", fontsize="small")
    else:
        ax.text(0.5, 0.5, "no measured values", ha="center", va="center", transform=ax.transAxes)
    ax.axhline(0.0, color="0.4", linewidth=0.8)
    ax.set_ylabel(f"{label} ({unit})")
    ax.set_title(label)
    ax.grid(True, alpha=0.3)
    fig.autofmt_xdate()
    return fig


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
