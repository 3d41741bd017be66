"""posture.report.content: what the comparison table says for each photo."""

from __future__ import annotations

from test_compare import meas, with_methods

from posture.compare import compare
from posture.inputs import ComparedPhoto
from posture.report.content import _cell


def test_report_cells_show_the_values_compared_and_the_outline_beside_them() -> None:
    before = with_methods(meas(u=0.3), shoulder_tilt_deg=("silhouette", 4.0, 2.5), pelvic_tilt_deg=("landmarks", 1.0, 1.0))
    after = with_methods(meas(u=0.7), shoulder_tilt_deg=("landmarks", 2.6, 2.6), pelvic_tilt_deg=("landmarks", 1.0, 1.0))
    c = compare([before, after])
    photos = [ComparedPhoto("before.jpg", before), ComparedPhoto("after.jpg", after)]
    cell = _cell(c.metric("shoulder_tilt_deg"), 0, photos)
    assert cell.startswith("Left shoulder higher by 2.5° ± 0.7°")
    assert "shoulder joint landmarks" in cell and cell.endswith("from the outline: 4.0° ± 0.3°")
    assert _cell(c.metric("shoulder_tilt_deg"), 1, photos).startswith("Left shoulder higher by 2.6° ± 0.7°")
