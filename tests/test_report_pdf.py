"""The PDF report built from real photos, rendered page by page with poppler."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from conftest import photo
from PIL import Image
from report_checks import needs_poppler, pdf_image_count, pdf_pages, pdf_text

from posture.compare import compare
from posture.inputs import ComparedPhoto, photo_dates
from posture.report import make_report

NAMES = ("front_full__tfex_yoga_tree.jpeg", "back_full__pose2sim_static_cam02_f005.jpg", "front_full__posenet_yoga.jpg")
NOW = datetime(2025, 1, 1, 12, 0)


@pytest.fixture(scope="module")
def reports(analyzer, tmp_path_factory) -> dict[int, Path]:
    """Two- and three-photo PDF reports; each photo analysed once."""
    photos = []
    for name in NAMES:
        image = analyzer.load(photo(name))
        photos.append(ComparedPhoto(name, analyzer.analyze(image), image.rgb, datetime(2024, 3, 1)))
    out = {}
    d = tmp_path_factory.mktemp("pdf")
    for n in (2, 3):
        ps = photos[:n]
        dates, sources = photo_dates(ps, [None, datetime(2024, 2, 1), datetime(2024, 3, 1)][:n])
        c = compare([p.measurement for p in ps], dates=dates, date_sources=sources, mdc={"pelvic_tilt_deg": 1.5})
        path = d / f"report{n}.pdf"
        path.write_bytes(make_report(ps, c, "pdf", now=NOW, name="Sam <Tester>", note="6 weeks of side planks"))
        out[n] = path
    return out


def test_is_a_pdf(reports):
    for path in reports.values():
        data = path.read_bytes()
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


@needs_poppler
@pytest.mark.parametrize("n", [2, 3])
def test_pages_render_and_say_what_they_should(reports, tmp_path, n):
    path = reports[n]
    pages = pdf_pages(path, tmp_path)
    texts = pdf_text(path)
    assert len(pages) == len(texts)
    # Every page carries "page k of N", and N is the number of pages poppler rendered.
    for k, t in enumerate(texts, 1):
        m = re.search(r"page (\d+) of (\d+)", t)
        assert m and (int(m.group(1)), int(m.group(2))) == (k, len(pages)), t[-200:]
    # Results (one or two pages), photos, overlay, trend (more than two photos), about.
    assert len(pages) in ((4, 5) if n == 2 else (5, 6))
    for p in pages:
        with Image.open(p) as im:
            a = np.asarray(im.convert("L"), dtype=float)
        assert a.std() > 5, f"{p.name} looks blank"
    full = "\n".join(texts)
    for expected in (
        "Posture comparison",
        "Results",
        "Shoulders",
        "Hip line",
        "Noise",
        "Verdict",
        "Photos at the same body scale",
        "Skeletons overlaid",
        "About these numbers",
        "Name: Sam <Tester>",
        "6 weeks of side planks",
        NAMES[0],
        NAMES[1],
    ):
        assert expected in full, expected
    assert "The view differs" in full  # front against back
    assert ("Trend over time" in full) == (n == 3)
    assert texts[0].lstrip().startswith("Posture comparison")


@needs_poppler
def test_every_photo_is_embedded(reports):
    # One raster image per photo panel; charts are vector graphics.
    assert pdf_image_count(reports[2]) == 2
    assert pdf_image_count(reports[3]) == 3
