"""Draw the metrics diagram and save it as docs/metrics_diagram.png.

Run from anywhere: ``python docs/make_diagram.py [OUTPUT.png]``. The
diagram itself is :func:`posture.diagram.draw_metrics_diagram`.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Draw the diagram of the checkout this script belongs to, even when another
# copy of posture is installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from posture.charts import figure_png
from posture.diagram import draw_metrics_diagram

DEFAULT_OUTPUT = Path(__file__).resolve().parent / "metrics_diagram.png"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else DEFAULT_OUTPUT
    out.write_bytes(figure_png(draw_metrics_diagram(), dpi=110))
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
