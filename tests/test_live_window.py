"""The window path under a virtual X server (Xvfb), with a screenshot taken mid-session.

Skipped when Xvfb is not installed (``apt-get install xvfb``). The
screenshot is saved as ``live_window.png`` in the test's temporary folder
(its path is printed with ``-s``) so it can be looked at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from _live_media import read_log, rotation_frames, write_video
from conftest import ROOT, photo

pytest.importorskip("cv2")


def _free_display() -> int:
    for n in range(90, 140):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    pytest.skip("no free X display number")


@pytest.fixture
def xvfb() -> str:
    """A private Xvfb server; yields its DISPLAY."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb not installed (apt-get install xvfb)")
    n = _free_display()
    proc = subprocess.Popen(
        ["Xvfb", f":{n}", "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{n}").exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.skip("Xvfb did not start")
            time.sleep(0.05)
        yield f":{n}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _screenshot(display: str, path: Path) -> bool:
    env = {**os.environ, "DISPLAY": display}
    if shutil.which("import"):
        cmd = ["import", "-window", "root", str(path)]
    elif shutil.which("xwd") and shutil.which("convert"):
        cmd = ["sh", "-c", f"xwd -root -silent | convert xwd:- {path}"]
    else:
        return False
    return subprocess.run(cmd, env=env, capture_output=True, timeout=30).returncode == 0 and path.exists()


def test_window_shows_the_annotated_frames(xvfb: str, tmp_path: Path) -> None:
    frames, _ = rotation_frames(photo("front_full__posenet_yoga.jpg"), 1, 0.0, (640, 480))
    src = write_video(tmp_path / "still.mp4", [frames[0]] * 150)
    log = tmp_path / "w.csv"
    env = {**os.environ, "DISPLAY": xvfb}
    p = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "posture",
            "live",
            "--source",
            str(src),
            "--mirror-view",
            "--capture",
            "1",
            "--log",
            str(log),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not log.exists() or len(log.read_text().splitlines()) < 60):
        time.sleep(0.1)
    shot = tmp_path / "live_window.png"
    took = _screenshot(xvfb, shot)
    out, err = p.communicate(timeout=240)  # the capture's frames are analysed as photos at the end
    assert p.returncode == 0, err
    assert len(read_log(log)) == 150 and "Capture at" in out
    print(f"screenshot: {shot}")
    if not took:
        pytest.skip("no screenshot tool (imagemagick or xwd)")
    import cv2

    img = cv2.imread(str(shot))
    # The window holds the frame: the root window is no longer uniformly black, and the overlay's
    # orange (left) and sky-blue (right) labels are on it.
    assert img is not None and img.std() > 10
    rgb = img[..., ::-1].astype(int)
    for colour in ((255, 140, 0), (0, 200, 255)):
        assert (np.abs(rgb - colour).sum(axis=2) < 40).sum() > 30
