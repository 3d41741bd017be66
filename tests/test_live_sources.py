"""Frame sources: files, image sequences, cameras (faked), mirror flips and clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from posture.errors import SourceError
from posture.images import load_image
from posture.live import sources
from posture.live.sources import open_source

cv2 = pytest.importorskip("cv2")


def _bgr_frame(i: int) -> np.ndarray:
    """A 64x48 BGR frame: red on the left half, frame number in the green channel."""
    f = np.zeros((48, 64, 3), np.uint8)
    f[:, :32, 2] = 255
    f[:, :, 1] = i
    return f


class FakeCapture:
    """A camera that gives ``n`` frames and then fails, like one unplugged mid-session."""

    def __init__(self, n: int, opened: bool = True) -> None:
        self.n, self.i, self.opened, self.released = n, 0, opened, False

    def isOpened(self) -> bool:
        return self.opened

    def read(self):
        if self.i >= self.n:
            return False, None
        self.i += 1
        return True, _bgr_frame(self.i)

    def get(self, prop: int) -> float:
        return 30.0

    def release(self) -> None:
        self.released = True


def test_missing_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        open_source(tmp_path / "nope.mp4")


def test_unreadable_file_is_one_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "notes.mp4"
    p.write_text("not a video")
    with pytest.raises(SourceError, match="not a video or image that can be read"):
        open_source(p)


def test_empty_folder_and_empty_pattern(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no images"):
        open_source(tmp_path)
    with pytest.raises(SourceError, match="no images match"):
        open_source(str(tmp_path / "*.png"))


def test_image_sequence_in_order_as_rgb(tmp_path: Path) -> None:
    for i in range(5):
        cv2.imwrite(str(tmp_path / f"f{i:03d}.png"), _bgr_frame(i))
    (tmp_path / "readme.txt").write_text("ignored")
    with open_source(tmp_path) as src:
        frames = list(src)
        assert src.fps == 30.0 and not src.mirrored and src.size == (64, 48)
    assert [int(f[0, 0, 1]) for f in frames] == [0, 1, 2, 3, 4]
    assert tuple(frames[0][0, 0]) == (255, 0, 0)  # BGR red arrives as RGB red
    with open_source(str(tmp_path / "f00[0-2].png"), fps=10) as src:
        assert len(list(src)) == 3 and src.fps == 10


def test_sequence_frames_are_read_as_photos_are(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    rgba = np.zeros((48, 64, 4), np.uint8)
    rgba[..., 2] = 200
    rgba[:, :32, 3] = 255  # the right half transparent
    cv2.imwrite(str(tmp_path / "f000.png"), rgba)
    (tmp_path / "f001.png").write_bytes(b"not an image")
    cv2.imwrite(str(tmp_path / "f002.png"), np.zeros((4, 400, 3), np.uint8))  # 100:1, refused as a photo is
    cv2.imwrite(str(tmp_path / "f003.png"), _bgr_frame(3))
    with open_source(tmp_path) as src:
        frames = list(src)
    assert len(frames) == 2 and int(frames[1][0, 0, 1]) == 3
    np.testing.assert_array_equal(frames[0], load_image(tmp_path / "f000.png", min_side=1).rgb)
    assert tuple(frames[0][0, 0]) == (200, 0, 0) and tuple(frames[0][0, -1]) == (255, 255, 255)  # on white
    assert "f001.png" in caplog.text and "f002.png" in caplog.text


def test_video_file_frames_and_rate(tmp_path: Path) -> None:
    p = tmp_path / "v.avi"
    out = cv2.VideoWriter(str(p), cv2.VideoWriter.fourcc(*"MJPG"), 12.0, (64, 48))
    for i in range(7):
        out.write(_bgr_frame(i))
    out.release()
    with open_source(p) as src:
        assert len(list(src)) == 7 and src.fps == 12.0 and src.end_reason == "end of video"


def test_mirror_flips_left_and_right(tmp_path: Path) -> None:
    cv2.imwrite(str(tmp_path / "a.png"), _bgr_frame(0))
    with open_source(tmp_path, mirror=True) as src:
        frame = next(iter(src))
    assert tuple(frame[0, -1]) == (255, 0, 0) and tuple(frame[0, 0]) == (0, 0, 0)


def test_no_camera_is_one_clear_error() -> None:
    fake = FakeCapture(0, opened=False)
    with pytest.raises(SourceError, match=r"camera 3: cannot be opened .*--source FILE"):
        open_source(camera=3, capture_factory=lambda i: fake)
    assert fake.released


def test_camera_disconnecting_ends_the_stream_cleanly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "CAMERA_RETRIES", 2)
    fake = FakeCapture(6)
    with open_source(capture_factory=lambda i: fake) as src:
        assert src.mirrored and src.fps is None and src.nominal_fps == 30.0
        n = sum(1 for _ in src)
        assert src.end_reason == "camera disconnected"
    assert n >= 1 and fake.released  # a camera keeps only its newest frame, so some may be skipped


def test_closing_early_releases_the_reader(tmp_path: Path) -> None:
    for i in range(20):
        cv2.imwrite(str(tmp_path / f"f{i:03d}.png"), _bgr_frame(i))
    src = open_source(tmp_path, prefetch=2)
    it = iter(src)
    next(it)
    src.close()
    assert src._thread is None
