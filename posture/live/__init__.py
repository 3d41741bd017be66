"""The live check: camera or video in, steady shoulder and hip-line readings out.

* :mod:`posture.live.session`: the loop over any iterable of RGB frames
  (records, One-Euro smoothing, captures, alerts; no I/O);
* :mod:`posture.live.guide`: the stance's problems and the one instruction to give;
* :mod:`posture.live.capture`: a capture's frames chosen, analysed as photos in
  the background and combined into one measurement;
* :mod:`posture.live.smoothing`: the One Euro filter;
* :mod:`posture.live.sources`: camera, video file and image-sequence frames;
* :mod:`posture.live.overlay`: drawing a record on its frame;
* :mod:`posture.live.display`: the OpenCV window and the terminal table;
* :mod:`posture.live.outputs`: the per-frame CSV log and the annotated video;
* :mod:`posture.live.app`: :func:`run_live`, all of it behind ``posture live``.

Importing this package loads neither OpenCV nor MediaPipe nor rich.
"""

from posture.live.app import LiveOptions, LiveSummary, run_live
from posture.live.capture import CaptureWorker
from posture.live.session import (
    CSV_COLUMNS,
    DEFAULT_ALERTS,
    AlertRule,
    CaptureResult,
    FrameRecord,
    LiveConfig,
    LiveSession,
)
from posture.live.smoothing import OneEuroFilter, OneEuroParams

__all__ = [
    "CSV_COLUMNS",
    "DEFAULT_ALERTS",
    "AlertRule",
    "CaptureResult",
    "CaptureWorker",
    "FrameRecord",
    "LiveConfig",
    "LiveOptions",
    "LiveSession",
    "LiveSummary",
    "OneEuroFilter",
    "OneEuroParams",
    "run_live",
]
