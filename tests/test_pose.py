"""The MediaPipe adapter: model checks, bad bundles, ranking of people."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, photo

from posture.errors import ModelError
from posture.landmarks import N_LANDMARKS, Landmarks, PoseLandmark
from posture.pose import (
    BUNDLED_MODEL_SHA256,
    bundled_model_path,
    check_model,
    rank_people,
)

L = PoseLandmark


# ------------------------------------------------------------ check_model


def test_bundled_model_is_accepted():
    info = check_model()
    assert info.bundled is True
    assert info.sha256 == BUNDLED_MODEL_SHA256
    assert Path(info.path) == bundled_model_path()
    assert info.to_dict() == {"name": "pose_landmarker_full", "sha256": BUNDLED_MODEL_SHA256, "bundled": True}
    # naming the bundled file explicitly is recognised as the bundled model too
    assert check_model(bundled_model_path()).bundled is True


def test_a_copy_of_the_bundle_under_another_name_is_accepted(tmp_path):
    p = tmp_path / "my_model.task"
    p.write_bytes(bundled_model_path().read_bytes())
    info = check_model(p)
    assert info.bundled is True and info.name == "my_model"


def test_text_file_is_not_a_model(tmp_path):
    p = tmp_path / "model.task"
    p.write_text("not a model\n")
    with pytest.raises(ModelError, match="not a MediaPipe .task bundle"):
        check_model(p)


def test_zip_without_tflite_is_not_a_model(tmp_path):
    p = tmp_path / "model.task"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("readme.txt", "hello")
        z.writestr("weights.bin", os.urandom(100))
    with pytest.raises(ModelError, match="no .tflite"):
        check_model(p)


def test_truncated_bundle_is_not_a_model(tmp_path):
    data = bundled_model_path().read_bytes()
    p = tmp_path / "half.task"
    p.write_bytes(data[: len(data) // 2])  # the zip directory is at the end
    with pytest.raises(ModelError, match="not a MediaPipe .task bundle"):
        check_model(p)


def test_folder_is_not_a_model(tmp_path):
    with pytest.raises(ModelError, match="folder"):
        check_model(tmp_path)


def test_missing_model_file(tmp_path):
    with pytest.raises(ModelError, match="no such model file"):
        check_model(tmp_path / "missing.task")


def test_model_error_is_bad_input_exit_code():
    assert ModelError.exit_code == 3


# ----------------------------------------------- bundles that fail in MediaPipe

# Opening them runs MediaPipe's native code: do it in a child process so that
# a native crash shows up as a failed test, not a dead test session.
_OPEN_SCRIPT = r"""
import json, sys
import numpy as np
from posture.errors import ModelError
from posture.pose import PoseDetector
out = {}
for path in sys.argv[1:]:
    try:
        with PoseDetector(path) as d:
            d.detect(np.zeros((256, 256, 3), np.uint8))
        out[path] = "ok"
    except ModelError as e:
        out[path] = "ModelError: " + str(e)
    except Exception as e:
        out[path] = "other: %s: %s" % (type(e).__name__, e)
