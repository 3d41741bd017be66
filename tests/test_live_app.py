"""``run_live`` in-process: a camera that disconnects mid-session ends cleanly and keeps the log."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from _live_media import read_log, rotation_frames
from conftest import photo

cv2 = pytest.importorskip("cv2")

from posture.live import (  # noqa: E402
    LiveOptions,
    run_live,
    sources,  # noqa: E402
)
from posture.live.display import NoDisplay  # noqa: E402


class UnpluggedCamera:
    """Gives ``n`` BGR frames, then fails for good."""

    def __init__(self, frame: np.ndarray, n: int) -> None:
        self.frame, self.n = frame, n

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's name
        return True

    def read(self):
        if self.n <= 0:
            return False, None
        self.n -= 1
        return True, self.frame.copy()

    def get(self, prop: int) -> float:
        return 30.0

    def release(self) -> None:
        pass


def test_camera_disconnecting_mid_session_ends_cleanly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    frames, _ = rotation_frames(photo("front_full__posenet_yoga.jpg"), 1, 0.0, (320, 240))
    bgr = cv2.cvtColor(frames[0], cv2.COLOR_RGB2BGR)
    opened = sources.open_source
    monkeypatch.setattr(sources, "CAMERA_RETRIES", 2)
    monkeypatch.setattr(
        sources,
        "open_source",
        lambda *a, **k: opened(*a, **{**k, "capture_factory": lambda i: UnpluggedCamera(bgr, 12)}),
    )
    messages: list[str] = []
    display = NoDisplay()
    display.message = messages.append  # type: ignore[method-assign]
    log = tmp_path / "cam.csv"
    summary = run_live(LiveOptions(log=str(log), capture=30.0), display=display)
    assert summary.ended_by == "camera disconnected"
    assert summary.mirrored and summary.source == "camera 0"
    assert summary.model.bundled and summary.model.name and summary.model.sha256  # the bundled model ran
    rows = read_log(log)
    assert 1 <= len(rows) == summary.frames <= 12  # a camera keeps only its newest frame: some may be dropped
    # --capture waits for a stance held 1 s, which a 12-frame camera never gives: the session says why.
    assert not summary.captures and summary.capture_failures[0].startswith("Capture not started: the session ended")
    assert summary.capture_failures[0] in messages and summary.capture_failures[0] in summary.lines()
