"""The comparison report as a PDF (matplotlib's PDF backend, A4 pages).

Each section starts a page: the results (title, warnings, table; continued
on further pages when long), the aligned photos (six to a page), the
skeleton overlay, the trend charts (more than two photos), then the photo
list and notes. Every page is numbered "page k of N". Text is laid out with
:class:`Figure` text objects; the fonts are embedded as subsetted Type 3
fonts with a Unicode map, so the text can be searched and copied (Type 42
would take about a second longer to subset).
"""

from __future__ import annotations

import io
import textwrap
from typing import Any, Sequence

from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from posture.render.styles import DEFAULT_REPORT_STYLE, ReportStyle
from posture.report.content import ChartDrawer, ReportContent

PAGE = (8.27, 11.69)
"""A4 portrait, inches."""
MARGIN = 0.55
CHAR_W = 0.55
"""Average glyph width as a fraction of the font size (DejaVu Sans), for wrapping."""
CHAR_W_BOLD = 0.64
"""The same for DejaVu Sans Bold."""


def _wrap(text: str, width_in: float, size: float, bold: bool = False) -> list[str]:
    chars = max(8, int(width_in * 72 / ((CHAR_W_BOLD if bold else CHAR_W) * size)))
    lines: list[str] = []
    for para in str(text).splitlines() or [""]:
        lines += textwrap.wrap(para, chars, break_long_words=True, break_on_hyphens=False) or [""]
    return lines


class _Pages:
    """A flow of text blocks over A4 figures; ``y`` is inches from the page top."""

    def __init__(self) -> None:
        self.figures: list[Figure] = []
        self.fig: Figure = self.new_page()
        self.y = MARGIN

    def new_page(self) -> Figure:
        fig = Figure(figsize=PAGE)
        self.figures.append(fig)
        self.fig = fig
        self.y = MARGIN
        return fig

    def room(self, height: float) -> None:
        if self.y + height > PAGE[1] - MARGIN:
            self.new_page()

    def text(self, x: float, y: float, s: str, size: float, **kw: object) -> None:
        self.fig.text(x / PAGE[0], 1 - y / PAGE[1], s, fontsize=size, va="top", ha="left", **kw)  # type: ignore[arg-type]

    def para(self, s: str, size: float = 9.5, *, indent: float = 0.0, gap: float = 0.06, **kw: object) -> None:
        lines = _wrap(s, PAGE[0] - 2 * MARGIN - indent, size, kw.get("fontweight") == "bold")
        h = len(lines) * size * 1.35 / 72
        self.room(h)
        self.text(MARGIN + indent, self.y, "\n".join(lines), size, linespacing=1.35, **kw)
        self.y += h + gap

    def heading(self, s: str, size: float = 13) -> None:
        self.room(0.9)
        self.y += 0.12
        self.text(MARGIN, self.y, s, size, fontweight="bold")
        self.y += size * 1.5 / 72

    def table(
        self, header: Sequence[str], rows: Sequence[Sequence[Cell]], widths: Sequence[float], size: float = 7.5
    ) -> None:
        """Rows of cells; a cell is ``(text, text options, smaller note below or "")``."""
        line = 1.3 / 72
        small = size - 1

        def layout(cells: Sequence[Cell]) -> tuple[list[tuple[list[str], list[str]]], float]:
            out, h = [], 0.0
            for (text, kw, note), w in zip(cells, widths, strict=True):
                main = _wrap(text, w - 0.1, size, kw.get("fontweight") == "bold")
                sub = _wrap(note, w - 0.1, small) if note else []
                out.append((main, sub))
                h = max(h, len(main) * size * line + (len(sub) * small * line + 0.03 if sub else 0))
            return out, h + 0.1

        def draw(cells: Sequence[Cell], bg: str | None) -> None:
            wrapped, h = layout(cells)
            self.room(h)
            x = MARGIN
            total = sum(widths)
            if bg:
                self.fig.patches.append(_rect(x, self.y, total, h, bg, self.fig))
            for (_text, kw, _note), w, (main, sub) in zip(cells, widths, wrapped, strict=True):
                self.text(x + 0.05, self.y + 0.05, "\n".join(main), size, linespacing=1.3, **kw)
                if sub:
                    y = self.y + 0.05 + len(main) * size * line + 0.03
                    self.text(x + 0.05, y, "\n".join(sub), small, linespacing=1.3, color="#57606a")
                x += w
            self.fig.lines.append(_hline(MARGIN, self.y + h, total, self.fig))
            self.y += h

        draw([(h, {"fontweight": "bold"}, "") for h in header], "#eaeef2")
        for cells in rows:
            draw(cells, None)
        self.y += 0.12


