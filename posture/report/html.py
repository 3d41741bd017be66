"""The comparison report as one self-contained HTML file.

Images are embedded as base64 data URIs and the style sheet is inline; the
page needs no script and makes no request (a Content-Security-Policy forbids
everything but embedded images and inline style). Every string that comes
from the user or from a measurement passes through :func:`esc`.
"""

from __future__ import annotations

import base64
import html
import itertools
from typing import Iterable

from posture.output import encode
from posture.render.styles import DEFAULT_REPORT_STYLE, ReportStyle
from posture.report.content import ReportContent, render_png

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f7f9; color: #1f2328;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 20px 40px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 28px 0 10px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
.sub { color: #57606a; margin: 0; }
.who, .note { margin: 6px 0 0; }
.note { white-space: pre-wrap; background: #fff; border-left: 3px solid #8c959f; padding: 6px 10px; }
.warn { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; padding: 8px 14px 8px 30px; }
.warn li { margin: 3px 0; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; min-width: 640px; background: #fff; }
th, td { border: 1px solid #d0d7de; padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: #eaeef2; font-weight: 600; }
td.metric { font-weight: 600; }
td.verdict { font-weight: 700; }
td .why { display: block; font-weight: 400; font-size: 12.5px; color: #57606a; margin-top: 2px; }
.panels { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 14px; }
figure { margin: 0; background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 8px;
  break-inside: avoid; page-break-inside: avoid; }
figure img { display: block; width: 100%; height: auto; }
figure.chart { max-width: 560px; }
figure.wide { max-width: none; }
figcaption { font-size: 13px; color: #424a53; margin-top: 6px; overflow-wrap: anywhere; }
figcaption b { color: #1f2328; }
.table-note { font-size: 13.5px; color: #424a53; }
.photo-list li { margin-bottom: 8px; overflow-wrap: anywhere; }
.photo-list .details { color: #57606a; font-size: 13.5px; }
.notes li { margin: 4px 0; }
footer { margin-top: 30px; color: #57606a; font-size: 13px; }
@media (max-width: 700px) {
  main { padding: 14px 10px 30px; }
  table { font-size: 13px; }
  th, td { padding: 4px 5px; }
}
@media print {
  body { background: #fff; font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  tr { break-inside: avoid; }
}
@page { size: A4; margin: 14mm; }
"""


def esc(text: object) -> str:
    """HTML-escape any value for text and quoted attribute contexts."""
    return html.escape(str(text), quote=True)


def _data_uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _img(mime: str, data: bytes, alt: str, width: int, height: int) -> str:
    return f'<img src="{_data_uri(mime, data)}" alt="{esc(alt)}" width="{width}" height="{height}">'


def _list(items: Iterable[str], cls: str = "") -> str:
    inner = "".join(f"<li>{esc(i)}</li>" for i in items)
    return f'<ul class="{cls}">{inner}</ul>' if cls else f"<ul>{inner}</ul>"


def render_html(c: ReportContent, style: ReportStyle = DEFAULT_REPORT_STYLE) -> str:
    """The whole report as an HTML document (a str)."""
    out: list[str] = []
    add = out.append
    title = c.title + (f": {c.name}" if c.name else "")
    add("<!DOCTYPE html>")
    add('<html lang="en"><head><meta charset="utf-8">')
    add(f'<meta http-equiv="Content-Security-Policy" content="{CSP}">')
    add('<meta name="referrer" content="no-referrer">')
    add('<meta name="viewport" content="width=device-width, initial-scale=1">')
    add(f"<title>{esc(title)}</title>")
    add(f"<style>{_CSS}</style></head><body><main>")

    add(f'<header><h1>{esc(c.title)}</h1><p class="sub">{esc(c.subtitle)}</p>')
    if c.name:
        add(f'<p class="who">Name: <b>{esc(c.name)}</b></p>')
    if c.note:
        add(f'<p class="note">{esc(c.note)}</p>')
    add("</header>")

    if c.warnings:
        add('<section id="warnings"><h2>Check before comparing</h2>')
        add(_list(c.warnings, "warn"))
        add("</section>")

    add('<section id="results"><h2>Results</h2><div class="table-wrap"><table>')
    pairs = len(c.photos) > 2
    before, after = ("From", "To") if pairs else (c.photos[0].role, c.photos[-1].role)
    add(
        "<thead><tr><th>Measure</th>"
        + ("<th>Photos</th>" if pairs else "")
        + f"<th>{esc(before)}</th><th>{esc(after)}</th>"
        "<th>Change</th><th>Noise threshold</th><th>Verdict</th></tr></thead><tbody>"
    )
    for _, group in itertools.groupby(c.rows, key=lambda r: r.name):
        rows = list(group)
        for k, r in enumerate(rows):
            color = style.verdict_color(r.verdict)
            why = f'<span class="why">{esc(r.note)}</span>' if r.note else ""
            span = f' rowspan="{len(rows)}"' if len(rows) > 1 else ""
            label = f'<td class="metric"{span}>{esc(r.label)}</td>' if k == 0 else ""
            add(
                f"<tr>{label}"
                + (f"<td>{esc(r.pair)}</td>" if pairs else "")
                + f"<td>{esc(r.before)}</td><td>{esc(r.after)}</td>"
                f"<td>{esc(r.change)}</td><td>{esc(r.threshold)}</td>"
                f'<td class="verdict" style="color:{esc(color)}">{esc(r.verdict_text)}{why}</td></tr>'
            )
    add("</tbody></table></div>")
    if c.table_note:
        add(f'<p class="table-note">{esc(c.table_note)}</p>')
    add("</section>")

    add('<section id="photos"><h2>Photos at the same body scale</h2><div class="panels">')
    for p in c.panels:
        jpeg = encode(p.image, "JPEG", style.jpeg_quality)
        h, w = p.image.shape[:2]
        add(
            f"<figure>{_img('image/jpeg', jpeg, p.title, w, h)}"
            f"<figcaption><b>{esc(p.title)}</b><br>{esc(p.caption)}</figcaption></figure>"
        )
    add("</div></section>")

    size = (style.panel_width / 100 * 0.9, style.panel_height / 100 * 0.9)
    png = render_png(c.overlay, size, style.chart_dpi)
    add('<section id="overlay"><h2>Skeletons overlaid</h2>')
    add(
        f'<figure class="chart">{_img("image/png", png, "skeletons of the first and last photo, overlaid", round(size[0] * style.chart_dpi), round(size[1] * style.chart_dpi))}'
    )
    add(f"<figcaption>{esc(c.overlay_caption)}</figcaption></figure></section>")

    if c.trend is not None:
        tsize = (10.0, 2.6 * c.trend_rows + 0.4)
        png = render_png(c.trend, tsize, style.chart_dpi)
        add('<section id="trend"><h2>Trend over time</h2>')
        add(
            f'<figure class="wide">{_img("image/png", png, "each measure over time with uncertainty bars", round(tsize[0] * style.chart_dpi), round(tsize[1] * style.chart_dpi))}'
        )
        add(
            "<figcaption>Each measure over time; bars show the uncertainty where it was estimated, the grey "
            "band the minimal detectable change around the first value where it is known.</figcaption></figure></section>"
        )

    add('<section id="photo-list"><h2>Photos and assumptions</h2><ol class="photo-list">')
    for ph in c.photos:
        details = "; ".join(ph.details)
        warn = _list("Warning: " + w for w in ph.warnings) if ph.warnings else ""
        add(
            f"<li><b>{esc(ph.role)}:</b> {esc(ph.label)} &mdash; {esc(ph.date)}"
            f'<div class="details">{esc(details)}</div>{warn}</li>'
        )
    add("</ol></section>")

    add('<section id="about"><h2>About these numbers</h2>')
    add(_list(c.notes, "notes"))
    add(f"</section><footer>{esc(c.footer)}</footer></main></body></html>")
    return "\n".join(out) + "\n"
