"""Generated test videos for the live check (written to a test's tmp_path, never to the repo)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def letterbox(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``rgb`` scaled to fit ``size`` (width, height), centred on grey."""
    import cv2

    w, h = size
    f = min(w / rgb.shape[1], h / rgb.shape[0])
    small = cv2.resize(rgb, (round(rgb.shape[1] * f), round(rgb.shape[0] * f)), interpolation=cv2.INTER_AREA)
    out = np.full((h, w, 3), 128, np.uint8)
    y, x = (h - small.shape[0]) // 2, (w - small.shape[1]) // 2
    out[y : y + small.shape[0], x : x + small.shape[1]] = small
    return out


def rotation_frames(
    photo: Path, n: int, step_deg: float, size: tuple[int, int] = (640, 480)
) -> tuple[list[np.ndarray], np.ndarray]:
    """RGB frames of ``photo`` rotated counter-clockwise by ``i * step_deg`` (frame i), and the angles."""
    import cv2

    base = letterbox(cv2.cvtColor(cv2.imread(str(photo)), cv2.COLOR_BGR2RGB), size)
    angles = np.arange(n) * step_deg
    centre = (size[0] / 2, size[1] / 2)
    frames = [
        cv2.warpAffine(base, cv2.getRotationMatrix2D(centre, float(a), 1.0), size, borderValue=(128, 128, 128))
        for a in angles
    ]
    return frames, angles


def write_video(path: Path, frames: list[np.ndarray], fps: float = 25.0) -> Path:
    """Write RGB frames as an MPEG-4 video."""
    import cv2

    h, w = frames[0].shape[:2]
    out = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (w, h))
    assert out.isOpened(), "OpenCV cannot write mp4v here"
    for f in frames:
        out.write(cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    out.release()
    return path


def read_log(path: Path) -> list[dict[str, str]]:
    """Rows of a ``--log`` CSV."""
    import csv

    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def column(rows: list[dict[str, str]], name: str) -> np.ndarray:
    """One CSV column as floats (NaN for empty cells)."""
    return np.array([float(r[name]) if r[name] else np.nan for r in rows])