Cell = tuple[str, dict[str, Any], str]


def _rect(x: float, y: float, w: float, h: float, color: str, fig: Figure):
    from matplotlib.patches import Rectangle

    return Rectangle(
        (x / PAGE[0], 1 - (y + h) / PAGE[1]),
        w / PAGE[0],
        h / PAGE[1],
        transform=fig.transFigure,
        facecolor=color,
        edgecolor="none",
        zorder=-1,
    )


def _hline(x: float, y: float, w: float, fig: Figure):
    from matplotlib.lines import Line2D

    yy = 1 - y / PAGE[1]
    return Line2D([x / PAGE[0], (x + w) / PAGE[0]], [yy, yy], transform=fig.transFigure, color="#d0d7de", linewidth=0.6)


def _results(p: _Pages, c: ReportContent, style: ReportStyle) -> None:
    p.text(MARGIN, p.y, c.title, 20, fontweight="bold")
    p.y += 0.42
    p.para(c.subtitle, 11, color="#57606a")
    if c.name:
        p.para(f"Name: {c.name}", 10.5)
    if c.note:
        p.para(c.note, 10, style="italic")
    if c.warnings:
        p.heading("Check before comparing")
        for w in c.warnings:
            p.para("• " + w, 9, color="#7d4e00")
    p.heading("Results")
    pairs = len(c.photos) > 2
    if pairs:
        widths: tuple[float, ...] = (0.95, 0.57, 1.3, 1.3, 0.98, 0.8, 1.37)
        header: tuple[str, ...] = ("Measure", "Photos", "From", "To", "Change", "Noise threshold", "Verdict")
    else:
        widths = (1.15, 1.4, 1.4, 1.05, 0.8, 1.47)
        header = ("Measure", c.photos[0].role, c.photos[-1].role, "Change", "Noise threshold", "Verdict")
    rows: list[list[Cell]] = []
    for k, r in enumerate(c.rows):
        first = k == 0 or c.rows[k - 1].name != r.name  # the measure is named once for its rows
        rows.append(
            [
                (r.label if first else "", {"fontweight": "bold"}, ""),
                *([(r.pair, {}, "")] if pairs else []),
                (r.before, {}, ""),
                (r.after, {}, ""),
                (r.change, {}, ""),
                (r.threshold, {}, ""),
                (r.verdict_text, {"color": style.verdict_color(r.verdict), "fontweight": "bold"}, r.note),
            ]
        )
    p.table(header, rows, widths)
    if c.table_note:
        p.para(c.table_note, 8.5, color="#424a53")


