"""Baseline for benchmarks/speed.py (b): the least a script can do to get the two tilts.

Loads the same bundled pose model with MediaPipe's Tasks API, detects one
photo, prints shoulder and hip-line tilt in degrees (positive: the person's
left side higher, as posture reports them). No checks, no JSON, no
uncertainty: what ``posture analyze PHOTO --json --fast`` is compared with.

Usage: python benchmarks/minimal_tilts.py PHOTO
"""

import math
import sys
from pathlib import Path

import mediapipe as mp
from mediapipe.tasks.python import BaseOptions, vision

MODEL = Path(__file__).resolve().parents[1] / "posture" / "models" / "pose_landmarker_full.task"


def tilt(left, right, w, h):
    # Image y points down; positive when the left point is higher.
    return math.degrees(math.atan2((right.y - left.y) * h, (left.x - right.x) * w))


def main() -> None:
    image = mp.Image.create_from_file(sys.argv[1])
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(MODEL)), running_mode=vision.RunningMode.IMAGE
    )
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        result = landmarker.detect(image)
    if not result.pose_landmarks:
        print("no person")
        return
    p, w, h = result.pose_landmarks[0], image.width, image.height
    print(f"shoulder_tilt_deg {tilt(p[11], p[12], w, h):.1f}")
    print(f"pelvic_tilt_deg {tilt(p[23], p[24], w, h):.1f}")


if __name__ == "__main__":
    main()