print(json.dumps(out))
"""


def test_bundles_with_bad_tflite_give_model_error_not_a_crash(tmp_path):
    with zipfile.ZipFile(bundled_model_path()) as z:
        real = {n: z.read(n) for n in z.namelist()}
    names = sorted(real)  # pose_detector.tflite, pose_landmarks_detector.tflite
    bundles = {}

    def bundle(name: str, files: dict[str, bytes]) -> None:
        p = tmp_path / f"{name}.task"
        with zipfile.ZipFile(p, "w") as z:
            for n, data in files.items():
                z.writestr(n, data)
        bundles[name] = str(p)

    rng = np.random.default_rng(11)
    bundle("garbage", {n: rng.integers(0, 256, 3000, dtype=np.uint8).tobytes() for n in names})
    bundle("text_tflite", {"model.tflite": b"this is not a flatbuffer"})
    bundle("half_tflite", {names[0]: real[names[0]][: len(real[names[0]]) // 2], names[1]: real[names[1]]})
    bundle("only_detector", {names[0]: real[names[0]]})
    bundle("swapped", {names[0]: real[names[1]], names[1]: real[names[0]]})
    for p in bundles.values():
        check_model(p)  # they pass the cheap zip check: MediaPipe must be the one to refuse

    proc = subprocess.run(
        [sys.executable, "-c", _OPEN_SCRIPT, *bundles.values()],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    for name, path in bundles.items():
        assert results[path].startswith("ModelError: "), (name, results[path])
        assert path in results[path]
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr


# ------------------------------------------------------------ rank_people


def box_person(x0: float, y0: float, x1: float, y1: float, score: float = 0.9) -> Landmarks:
    """A person whose confident landmarks span exactly the box (x0, y0)-(x1, y1)."""
    xy = np.column_stack([np.linspace(x0, x1, N_LANDMARKS), np.linspace(y0, y1, N_LANDMARKS)])
    return Landmarks(
        xy=xy, visibility=np.full(N_LANDMARKS, score), presence=np.full(N_LANDMARKS, score), width=2000, height=2000
    )


def test_rank_people_orders_by_box_area():
    small = box_person(0, 0, 100, 100)  # 10 000 px^2
    tall = box_person(500, 0, 600, 400)  # 40 000 px^2
    wide = box_person(800, 800, 1000, 950)  # 30 000 px^2
    ranked = rank_people([small, tall, wide])
    assert [id(p) for p in ranked] == [id(tall), id(wide), id(small)]
    assert rank_people([]) == []


def test_rank_people_drops_near_duplicates():
    a = box_person(100, 100, 300, 500)  # 80 000 px^2
    a_dup = box_person(105, 110, 300, 505)  # IoU about 0.93 with a, slightly smaller
    beside = box_person(250, 150, 430, 500)  # IoU 17 500/125 500 = 0.14: overlapping, but someone else
    ranked = rank_people([a_dup, beside, a])
    assert ranked[0] is a
    assert ranked[1] is beside and len(ranked) == 2  # a_dup dropped
    # with a stricter threshold the duplicate survives
    assert len(rank_people([a_dup, beside, a], duplicate_iou=0.99)) == 3


def test_rank_people_ignores_low_score_landmarks_for_size():
    big_but_unsure = box_person(0, 0, 1000, 1000, score=0.2)  # box is NaN -> prominence 0
    sure = box_person(0, 0, 50, 50)
    assert rank_people([big_but_unsure, sure])[0] is sure


# --------------------------------------------------------------- detector


def test_detector_finds_one_person_with_pixel_landmarks(detector):
    from posture.images import load_image

    img = load_image(photo("front_full__posenet_yoga.jpg"))
    people = detector.detect(img.rgb)
    assert len(people) == 1
    p = people[0]
    assert (p.width, p.height) == (img.width, img.height)
    # pixel coordinates, not normalised: shoulders well inside the image
    for lm in (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP):
        assert p.in_frame(lm) and p.score(lm) > 0.5
    # facing the camera: the subject's left shoulder is at the image right, and
    # so is it in MediaPipe's world coordinates
    assert p[L.LEFT_SHOULDER][0] > p[L.RIGHT_SHOULDER][0]
    assert p.world[L.LEFT_SHOULDER][0] > p.world[L.RIGHT_SHOULDER][0]
    assert np.isfinite(p.world).all()


def test_detector_refuses_wrong_arrays(detector):
    with pytest.raises(ValueError, match="uint8"):
        detector.detect(np.zeros((200, 200, 3), np.float32))
    with pytest.raises(ValueError):
        detector.detect(np.zeros((200, 200), np.uint8))


def test_detector_finds_nobody_in_a_blank_image(detector):
    assert detector.detect(np.full((300, 300, 3), 255, np.uint8)) == []
