"""What a live session writes: the per-frame CSV log and the annotated video.

Both are context managers that keep what was written when the session ends
in any way (stream end, Ctrl-C, SIGTERM, SIGHUP, an error): the log is flushed
row by row, and the video is written to a temporary file beside the target
and moved into place when closed, so the target never holds a half-written
file. Neither replaces an existing file unless ``force`` (the log is created
exclusively, the video linked into place, see :func:`posture.output.place`),
and the log's text cells can't be spreadsheet formulas (:mod:`posture.csvsafe`).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from posture.errors import OutputError
from posture.live.session import CSV_COLUMNS, FrameRecord
from posture.output import place

VIDEO_CODECS = {".mp4": "mp4v", ".m4v": "mp4v", ".mov": "mp4v", ".avi": "MJPG", ".mkv": "MJPG"}
"""FourCC per file type of ``--record``."""


class CsvLog:
    """One row per processed frame (columns :data:`~posture.live.session.CSV_COLUMNS`)."""

    def __init__(self, path: str | Path, *, force: bool = False) -> None:
        self.path = Path(path)
        self.force = force
        self.rows = 0
        self._file: Any = None
        self._writer: Any = None

    def __enter__(self) -> CsvLog:
        from posture.csvsafe import SafeDictWriter

        try:
            self._file = self.path.open("w" if self.force else "x", newline="", encoding="utf-8")
        except FileExistsError:
            raise OutputError(f"{self.path}: already exists; use --force to overwrite it") from None
        except OSError as e:
            raise OutputError(f"{self.path}: cannot write ({e.strerror or e})") from None
        self._writer = SafeDictWriter(self._file, fieldnames=CSV_COLUMNS)
        self._writer.writeheader()
        return self

    def write(self, rec: FrameRecord) -> None:
        """Append one frame's row (flushed, so an abrupt end loses nothing)."""
        self._writer.writerow(rec.to_row())
        self._file.flush()
        self.rows += 1

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class VideoRecorder:
    """Writes RGB frames to a video file (MPEG-4 Part 2 in .mp4, Motion JPEG in .avi).

    The writer opens on the first frame (its size fixes the video's); frames
    are converted to OpenCV's BGR here.
    """

    def __init__(self, path: str | Path, fps: float, *, force: bool = False) -> None:
        self.path = Path(path)
        self.fps = float(fps)
        self.force = force
        self.frames = 0
        codec = VIDEO_CODECS.get(self.path.suffix.lower())
        if codec is None:
            raise OutputError(f"{self.path}: unsupported video type; use {', '.join(VIDEO_CODECS)}")
        self._codec = codec
        self._tmp: str | None = None
        self._writer: Any = None
        self._size: tuple[int, int] | None = None

    def __enter__(self) -> VideoRecorder:
        return self

    def _open(self, size: tuple[int, int]) -> None:
        import cv2

        try:
            fd, self._tmp = tempfile.mkstemp(
                dir=self.path.parent, prefix=f".{self.path.stem}.", suffix=self.path.suffix
            )
        except OSError as e:
            raise OutputError(f"{self.path}: cannot write ({e.strerror or e})") from None
        os.close(fd)
        self._writer = cv2.VideoWriter(self._tmp, cv2.VideoWriter.fourcc(*self._codec), self.fps, size)
        if not self._writer.isOpened():
            self._discard()
            raise OutputError(f"{self.path}: this OpenCV build cannot write {self.path.suffix} video")
        self._size = size

    def write(self, rgb: NDArray[np.uint8]) -> None:
        """Append one ``(H, W, 3)`` uint8 RGB frame; frames of another size are resized to the first's."""
        import cv2

        size = (int(rgb.shape[1]), int(rgb.shape[0]))
        if self._writer is None:
            self._open(size)
        bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
        if size != self._size:
            bgr = cv2.resize(bgr, self._size)
        self._writer.write(bgr)
        self.frames += 1

    def _discard(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None
        if self._tmp is not None and os.path.exists(self._tmp):
            os.unlink(self._tmp)
        self._tmp = None

    def close(self) -> None:
        """Finish the file and move it into place (idempotent); nothing is written without frames."""
        if self._writer is None:
            return
        self._writer.release()
        self._writer = None
        if self._tmp is not None:
            tmp, self._tmp = self._tmp, None
            place(tmp, self.path, force=self.force)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
