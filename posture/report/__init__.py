"""Before/after comparison reports: HTML (self-contained) and PDF.

:func:`make_report` is the entry point: photos and their comparison in,
file bytes out. The modules: :mod:`~posture.report.content` (what the
report says, shared by both formats), :mod:`~posture.report.html`,
:mod:`~posture.report.pdf`, :mod:`~posture.report.align` (same body scale,
skeleton overlay) and :mod:`~posture.report.faces` (blurring heads).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal, Mapping, Sequence

from posture.compare import Comparison
from posture.inputs import ComparedPhoto
from posture.output import output_format

Format = Literal["html", "pdf"]

FORMATS: Mapping[str, Format] = {".html": "html", ".htm": "html", ".pdf": "pdf"}
"""Report format by file suffix."""


def report_format(path: str | Path) -> Format:
    """``html`` or ``pdf`` from a file name.

    Raises
    ------
    OutputError
        Any other suffix.
    """
    return output_format(path, FORMATS, "report")


def make_report(
    photos: Sequence[ComparedPhoto],
    comparison: Comparison,
    fmt: Format,
    *,
    blur_faces: bool = False,
    name: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> bytes:
    """The report as the bytes of an HTML or PDF file."""
    from posture.report.content import build_content

    content = build_content(photos, comparison, blur_faces=blur_faces, name=name, note=note, now=now)
    if fmt == "html":
        from posture.report.html import render_html

        return render_html(content).encode("utf-8")
    if fmt == "pdf":
        from posture.report.pdf import render_pdf

        return render_pdf(content)
    raise ValueError(f"unknown report format {fmt!r}")


__all__ = ["FORMATS", "Format", "make_report", "report_format"]
