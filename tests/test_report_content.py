"""posture.report.content: what the comparison table says for each pair of photos."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from test_compare import meas, with_methods

from posture.compare import compare
from posture.inputs import ComparedPhoto
from posture.measure import METRIC_NAMES
from posture.report.content import build_content
from posture.stance import Stance

NOW = datetime(2025, 1, 1, 12, 0)


def test_report_cells_show_the_values_compared_and_the_outline_beside_them() -> None:
    before = with_methods(
        meas(u=0.3), shoulder_tilt_deg=("silhouette", 4.0, 2.5), pelvic_tilt_deg=("landmarks", 1.0, 1.0)
    )
    after = with_methods(
        meas(u=0.7), shoulder_tilt_deg=("landmarks", 2.6, 2.6), pelvic_tilt_deg=("landmarks", 1.0, 1.0)
    )
    photos = [ComparedPhoto("before.jpg", before), ComparedPhoto("after.jpg", after)]
    rows = build_content(photos, compare([before, after]), now=NOW).rows
    (row,) = [r for r in rows if r.name == "shoulder_tilt_deg"]
    assert row.pair == ""  # two photos: one row, no pair column
    assert row.before.startswith("Left shoulder higher by 2.5° ± 0.7°")
    assert "shoulder joint landmarks" in row.before and row.before.endswith(
        "from the outline: left shoulder higher by 4.0° ± 0.3°"
    )
    assert row.after.startswith("Left shoulder higher by 2.6° ± 0.7°")


def test_the_outline_beside_a_landmark_value_says_its_own_side() -> None:
    # A real photo read the left shoulder higher on the landmarks (+0.8°) and the right on the
    # outline (-0.8°); the cell said "Left shoulder higher by 0.8° ...; from the outline: 0.8° ± 0.8°".
    before = with_methods(meas(u=0.8), shoulder_tilt_deg=("silhouette", -0.8, 0.8))
    after = with_methods(meas(u=0.8), shoulder_tilt_deg=("landmarks", 2.6, 2.6))
    photos = [ComparedPhoto("before.jpg", before), ComparedPhoto("after.jpg", after)]
    (row,) = [r for r in build_content(photos, compare([before, after]), now=NOW).rows if r.name == "shoulder_tilt_deg"]
    landmarks, outline = row.before.split("; from the outline: ")
    assert landmarks.startswith("Left shoulder higher by 0.8°")
    assert outline.startswith("right shoulder higher by 0.8° ± 0.8°"), outline


def test_a_cell_compared_on_the_landmarks_reads_the_side_of_the_value_it_shows() -> None:
    # The outline read the shoulders level (0.3°, "level" as the analysis records it), the landmarks
    # 2.5° left higher; compared on the landmarks, the cell shows 2.5° and must not call it level.
    before = with_methods(meas(u=0.3), shoulder_tilt_deg=("silhouette", 0.3, 2.5))
    sh = before.metrics["shoulder_tilt_deg"]
    before = replace(before, metrics={**before.metrics, "shoulder_tilt_deg": replace(sh, higher_side="level")})
    after = with_methods(meas(u=0.3), shoulder_tilt_deg=("landmarks", 2.6, 2.6))
    photos = [ComparedPhoto("before.jpg", before), ComparedPhoto("after.jpg", after)]
    (row,) = [r for r in build_content(photos, compare([before, after]), now=NOW).rows if r.name == "shoulder_tilt_deg"]
    landmarks, outline = row.before.split("; from the outline: ")
    assert landmarks.startswith("Left shoulder higher by 2.5°"), landmarks
    assert outline.startswith("level"), outline


def test_the_threshold_and_the_dates_say_what_they_are() -> None:
    # MDC 1.2 against 1.96 x hypot(0.3, 0.3) = 0.83: the threshold is the MDC, to 0.1 as its size
    # deserves; each date says where it came from.
    before, after = meas({"shoulder_tilt_deg": 3.0}, u=0.3), meas({"shoulder_tilt_deg": 1.0}, u=0.3)
    photos = [ComparedPhoto("before.jpg", before), ComparedPhoto("after.jpg", after)]
    dates = [datetime(2024, 1, 5), datetime(2024, 6, 1, 9, 30)]
    c = compare([before, after], mdc={"shoulder_tilt_deg": 1.2}, dates=dates, date_sources=["exif", "given"])
    content = build_content(photos, c, now=NOW)
    (row,) = [r for r in content.rows if r.name == "shoulder_tilt_deg"]
    assert row.threshold == "1.2°"
    assert [p.date for p in content.photos] == [
        "2024-01-05 (taken, from the photo's EXIF)",
        "2024-06-01 09:30 (date given)",
    ]


def test_a_row_not_compared_for_the_stance_says_so_beside_its_values() -> None:
    before, after = meas(), meas()
    assert after.subject is not None
    after = replace(after, subject=replace(after.subject, stance=Stance(0.3, "left", 0.0, "left")))
    photos = [ComparedPhoto("before.jpg", before), ComparedPhoto("after.jpg", after)]
    rows = {r.name: r for r in build_content(photos, compare([before, after]), now=NOW).rows}
    assert "uneven stance in the after photo (left leg)" in rows["knee_tilt_deg"].note
    assert rows["shoulder_tilt_deg"].verdict != "Not comparable"


def test_three_photos_give_a_row_for_every_visit_and_first_to_last() -> None:
    # Shoulders: right higher by 6, then left higher by 5 (over-corrected), then left higher by 1.
    ms = [meas({"shoulder_tilt_deg": v}, u=0.3) for v in (-6.0, 5.0, 1.0)]
    photos = [ComparedPhoto(f"{k}.jpg", m) for k, m in enumerate(ms)]
    c = compare(ms, mdc={"shoulder_tilt_deg": 1.2})
    rows = build_content(photos, c, now=NOW).rows
    assert [r.name for r in rows] == [n for n in METRIC_NAMES for _ in range(3)]
    shoulders = [r for r in rows if r.name == "shoulder_tilt_deg"]
    assert [r.pair for r in shoulders] == ["1 → 2", "2 → 3", "1 → 3 (first to last)"]
    assert [r.verdict_text for r in shoulders] == ["Reversed: left higher now", "Improved", "Reversed: left higher now"]
    assert [r.verdict for r in shoulders] == [p.verdict for p in c.metric("shoulder_tilt_deg").pairs]
    assert shoulders[0].before.startswith("Right shoulder higher by 6.0°") and shoulders[0].after.startswith(
        "Left shoulder higher by 5.0°"
    )
    assert shoulders[1].before.startswith("Left shoulder higher by 5.0°") and shoulders[1].after.startswith(
        "Left shoulder higher by 1.0°"
    )
    assert shoulders[0].change == "11.0° ± 0.4°, left side up" and shoulders[1].change == "4.0° ± 0.4°, right side up"
    assert (
        "crossed level" in shoulders[0].note and "right higher in photo 1, left higher in photo 2" in shoulders[0].note
    )


def test_the_trend_on_a_pdf_page_is_readable_and_leaves_out_an_uneven_stance() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from posture.report.pdf import MARGIN, PAGE

    dates = [datetime(2024, m, 5) for m in (1, 2, 3, 4)]
    ms = [
        with_methods(meas({"knee_tilt_deg": k}, u=0.5), shoulder_tilt_deg=(method, 4.0, 2.5))
        for k, method in ((0.1, "silhouette"), (-1.0, "landmarks"), (-3.0, "landmarks"), (13.0, "landmarks"))
    ]
    last = ms[3]
    assert last.subject is not None
    ms[3] = replace(last, subject=replace(last.subject, stance=Stance(0.3, "left", 0.0, "left")))
    photos = [ComparedPhoto(f"{k}.jpg", m) for k, m in enumerate(ms)]
    mdc = {n: 1.5 for n in METRIC_NAMES}
    content = build_content(photos, compare(ms, dates=dates, mdc=mdc), now=NOW)
    assert content.trend is not None
    # The chart page's width, as the PDF draws it (report/pdf.py: the page less its margins).
    fig = Figure(figsize=(PAGE[0] - 2 * MARGIN, 2.4 * content.trend_rows + 0.4), layout="constrained")
    content.trend(fig)
    FigureCanvasAgg(fig).draw()
    axes = [ax for ax in fig.axes if ax.get_visible()]
    titles = [ax.title.get_window_extent() for ax in axes]
    assert not any(a.overlaps(b) for i, a in enumerate(titles) for b in titles[i + 1 :])
    for ax in axes:
        box = ax.get_window_extent()
        legend = ax.get_legend()
        if legend is not None:  # inside its panel, and naming the noise band only (the title names the line)
            lb = legend.get_window_extent()
            assert box.x0 <= lb.x0 and lb.x1 <= box.x1, ax.get_title()
            assert [t.get_text() for t in legend.get_texts()] in (
                ["within noise of first (±1.5 °)"],
                ["within noise of first (±1.5 %)"],
            )
        assert [t.get_text() for t in ax.get_xticklabels()] == [f"{d:%Y-%m-%d}" for d in dates]
    by_title = {ax.get_title().split("\n")[0]: ax for ax in axes}
    knees = by_title["Knees"]
    assert "photo 4 left out: uneven stance" in knees.get_title()
    assert 13.0 not in list(knees.lines[0].get_ydata())  # the stance's knee line is not drawn as a trend
    assert "left out" not in by_title["Shoulders"].get_title()


def test_a_stored_measurement_whose_photo_is_gone_shows_its_lines_and_says_why() -> None:
    import numpy as np

    from posture.render.styles import DEFAULT_REPORT_STYLE

    before, after = meas({"shoulder_tilt_deg": -3.0}, u=0.5), meas(u=0.5)
    rgb = np.full((1500, 1000, 3), 200, np.uint8)
    photos = [ComparedPhoto("#1", before), ComparedPhoto("after.jpg", after, rgb)]  # #1: photo gone
    gone, kept = build_content(photos, compare([before, after]), now=NOW).panels
    assert "photo not available (moved, changed or deleted since it was saved)" in gone.caption
    assert "not available" not in kept.caption
    background = np.array(DEFAULT_REPORT_STYLE.background_rgb, np.uint8)
    drawn = np.any(gone.image != background, axis=2).mean()
    assert drawn > 0.005, drawn  # the shoulder, hip and knee lines and their values, not a blank box


def test_a_value_the_comparison_holds_level_says_so_in_its_cell_as_in_the_terminal() -> None:
    # Single-pass photos: no uncertainty, so the photo's own words name a side; the comparison holds
    # a value within the single-pass noise (knees: MDC 4.4°, so 3.1° / sqrt(2)) as level.
    from posture.compare import compare as compare_
    from posture.compare_text import value_text
    from posture.noise import MDC95, MDC95_SINGLE_PASS

    before = meas({"knee_tilt_deg": 2.0, "pelvic_tilt_deg": 4.0}, passes=1)
    after = meas({"knee_tilt_deg": -2.0, "pelvic_tilt_deg": 4.0}, passes=1)
    photos = [ComparedPhoto("before.jpg", before), ComparedPhoto("after.jpg", after)]
    c = compare_([before, after], mdc=MDC95, mdc_single_pass=MDC95_SINGLE_PASS)
    rows = {r.name: r for r in build_content(photos, c, now=NOW).rows}
    knees = rows["knee_tilt_deg"]
    assert knees.before == "Left knee higher by 2°, within noise of level", knees.before
    assert knees.after == "Right knee higher by 2°, within noise of level", knees.after
    (pair,) = [m for m in c.metrics if m.name == "knee_tilt_deg"][0].pairs
    assert value_text("knee_tilt_deg", 2.0, None, "deg", pair.sides[0]).endswith(", within noise of level")
    # 4° of hip line is beyond a single pass's 2.1° / sqrt(2): the side stands, nothing is added.
    assert rows["pelvic_tilt_deg"].before == "Left hip higher by 4°", rows["pelvic_tilt_deg"].before
