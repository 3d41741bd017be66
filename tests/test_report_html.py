"""The HTML report built from real photos: self-contained, escaped, and rendered by Chromium."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from conftest import photo
from report_checks import chromium_view, decode, embedded_images, needs_chromium

from posture.compare import compare, landmarks_of
from posture.geometry import apply_affine
from posture.inputs import ComparedPhoto, photo_dates
from posture.landmarks import PoseLandmark
from posture.report import align, make_report
from posture.report.content import build_content
from posture.report.html import CSP, render_html

BEFORE = "front_full__tfex_yoga_tree.jpeg"  # has an EXIF date
AFTER = "front_full__h36m_S7_Greeting_000396.jpg"
THIRD = "front_full__posenet_yoga.jpg"
NOW = datetime(2025, 1, 1, 12, 0)


@pytest.fixture(scope="module")
def real_photos(analyzer, detector) -> list[ComparedPhoto]:
    """Three real photos, each analysed once for the whole module."""
    out = []
    for name in (BEFORE, AFTER, THIRD):
        image = analyzer.load(photo(name))
        out.append(
            ComparedPhoto(
                name, analyzer.analyze(image), image.rgb, datetime(2024, 6, 1), tuple(detector.detect(image.rgb))
            )
        )
    return out


def _report(photos, **kw) -> str:
    dates, sources = photo_dates(photos)
    c = compare([p.measurement for p in photos], dates=dates, date_sources=sources, mdc=kw.pop("mdc", None))
    return make_report(photos, c, "html", now=NOW, **kw).decode("utf-8")


@pytest.fixture(scope="module")
def two(real_photos) -> str:
    return _report(real_photos[:2], mdc={"shoulder_tilt_deg": 2.0})


@pytest.fixture(scope="module")
def three(real_photos) -> str:
    return _report(real_photos, mdc={"shoulder_tilt_deg": 2.0})


def test_self_contained_and_locked_down(two):
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP}">' in two
    assert "<script" not in two.lower()
    assert not re.search(r"https?://", two), "no external address of any kind"
    assert not re.search(r"\s(?:href|action|srcset|background)=", two)
    assert two.count("<img ") == len(embedded_images(two))


def test_every_image_decodes(two, three):
    for doc, expected in ((two, 3), (three, 5)):  # panels + overlay (+ trend for more than two)
        images = embedded_images(doc)
        assert len(images) == expected
        for mime, data in images:
            w, h = decode(data)
            assert w >= 300 and h >= 300, (mime, w, h)


def test_content(two):
    for text in (
        "Posture comparison",
        "Results",
        "Shoulders",
        "Hip line (pelvic tilt proxy)",
        "Before",
        "After",
        "Photos at the same body scale",
        "Skeletons overlaid",
        BEFORE,
        AFTER,
        "2020-01-29 17:18 (taken, from the photo&#x27;s EXIF)",
        "Check before comparing",
        "Camera distance or zoom differs",
        "not a diagnosis",
    ):
        assert text in two, text
    # Shoulders have an MDC, so a verdict; the rest have neither MDC nor uncertainty.
    assert "Uncertainty unknown" in two and "no uncertainty was estimated" in two
    assert "Trend over time" not in two


def test_trend_for_more_than_two_photos(three):
    assert "Trend over time" in three and "Photo 3" in three and THIRD in three


def test_user_strings_are_escaped(real_photos):
    evil = "<script>alert(1)</script>\"'&<img src=x onerror=alert(2)>"
    photos = [ComparedPhoto(evil + ".jpg", p.measurement, p.rgb, p.file_time) for p in real_photos[:2]]
    doc = _report(photos, name=evil, note=evil)
    assert "<script" not in doc.lower()
    assert "<img src=x" not in doc
    assert doc.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 4  # name, note, captions, photo list
    assert doc.count("<img ") == 3


def test_blur_faces_blurs_only_the_head(real_photos):
    photos = real_photos[:2]
    c = compare([p.measurement for p in photos])
    plain = build_content(photos, c, now=NOW)
    blurred = build_content(photos, c, blur_faces=True, now=NOW)
    for k, p in enumerate(photos):
        lm = landmarks_of(p.measurement)
        m = align.place(lm, c.anchor, 0.0, 0.5, lm.width, lm.height).matrix
        nose = apply_affine(m, lm.xy[PoseLandmark.NOSE]).round().astype(int)
        hip = apply_affine(m, (lm.xy[PoseLandmark.LEFT_HIP] + lm.xy[PoseLandmark.RIGHT_HIP]) / 2).round().astype(int)
        a, b = plain.panels[k].image.astype(float), blurred.panels[k].image.astype(float)
        face = (slice(nose[1] - 8, nose[1] + 8), slice(nose[0] - 8, nose[0] + 8))
        # Detail around the nose is gone (the annotation lines drawn over the head stay sharp,
        # so compare the photo's variation, not exact pixels); the hips are untouched.
        assert np.abs(np.diff(b[face], axis=1)).mean() < 0.5 * np.abs(np.diff(a[face], axis=1)).mean()
        assert np.array_equal(a[hip[1] + 60 : hip[1] + 120], b[hip[1] + 60 : hip[1] + 120])
    assert any("Faces are blurred" in n for n in blurred.notes)


@needs_chromium
def test_chromium_renders_every_image_and_the_text(tmp_path: Path, three):
    report = tmp_path / "report.html"
    report.write_text(three, encoding="utf-8")
    view = chromium_view(report)
    assert len(view["images"]) == 5
    for img in view["images"]:
        assert img["complete"] and img["w"] >= 300 and img["h"] >= 300, img
    assert view["scripts"] == 0
    assert view["resources"] == [], "the report must not fetch anything"
    text = view["text"]
    for expected in (
        "Posture comparison",
        "Results",
        "Photo 1",
        "Photo 3",
        "Shoulders",
        "Trend over time",
        "Skeletons overlaid",
        "About these numbers",
        BEFORE,
        THIRD,
    ):
        assert expected in text, expected
    assert view["title"] == "Posture comparison"


def test_render_html_is_a_pure_function_of_the_content(real_photos):
    photos = real_photos[:2]
    c = compare([p.measurement for p in photos])
    content = build_content(photos, c, now=NOW)
    assert render_html(content) == render_html(content)