def _photos(p: _Pages, c: ReportContent) -> None:
    n = len(c.panels)
    per_row = 2 if n <= 2 else 3
    rows_per_page = 1 if n <= 2 else 2
    usable_w = PAGE[0] - 2 * MARGIN
    cell_w = usable_w / per_row
    img_w = cell_w - 0.15
    for start in range(0, n, per_row * rows_per_page):
        fig = p.new_page()
        p.heading("Photos at the same body scale")
        top = p.y
        for k, panel in enumerate(c.panels[start : start + per_row * rows_per_page]):
            r, col = divmod(k, per_row)
            h, w = panel.image.shape[:2]
            img_h = img_w * h / w
            row_h = img_h + 0.75
            x = MARGIN + col * cell_w
            y = top + r * row_h
            lines = _wrap(panel.title, img_w, 8, bold=True)
            title = "\n".join(lines[:2]) + ("…" if len(lines) > 2 else "")
            fig.text(x / PAGE[0], 1 - y / PAGE[1], title, fontsize=8, fontweight="bold", va="top")
            ax = fig.add_axes((x / PAGE[0], 1 - (y + 0.32 + img_h) / PAGE[1], img_w / PAGE[0], img_h / PAGE[1]))
            ax.imshow(panel.image, interpolation="antialiased")
            ax.set_axis_off()
            cap = "\n".join(_wrap(panel.caption, img_w, 7.5)[:3])
            fig.text(x / PAGE[0], 1 - (y + 0.36 + img_h) / PAGE[1], cap, fontsize=7.5, color="#424a53", va="top")


def _chart_page(p: _Pages, title: str, draw: ChartDrawer, height: float, caption: str) -> None:
    fig = p.new_page()
    p.heading(title)
    top = p.y
    h = min(height, PAGE[1] - top - MARGIN - 0.6)
    rect = (MARGIN / PAGE[0], 1 - (top + h) / PAGE[1], 1 - 2 * MARGIN / PAGE[0], h / PAGE[1])
    fig.set_layout_engine(ConstrainedLayoutEngine(rect=rect))
    draw(fig)
    p.y = top + h + 0.1
    p.para(caption, 8.5, color="#424a53")


def _about(p: _Pages, c: ReportContent) -> None:
    p.new_page()
    p.heading("Photos and assumptions")
    for ph in c.photos:
        p.para(f"{ph.role}: {ph.label} — {ph.date}", 9.5, fontweight="bold", gap=0.02)
        p.para("; ".join(ph.details), 8.5, indent=0.2, color="#57606a", gap=0.02)
        for w in ph.warnings:
            p.para("Warning: " + w, 8.5, indent=0.2, color="#7d4e00", gap=0.02)
        p.y += 0.08
    p.heading("About these numbers")
    for n in c.notes:
        p.para("• " + n, 9)
    p.y += 0.1
    p.para(c.footer, 8.5, color="#57606a")


def render_pdf(c: ReportContent, style: ReportStyle = DEFAULT_REPORT_STYLE) -> bytes:
    """The whole report as PDF bytes; text is drawn as written (:func:`posture.charts.plain_text`)."""
    import matplotlib

    from posture.charts import plain_text

    # Type 3 fonts whatever the user's matplotlibrc says.
    with plain_text(), matplotlib.rc_context({"pdf.fonttype": 3}):
        return _render(c, style)


def _render(c: ReportContent, style: ReportStyle) -> bytes:
    from matplotlib.backends.backend_pdf import PdfPages

    p = _Pages()
    _results(p, c, style)
    _photos(p, c)
    overlay_h = (PAGE[0] - 2 * MARGIN) * style.panel_height / style.panel_width * 0.8
    _chart_page(p, "Skeletons overlaid", c.overlay, overlay_h, c.overlay_caption)
    if c.trend is not None:
        _chart_page(
            p,
            "Trend over time",
            c.trend,
            2.4 * c.trend_rows + 0.4,
            "Each measure over time; bars show the uncertainty where it was estimated, the grey band "
            "the minimal detectable change around the first value where it is known.",
        )
    _about(p, c)

    total = len(p.figures)
    for k, fig in enumerate(p.figures, 1):
        fig.text(
            0.5,
            0.35 / PAGE[1],
            f"{c.title} — page {k} of {total}",
            ha="center",
            va="bottom",
            fontsize=7.5,
            color="#8c959f",
        )

    buf = io.BytesIO()
    with PdfPages(buf, metadata={"Title": c.title, "Creator": "posture"}) as pdf:
        for fig in p.figures:
            pdf.savefig(fig)
    return buf.getvalue()
