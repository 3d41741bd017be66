"""The app's live check: camera frames from the page through :class:`posture.live.session.LiveSession`.

The page sends its camera's frames one at a time; each live session of the
app (:class:`LiveRoom`) has its own pose detector in VIDEO mode for the
preview, the guide's stance problems and instruction
(:mod:`posture.live.guide`), and captures as ``posture live`` takes them
(:mod:`posture.live.capture`). A capture's frames are analysed as photos in
the app's :class:`~posture.app.pool.AnalysisPool` (:class:`PoolWorker`),
away from the preview's detector, so the preview keeps coming meanwhile.

Each analysed frame is a JPEG (kept in memory while its session lasts), so
a capture's combined measurement names the frame it was drawn from by that
JPEG's SHA-256: the page fetches it and saves the capture exactly as a photo
analysis of that moment (``POST /api/history``).

Frames are the camera's own (not mirrored): left and right are the person's
own sides, whatever the page shows.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from posture import wording
from posture.app.pool import AnalysisPool
from posture.live import guide
from posture.live.capture import AnalysisJob, lower_thread_priority
from posture.live.session import CaptureProgress, CaptureResult, FrameRecord, LiveConfig, LiveSession
from posture.measure import needed_landmarks
from posture.metrics import METRICS
from posture.result import PostureMeasurement

RGB = NDArray[np.uint8]

MAX_ROOMS = 2
"""Live sessions at once (each holds a pose model)."""

IDLE_S = 60.0
"""A live session that has sent no frame for this long is closed when another starts."""

KEPT_FRAMES = 24
"""Analysed frames (JPEG) a live session keeps for saving, the newest."""

CAPTURE_NICE = 10
"""A capture's analysis runs at this lower priority (its own thread's share, Linux), so the preview keeps its pace."""

FRAME_NAME = "live-capture.jpg"
"""The file name of a capture's frame (``source.path`` of its measurement)."""


class PoolWorker:
    """A capture's frames analysed as photos (the full analysis) in the app's pool, one at a time,
    from a thread at nice +:data:`CAPTURE_NICE` (its Python and NumPy work; MediaPipe's own threads
    keep the priority they were started with).

    Each frame is encoded as JPEG and analysed from those bytes, so its measurement's
    ``source.sha256`` names the JPEG kept in :attr:`photos`.
    """

    def __init__(self, pool: AnalysisPool) -> None:
        self._pool = pool
        self._settings = replace(pool.base, fast=False, mirrored=False, roll_deg=None, auto_level=False)
        self._thread = ThreadPoolExecutor(
            1, thread_name_prefix="posture-app-capture", initializer=lower_thread_priority, initargs=(CAPTURE_NICE,)
        )
        self._lock = threading.Lock()
        self.photos: OrderedDict[str, bytes] = OrderedDict()

    def submit(self, frames: Sequence[RGB]) -> AnalysisJob:
        """Analyse ``frames``; the job's futures complete in frame order."""
        return AnalysisJob([self._thread.submit(self._analyse, rgb) for rgb in frames])

    def _analyse(self, rgb: RGB) -> PostureMeasurement:
        from posture.images import load_image_bytes
        from posture.output import encode

        data = encode(rgb, "JPEG", quality=92)
        image = load_image_bytes(data, FRAME_NAME, max_pixels=self._settings.max_pixels)
        with self._lock:
            self.photos[image.sha256] = data
            while len(self.photos) > KEPT_FRAMES:
                self.photos.popitem(last=False)
        return self._pool.run(self._settings, lambda a: a.analyze(image), wait=True)

    def photo(self, sha256: str) -> bytes | None:
        """The JPEG of an analysed frame, by its SHA-256 (None when not kept)."""
        with self._lock:
            return self.photos.get(sha256)

    def close(self) -> None:
        """Drop the frames not yet analysed; one under way finishes in the background."""
        self._thread.shutdown(wait=False, cancel_futures=True)


def preview(rec: FrameRecord) -> dict[str, Any]:
    """One frame as the pages draw it (the shape of ``/api/describe``'s points, uses and
    metrics): the smoothed landmarks and the smoothed one-pass metrics, without uncertainty."""
    metrics = [wording.entry(name, rec.metric(name)) for name in METRICS]
    lm = rec.landmarks
    points: dict[str, list[float]] = {}
    if lm is not None:
        for spec in METRICS.values():
            for p in needed_landmarks(spec):
                x, y = (float(v) for v in lm[p])
                if math.isfinite(x) and math.isfinite(y) and lm.in_frame(p):
                    points[p.name.lower()] = [round(x, 1), round(y, 1)]
    uses = {n: [p.name.lower() for p in needed_landmarks(s) if p.name.lower() in points] for n, s in METRICS.items()}
    size = [lm.width, lm.height] if lm is not None else [0, 0]
    return {"size": size, "points": points, "uses": uses, "metrics": metrics, "contour": {}}


