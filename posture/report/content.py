"""What a comparison report says and shows, independent of HTML or PDF.

:func:`build_content` turns the photos and their :class:`Comparison` into
plain strings (never escaped here: each writer escapes for its format),
aligned photo panels and chart-drawing functions. ``html.py`` and
``pdf.py`` only lay this out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import PurePath
from typing import Callable, Sequence

import numpy as np
from matplotlib.figure import Figure, FigureBase
from numpy.typing import NDArray

from posture import __version__, wording
from posture.compare import Comparison, MetricComparison, PairComparison, comparable_values, landmarks_of
from posture.compare_text import change_text, photo_name, photos_phrase, side_words, uneven_leg
from posture.inputs import ComparedPhoto
from posture.measure import higher_side
from posture.render.styles import DEFAULT_REPORT_STYLE, DEFAULT_STYLE, ReportStyle
from posture.report import align
from posture.report.faces import blur_heads
from posture.result import PostureMeasurement
from posture.stance import STANCE_METRICS
from posture.verdict import level_band, side_of

DATE_SOURCE_TEXT = {
    "exif": "taken, from the photo's EXIF",
    "file": "file time",
    "given": "date given",
    "saved": "time of saving",
}


@dataclass(frozen=True)
class PhotoRow:
    """One photo in the list of photos: role (Before/After/Photo N) and descriptions."""

    role: str
    label: str
    date: str
    details: tuple[str, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Row:
    """One pair of photos of one metric in the results table: ``pair`` names the photos
    (``1 → 2``; empty for two photos), ``before``/``after`` are their values in words."""

    name: str
    label: str
    pair: str
    before: str
    after: str
    change: str
    threshold: str
    verdict: str
    verdict_text: str
    note: str


@dataclass(frozen=True)
class Panel:
    """One aligned, annotated photo: ``image`` is ``(H, W, 3)`` uint8 RGB."""

    title: str
    caption: str
    image: NDArray[np.uint8]
    aligned: bool


ChartDrawer = Callable[[FigureBase], None]


@dataclass(frozen=True)
class ReportContent:
    """Everything a report shows, as plain text, images and chart drawers.

    ``overlay`` draws the skeleton overlay on a (sub)figure; ``trend``
    draws the trend charts (None for two photos). ``trend_rows`` is the
    number of chart rows, for sizing.
    """

    title: str
    subtitle: str
    name: str | None
    note: str | None
    photos: tuple[PhotoRow, ...]
    warnings: tuple[str, ...]
    rows: tuple[Row, ...]
    table_note: str | None
    panels: tuple[Panel, ...]
    overlay: ChartDrawer
    overlay_caption: str
    trend: ChartDrawer | None
    trend_rows: int
    notes: tuple[str, ...]
    footer: str


def _role(i: int, n: int) -> str:
    return photo_name(i, n).capitalize()


def _date_text(d: datetime | None, source: str | None) -> str:
    if d is None:
        return "date unknown"
    shown = d.strftime("%Y-%m-%d") if (d.hour, d.minute, d.second) == (0, 0, 0) else d.strftime("%Y-%m-%d %H:%M")
    return f"{shown} ({DATE_SOURCE_TEXT.get(source or '', 'date')})"


def _cell(mc: MetricComparison, p: PairComparison, k: int, photos: Sequence[ComparedPhoto]) -> str:
    """Photo ``k`` (0: the pair's first, 1: its second) in words: the value compared, and the
    photo's own headline beside it when the pair is compared on the landmarks
    (:func:`posture.compare.comparable_values`)."""
    metric = photos[(p.first, p.second)[k]].measurement.metrics.get(mc.name)
    if metric is None:
        return "not measured"
    shown = metric
    value = p.values[k]
    if p.on_landmarks and value is not None:
        shown = replace(
            metric,
            value=value,
            uncertainty=p.uncertainties[k],
            higher_side=None if metric.higher_side is None else higher_side(value),
            height_diff_cm=None,
            method=None if metric.method is None else "manual" if metric.method == "manual" else "landmarks",
        )
    text = wording.reading(mc.name, shown)
    if (
        p.sides is not None
        and p.sides[k] == "level"
        and value is not None
        and side_of(value, None, None, level_band(mc.unit)) != "level"
        and not wording.within_noise(value, p.uncertainties[k])
    ):  # compared as level (the comparison's noise), though the photo's own words name a side
        text += f", within noise of {side_words(mc.name, 'level')}"
    if shown is not metric and metric.method in ("silhouette", "markers") and metric.value is not None:
        source = "the outline" if metric.method == "silhouette" else "the stickers"
        own = wording.reading(mc.name, replace(metric, method=None))  # with its side: the two may differ
        text += f"; from {source}: {own[:1].lower()}{own[1:]}"
    return text[:1].upper() + text[1:]


def _threshold_text(p: PairComparison, unit: str) -> str:
    if p.verdict == "not_comparable":
        return "—"
    if p.threshold is None:
        return "unknown"
    return wording.magnitude(p.threshold, p.threshold / 2, unit)


def _row_note(p: PairComparison) -> str:
    """The verdict's explanation, without what the table already says elsewhere."""
    if p.verdict == "not_comparable":
        return "" if None in p.values else p.note  # a value not measured says why in its cell
    if p.verdict == "uncertainty_unknown":
        return p.method_note or ""  # the rest is explained below the table
    return p.note


def _pair_label(mc: MetricComparison, p: PairComparison, n: int) -> str:
    if n == 2:
        return ""
    return f"{p.first + 1} → {p.second + 1}" + (" (first to last)" if p is mc.overall else "")


def _rows(c: Comparison, photos: Sequence[ComparedPhoto]) -> tuple[Row, ...]:
    n = len(photos)
    return tuple(
        Row(
            name=mc.name,
            label=mc.label,
            pair=_pair_label(mc, p, n),
            before=_cell(mc, p, 0, photos),
            after=_cell(mc, p, 1, photos),
            change=change_text(p, mc.unit),
            threshold=_threshold_text(p, mc.unit),
            verdict=p.verdict,
            verdict_text=p.verdict_text,
            note=_row_note(p),
        )
        for mc in c.metrics
        for p in mc.pairs
    )


def _photo_rows(c: Comparison, photos: Sequence[ComparedPhoto]) -> tuple[PhotoRow, ...]:
    n = len(photos)
    out = []
    for i, (info, p) in enumerate(zip(c.photos, photos, strict=True)):
        m = p.measurement
        details = []
        if m.status != "measured":
            details.append(f"not measured: {m.message}")
        details += wording.assumption_lines(m)
        if info.body_scale is not None:
            what = "torso" if c.anchor == "hips" else "shoulder width"
            details.append(f"{what} {100 * info.body_scale:.0f}% of the photo diagonal")
        out.append(
            PhotoRow(_role(i, n), p.label, _date_text(info.date, info.date_source), tuple(details), tuple(m.warnings))
        )
    return tuple(out)


def _short(label: str) -> str:
    """The file name of a path (the full label is in the photo list)."""
    return PurePath(label).name or label


def _panel_image(p: ComparedPhoto, pl: align.Placement, blur: bool, style: ReportStyle) -> NDArray[np.uint8]:
    """The photo moved into its panel, then annotated at the panel's scale (so labels match)."""
    from posture.render import draw_overlay

    if p.rgb is None:  # a stored measurement whose photo is gone: its lines on a blank panel
        panel = np.full((style.panel_height, style.panel_width, 3), style.background_rgb, np.uint8)
    else:
        rgb = p.rgb
        if blur:
            people = list(p.people)
            lm = landmarks_of(p.measurement)
            if lm is not None:
                people.append(lm)
            rgb = blur_heads(rgb, people)
        panel = align.warp(rgb, pl.matrix, style)
    overlay_style = replace(DEFAULT_STYLE, min_long_side=max(style.panel_width, style.panel_height))
    return draw_overlay(panel, p.measurement, overlay_style, transform=pl.matrix)[: style.panel_height]


def _panels(
    c: Comparison, photos: Sequence[ComparedPhoto], blur: bool, style: ReportStyle
) -> tuple[tuple[Panel, ...], list[align.Placement | None]]:
    n = len(photos)
    panels, placements = [], []
    for i, (info, p) in enumerate(zip(c.photos, photos, strict=True)):
        m = p.measurement
        lm = landmarks_of(m)
        if p.rgb is not None:
            h, w = p.rgb.shape[:2]
        elif lm is not None:
            w, h = lm.width, lm.height
        else:
            w, h = int(m.source.width or 1), int(m.source.height or 1)
        pl = align.place(
            lm, c.anchor, m.assumptions.roll_deg, m.min_score, w, h, mirrored=m.assumptions.mirrored, style=style
        )
        placements.append(pl if lm is not None else None)
        image = _panel_image(p, pl, blur, style)
        caption = _date_text(info.date, info.date_source)
        if not pl.aligned:
            caption += " — not aligned: " + ("no usable torso or shoulders" if lm is not None else "no person found")
        if p.rgb is None:
            caption += " — photo not available (moved, changed or deleted since it was saved): its lines alone"
        if m.assumptions.mirrored:
            caption += " — mirror image, shown flipped back as a camera sees you"
        panels.append(Panel(f"{_role(i, n)}: {_short(p.label)}", caption, image, pl.aligned))
    return tuple(panels), placements


def _overlay_drawer(
    c: Comparison, photos: Sequence[ComparedPhoto], placements: Sequence[align.Placement | None], style: ReportStyle
) -> tuple[ChartDrawer, str]:
    n = len(photos)
    chosen = [i for i in (0, n - 1) if placements[i] is not None and placements[i].aligned]  # type: ignore[union-attr]
    skeletons, labels, colors = [], [], []
    for i, color in zip((0, n - 1), (style.before_color, style.after_color), strict=True):
        if i not in chosen:
            continue
        lm = landmarks_of(photos[i].measurement)
        assert lm is not None
        skeletons.append((lm, placements[i].matrix, photos[i].measurement.min_score))  # type: ignore[union-attr]
        date = c.photos[i].date
        labels.append(_role(i, n) + ("" if date is None else f" ({date:%Y-%m-%d})"))
        colors.append(color)

    def draw(fig: FigureBase) -> None:
        ax = fig.add_subplot()
        align.draw_skeletons(ax, skeletons, labels, colors, style)
        anchor = {"hips": "hips' midpoint and torso length", "shoulders": "shoulders' midpoint and width"}.get(
            c.anchor or "", ""
        )
        ax.set_title(f"Skeletons aligned on the {anchor}" if anchor else "Skeletons (not aligned)", fontsize=11)
        if len(skeletons) < 2:
            ax.text(
                0.5,
                0.95 if skeletons else 0.5,
                "only one skeleton could be aligned" if skeletons else "no skeleton to show",
                transform=ax.transAxes,
                ha="center",
                fontsize=10,
                color="0.3",
            )

    caption = (
        "Dashed: " + labels[0] + "; solid: " + labels[-1] + ". Thick lines: ears, shoulders and hips. "
        "Both are shown as seen from the front (L/R: the person's own left and right)."
        if len(skeletons) == 2
        else "The skeletons could not both be aligned."
    )
    if n > 2 and len(skeletons) == 2:
        caption += " The first and last photos are shown."
    return draw, caption


def _trend_drawer(c: Comparison, photos: Sequence[ComparedPhoto]) -> tuple[ChartDrawer | None, int]:
    """Each measure over the photos, with the band of its series' MDC (``MetricComparison.mdc``); a tilt
    measured by different methods over the series is drawn on its landmark-only values, as ``posture
    history plot`` does, and its title says so."""
    from posture.charts import plot_trend

    if len(c.photos) <= 2:
        return None, 0
    ms = [p.measurement for p in photos]
    shown = [(mc, _trend_values(ms, mc.name)) for mc in c.metrics if any(v is not None for v in mc.values)]
    if not shown:
        return None, 0
    dates = [p.date for p in c.photos]
    use_dates = all(d is not None for d in dates)
    xs = dates if use_dates else list(range(1, len(dates) + 1))
    ncols = 2
    nrows = (len(shown) + ncols - 1) // ncols

    def draw(fig: FigureBase) -> None:
        axes = fig.subplots(nrows, ncols, squeeze=False)
        for ax, (mc, (values, uncs, method_note, left_out)) in zip(axes.flat, shown, strict=False):
            unit = {"deg": "°"}.get(mc.unit, mc.unit)
            title = mc.label + ("\n(joint landmarks: methods differ)" if method_note else "")
            if left_out:
                title += f"\n({photos_phrase(left_out, len(ms))} left out: uneven stance)"
            plot_trend(xs, list(values), list(uncs), label=title, unit=unit, mdc=mc.mdc, ax=ax)  # type: ignore[arg-type]
            if ax.get_legend() is not None:
                ax.get_legend().remove()  # its line would only repeat the title: the band alone is named
                band = [(h, t) for h, t in zip(*ax.get_legend_handles_labels(), strict=True) if t != title]
                if band:
                    ax.legend(*zip(*band, strict=True), loc="best", fontsize=7)
            ax.set_ylabel(wording.axis_label(mc.name, mc.unit), fontsize=8)
            ax.set_title(title, fontsize=9)
            ax.tick_params(labelsize=8)
            if use_dates:
                ax.set_xticks(xs, [_tick_date(d, xs) for d in xs])  # type: ignore[arg-type]
            else:
                ax.set_xlabel("photo number", fontsize=8)
                ax.set_xticks(xs)
        for ax in axes.flat[len(shown) :]:
            ax.set_visible(False)
        for ax in axes.flat[: len(shown)]:
            ax.tick_params(labelbottom=True)
            for label in ax.get_xticklabels():
                label.set_rotation(30)
                label.set_horizontalalignment("right")

    return draw, nrows


def _table_note(c: Comparison) -> str | None:
    if any(p.verdict == "uncertainty_unknown" for mc in c.metrics for p in mc.pairs):
        return (
            "Uncertainty unknown: no uncertainty was estimated for these measurements (single-pass analysis) "
            "and no minimal detectable change is known, so a change cannot be told apart from measurement "
            "noise and is not called improved or worse."
        )
    return None


def _notes(c: Comparison, photos: Sequence[ComparedPhoto], blur: bool) -> tuple[str, ...]:
    anchor = {"hips": "hips' midpoint and the torso length", "shoulders": "shoulders' midpoint and shoulder width"}
    if c.anchor in anchor:
        aligned = (
            f"The photos are scaled and shifted so that the {anchor[c.anchor]} match, so a different camera "
            "distance does not look like a change; any camera roll that was corrected is levelled out."
        )
    else:
        aligned = "The photos could not be aligned on the body (no usable torso or shoulders): each is shown whole."
    notes = [
        (
            "How to read: values are measured on each photo; angles in degrees, shifts in percent of shoulder "
            "width; left and right are the person's own sides. The change column gives how far the value moved "
            "between the two photos and which way (which side went up, or towards which side)."
            + (
                " With more than two photos, every visit (each photo against the one before it) and the first "
                "against the last have a row of their own; each row's verdict depends on its two photos only."
                if len(photos) > 2
                else ""
            )
        ),
        (
            "A change counts only when its size exceeds the noise threshold: the larger of the metric's minimal "
            "detectable change (MDC95; a single pass's, which is larger, when either photo was measured in one) and "
            "1.96 times the combined uncertainty of the two measurements, of those "
            "that are known. Anything smaller is within measurement noise, whatever the sizes, and is never called "
            "an improvement. A larger change is 'improved' when the asymmetry became smaller on the same side (or "
            "level), 'worse' when it became larger, and 'reversed' when it crossed to the other side (the verdict "
            "names the side that is higher now): a photo shows a side when its value is further from level than "
            "its own noise. With neither the MDC nor the uncertainties known, the verdict is 'uncertainty unknown'."
        ),
        aligned,
        (
            "The hip line joins MediaPipe's hip-joint estimates, not the pelvic bones a clinician palpates: it is "
            "a proxy for pelvic obliquity and follows only part of a real pelvic tilt."
        ),
    ]
    if blur:
        notes.append(
            "Faces are blurred where the pose model found a person; check the photos before sharing. "
            "Photo metadata (EXIF, location) is not copied into the report."
        )
    else:
        notes.append("Photo metadata (EXIF, location) is not copied into the report.")
    notes.append("This report describes photos; it is not a diagnosis.")
    return tuple(notes)


def _trend_values(
    ms: Sequence[PostureMeasurement], name: str
) -> tuple[tuple[float | None, ...], tuple[float | None, ...], str | None, list[int]]:
    """A trend panel's values (:func:`posture.compare.comparable_values`), without those of the
    photos whose uneven stance moves this metric (they are not compared in the table either), and
    the indices of those photos."""
    values, uncs, method_note = comparable_values(ms, name)
    if name not in STANCE_METRICS:
        return values, uncs, method_note, []
    left_out = [k for k, m in enumerate(ms) if values[k] is not None and uneven_leg(m) is not None]
    values = tuple(None if k in left_out else v for k, v in enumerate(values))
    return values, uncs, method_note, left_out


def _tick_date(d: datetime, dates: Sequence[datetime]) -> str:
    """A photo's date under the trend charts: the day, and the time when two photos share a day."""
    days = [x.date() for x in dates]
    return f"{d:%Y-%m-%d}" if len(set(days)) == len(days) else f"{d:%Y-%m-%d %H:%M}"


def build_content(
    photos: Sequence[ComparedPhoto],
    comparison: Comparison,
    *,
    blur_faces: bool = False,
    name: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
    style: ReportStyle = DEFAULT_REPORT_STYLE,
) -> ReportContent:
    """Assemble the report's content.

    Raises
    ------
    ValueError
        ``photos`` and ``comparison`` do not describe the same photos.
    """
    if len(photos) != len(comparison.photos):
        raise ValueError(f"{len(photos)} photos but a comparison of {len(comparison.photos)}")
    n = len(photos)
    panels, placements = _panels(comparison, photos, blur_faces, style)
    overlay, overlay_caption = _overlay_drawer(comparison, photos, placements, style)
    trend, trend_rows = _trend_drawer(comparison, photos)
    d0, d1 = comparison.photos[0].date, comparison.photos[-1].date
    subtitle = f"{n} photos" if n > 2 else "Before and after"
    if d0 is not None and d1 is not None:
        days = (d1.date() - d0.date()).days
        if days == 0:
            subtitle += f": {'both' if n == 2 else 'first and last'} on {d0:%Y-%m-%d}"
        else:
            subtitle += f": {d0:%Y-%m-%d} to {d1:%Y-%m-%d} ({abs(days)} day{'s' if abs(days) != 1 else ''} apart)"
    now = now or datetime.now().replace(microsecond=0)
    return ReportContent(
        title="Posture comparison",
        subtitle=subtitle,
        name=name or None,
        note=note or None,
        photos=_photo_rows(comparison, photos),
        warnings=comparison.warnings,
        rows=_rows(comparison, photos),
        table_note=_table_note(comparison),
        panels=panels,
        overlay=overlay,
        overlay_caption=overlay_caption,
        trend=trend,
        trend_rows=trend_rows,
        notes=_notes(comparison, photos, blur_faces),
        footer=f"Made with posture {__version__} on {now:%Y-%m-%d %H:%M}. Not a diagnosis.",
    )


def render_png(draw: ChartDrawer, size: tuple[float, float], dpi: int) -> bytes:
    """Draw a chart on a new :class:`Figure` of ``size`` inches and return PNG bytes
    (text drawn as written, see :func:`posture.charts.plain_text`)."""
    from posture.charts import figure_png, plain_text

    with plain_text():
        fig = Figure(figsize=size, layout="constrained")
        draw(fig)
        return figure_png(fig, dpi=dpi)


__all__ = ["Panel", "PhotoRow", "ReportContent", "Row", "build_content", "render_png"]
