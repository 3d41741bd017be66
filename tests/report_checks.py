"""Checking rendered reports: HTML in headless Chromium, PDF with poppler.

Shared by the report and ``compare`` CLI tests. Tests using these are skipped
with a clear reason when Chromium or poppler-utils are not installed
(``.ci/run`` installs both).
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
POPPLER = all(shutil.which(t) for t in ("pdftoppm", "pdftotext", "pdfimages"))

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium not installed (apt-get install chromium; .ci/run does)"
)
needs_poppler = pytest.mark.skipif(
    not POPPLER, reason="poppler-utils (pdftoppm, pdftotext, pdfimages) not installed (.ci/run installs them)"
)

# A page that loads the report in a frame and writes what Chromium made of it into the DOM.
# The report itself has no script (its CSP forbids any); this wrapper is only for the test.
_WRAPPER = """<!DOCTYPE html><html><body>
<iframe id="f" src="%s" width="1200" height="3000"></iframe><pre id="out">pending</pre>
<script>
document.getElementById('f').addEventListener('load', () => {
  const w = document.getElementById('f').contentWindow, d = w.document;
  const out = {
    images: Array.from(d.images).map(i => ({complete: i.complete, w: i.naturalWidth, h: i.naturalHeight, alt: i.alt})),
    text: d.body.innerText,
    title: d.title,
    scripts: d.querySelectorAll('script').length,
    resources: w.performance.getEntriesByType('resource').map(e => e.name),
  };
  document.getElementById('out').textContent = JSON.stringify(out);
});
</script></body></html>"""


def chromium_view(report: Path) -> dict[str, Any]:
    """Open ``report`` in headless Chromium; return its images (decoded sizes), visible text,
    title, number of script elements and the resources it fetched."""
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        wrapper = report.parent / f".wrap_{report.stem}.html"
        wrapper.write_text(_WRAPPER % html.escape(report.name, quote=True), encoding="utf-8")
        try:
            run = subprocess.run(
                [
                    CHROMIUM,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    f"--user-data-dir={profile}",
                    "--allow-file-access-from-files",
                    "--virtual-time-budget=15000",
                    "--dump-dom",
                    wrapper.resolve().as_uri(),
                ],
                capture_output=True,
                text=True,
                timeout=90,
                check=False,
            )
        finally:
            wrapper.unlink()
    m = re.search(r'<pre id="out">(.*?)</pre>', run.stdout, re.DOTALL)
    assert m and m.group(1) != "pending", f"Chromium did not load the report: {run.stderr[-2000:]}"
    return json.loads(html.unescape(m.group(1)))


def embedded_images(html_text: str) -> list[tuple[str, bytes]]:
    """Every ``src`` of the document as (mime type, decoded bytes); fails on any non-data URI."""
    out = []
    for src in re.findall(r'\ssrc="([^"]*)"', html_text):
        m = re.fullmatch(r"data:(image/(?:png|jpeg));base64,([A-Za-z0-9+/=]+)", src)
        assert m, f"not an embedded image: {src[:80]}"
        out.append((m.group(1), base64.b64decode(m.group(2), validate=True)))
    return out


def decode(data: bytes) -> tuple[int, int]:
    """Fully decode an image with Pillow; returns its size."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        im.load()
        return im.size


def pdf_pages(pdf: Path, out_dir: Path) -> list[Path]:
    """Render every page with pdftoppm (low resolution); returns the PNG files in order."""
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(out_dir / "page")], check=True, timeout=60)
    return sorted(out_dir.glob("page-*.png"), key=lambda p: int(p.stem.split("-")[-1]))


def pdf_text(pdf: Path) -> list[str]:
    """The text of each page (pdftotext)."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def pdf_image_count(pdf: Path) -> int:
    """Number of raster images embedded in the PDF (pdfimages -list, masks excluded)."""
    out = subprocess.run(
        ["pdfimages", "-list", str(pdf)], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    rows = [r.split() for r in out.splitlines()[2:] if r.strip()]
    return sum(1 for r in rows if len(r) > 2 and r[2] == "image")