@dataclass
class LiveRoom:
    """One live session of the app: the guide, the preview's detector and the captures."""

    id: str
    session: LiveSession
    detector: Any
    worker: PoolWorker
    started: float
    last_used: float
    lock: threading.Lock

    def frame(self, rgb: RGB) -> dict[str, Any]:
        """Process one camera frame: what the page shows of it (see the API's ``/api/live/{id}/frame``)."""
        with self.lock:
            now = time.monotonic()
            failures = len(self.session.capture_failures)
            rec = self.session.process(rgb, now - self.started)
            self.last_used = now
            failed = self.session.capture_failures[failures:]
            capturing = self.session.capturing
        p = rec.capture
        return {
            "t": round(rec.t, 3),
            "people": rec.people,
            "usable": rec.usable,
            "problems": list(rec.flags),
            "instruction": guide.instruction(rec.flags),
            "refusal": rec.refusal,
            "preview": preview(rec),
            "capture": None if p is None else _progress(p),
            "capturing": capturing,
            "captured": None if rec.captured is None else self._captured(rec.captured),
            "failed": failed[-1] if failed else None,
        }

    def _captured(self, c: CaptureResult) -> dict[str, Any]:
        m = c.measurement
        sha = m.source.sha256
        photo = f"/api/live/{self.id}/photo/{sha}" if sha and self.worker.photo(sha) is not None else None
        return {"headline": c.headline(), "complete": c.complete, "photo": photo, "measurement": m.to_dict()}

    def capture(self, wait: bool) -> bool:
        """Start a capture at the next frame, or with ``wait`` once the stance holds (False: one
        is under way already)."""
        with self.lock:
            self.last_used = time.monotonic()
            if wait:
                return self.session.capture_when_ready()
            return not self.session.capturing and self.session.request_capture()

    def close(self) -> None:
        with self.lock:
            self.worker.close()
            self.detector.close()


def _progress(p: CaptureProgress) -> dict[str, Any]:
    return {
        "phase": p.phase,
        "text": p.text(),
        "elapsed_s": round(p.elapsed_s, 2),
        "span_s": p.span_s,
        "done": p.done,
        "total": p.total,
    }


class TooManyLive(Exception):
    """Every live session is in use."""


class LiveRooms:
    """The app's live sessions, by id: at most :data:`MAX_ROOMS`, idle ones closed to make room."""

    def __init__(self, pool: AnalysisPool, max_rooms: int = MAX_ROOMS, idle_s: float = IDLE_S) -> None:
        self.pool = pool
        self.max_rooms = max_rooms
        self.idle_s = idle_s
        self._rooms: dict[str, LiveRoom] = {}
        self._lock = threading.Lock()

    def open(self, config: LiveConfig) -> LiveRoom:
        """A new live session (loads a pose model: call from a worker thread).

        Raises
        ------
        TooManyLive
            :data:`MAX_ROOMS` sessions are in use and none is idle.
        """
        from posture.live.app import LIVE_NUM_POSES
        from posture.pose import PoseDetector

        now = time.monotonic()
        with self._lock:
            idle = [r for r in self._rooms.values() if r is not None and now - r.last_used > self.idle_s]
            for r in idle:
                del self._rooms[r.id]
            if len(self._rooms) >= self.max_rooms:
                raise TooManyLive(f"busy: {self.max_rooms} live sessions are open; stop one first")
            room_id = secrets.token_urlsafe(9)
            self._rooms[room_id] = None  # type: ignore[assignment]  # reserved while the model loads
        for r in idle:
            r.close()
        try:
            detector = PoseDetector(self.pool.base.model, num_poses=LIVE_NUM_POSES, video=True).__enter__()
        except BaseException:
            with self._lock:
                del self._rooms[room_id]
            raise
        worker = PoolWorker(self.pool)
        room = LiveRoom(room_id, LiveSession(detector, config, worker), detector, worker, now, now, threading.Lock())
        with self._lock:
            self._rooms[room_id] = room
        return room

    def get(self, room_id: str) -> LiveRoom | None:
        with self._lock:
            return self._rooms.get(room_id)

    def close(self, room_id: str) -> bool:
        """End one live session; False when there was none by that id."""
        with self._lock:
            room = self._rooms.pop(room_id, None)
        if room is None:
            return False
        room.close()
        return True

    def close_all(self) -> None:
        with self._lock:
            rooms, self._rooms = [r for r in self._rooms.values() if r is not None], {}
        for r in rooms:
            r.close()
