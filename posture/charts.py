"""Charts with matplotlib's object-oriented API (no pyplot, never ``show()``)."""

from __future__ import annotations

import contextlib
import io
import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from posture.history import StoredMeasurement

METHOD_STYLE: dict[str, dict[str, object]] = {
    "markers": {"marker": "^", "color": "tab:green", "label": "stickers on palpated points"},
    "silhouette": {"marker": "o", "color": "tab:blue", "label": "body outline (silhouette)"},
    "landmarks": {"marker": "s", "color": "tab:orange", "markerfacecolor": "white", "label": "joint landmarks"},
    "mixed": {"marker": "D", "color": "tab:purple", "label": "outline and landmarks mixed"},
    "manual": {"marker": "P", "color": "tab:red", "label": "points placed by hand"},
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
    times = [d for d in dates if isinstance(d, datetime)]
    if times and max(times) - min(times) < timedelta(days=1):
        _same_day_axis(ax)
    fig.autofmt_xdate()
    return fig


def _same_day_axis(ax: Axes) -> None:
    """Times of one day on the x axis as ``05:08`` (or seconds), the day once at the axis's end:
    matplotlib's default labels photos saved in one sitting ``07:25.000000``."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))


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


def plot_history(
    entries: Sequence[StoredMeasurement],
    metrics: Sequence[str] | None = None,
    *,
    mdc: Mapping[str, float] | None = None,
    mdc_single_pass: Mapping[str, float] | None = None,
) -> Figure:
    """Each metric over time, one panel per metric, with uncertainty bars and,
    where ``mdc`` gives the metric's minimal detectable change, a band of
    +/- MDC around the first value (drawn by :func:`posture.charts.plot_trend`);
    ``mdc_single_pass``'s when a measurement of the series was a single pass
    (:func:`posture.compare.mdc_table`).

    ``metrics`` defaults to every metric with at least one value. Each point's marker says
    how it was measured (:data:`posture.charts.METHOD_STYLE`, in the legend). A shoulder or
    pelvic tilt measured by different methods over the series is plotted on its landmark-only
    values (:func:`posture.compare.comparable_values`), every point marked as landmarks, and
    its title says so. The value axis says what each sign means.

    Raises
    ------
    ValueError
        An unknown metric name, or no metric to plot.
    """
    from posture.compare import comparable_values, mdc_table
    from posture.measure import METRIC_NAMES, metric_unit
    from posture.wording import LABELS, axis_label

    if metrics is None:
        metrics = [
            n
            for n in METRIC_NAMES
            if any(n in e.measurement.metrics and e.measurement.metrics[n].measured for e in entries)
        ]
    unknown = [n for n in metrics if n not in METRIC_NAMES]
    if unknown:
        raise ValueError(f"unknown metric {unknown[0]!r}; choose from {', '.join(METRIC_NAMES)}")
    if not metrics:
        raise ValueError("no measured values to plot")
    fig = Figure(figsize=(9.0, 2.4 * len(metrics) + 0.8), layout="constrained")
    axes = fig.subplots(len(metrics), 1, sharex=True, squeeze=False)[:, 0]
    dates = [e.taken_datetime for e in entries]
    ms = [e.measurement for e in entries]
    band = mdc_table(ms, mdc, mdc_single_pass)
    for ax, n in zip(axes, metrics, strict=True):
        raw, uncs, method_note = comparable_values(ms, n)
        values = [None if v is None or not math.isfinite(v) else v for v in raw]
        label = LABELS.get(n, n)
        plot_trend(
            dates,
            values,
            list(uncs),
            label=label,
            unit=metric_unit(n),
            mdc=band.get(n),
            methods=["landmarks" if method_note and m.method_of(n) != "manual" else m.method_of(n) for m in ms],
            ax=ax,
        )
        note = "\ncompared on the joint landmarks: measured by different methods over time" if method_note else ""
        ax.set_title(label + note, fontsize="medium")
        ax.set_ylabel(axis_label(n, metric_unit(n)), fontsize="small")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", borderaxespad=0.0)
    fig.supxlabel("date taken; left and right are the person's own sides", fontsize="small")
    return fig


CHART_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
"""Chart suffixes and their matplotlib formats."""


def chart_bytes(fig: Figure, path: str | Path, dpi: int = 110) -> bytes:
    """Encode a chart in the format named by ``path``'s suffix (.png, .svg, .pdf).

    Raises :class:`~posture.errors.OutputError` for another suffix.
    """
    from posture.output import output_format

    fmt = output_format(path, CHART_FORMATS, "chart")
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=dpi)
    return buf.getvalue()
