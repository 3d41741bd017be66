"""Shared fixtures: where the real photos are, and one open analyser per session.

Real photographs live in ``../shared/photos`` beside the checkout (or where
``POSTURE_SHARED`` points); they are not part of the project. Tests that
need them are skipped when they are absent.

A test is marked ``slow`` when it runs the pose model (it uses one of
``MODEL_FIXTURES``, or is marked by hand) or starts posture processes (its
module is in ``PROCESS_MODULES``): ``pytest -m "not slow"`` is the quick run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("POSTURE_SHARED", ROOT.parent / "shared"))
PHOTOS = SHARED / "photos" / "images"
VIDEOS = SHARED / "photos" / "videos"
PROTOCOL = SHARED / "photos" / "protocol"
SYNTHETIC = SHARED / "synthetic"
SAMPLES = ROOT / "sample_images"


MODEL_FIXTURES = frozenset({"analyzer", "augmented_analyzer", "detector", "analyzers", "segmenter", "measured"})
PROCESS_MODULES = frozenset(
    {
        "test_cli",
        "test_batch_cli",
        "test_compare_cli",
        "test_history_cli",
        "test_live_cli",
        "test_live_window",
        "test_notebook",
        "test_history_reliability",
        "test_privacy",
        "test_batch_pool",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that run the model or posture processes as ``slow``."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if (
            fixtures & MODEL_FIXTURES
            or item.module is not None
            and item.module.__name__.rpartition(".")[2] in PROCESS_MODULES
        ):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def misnamed_model(tmp_path: Path) -> Path:
    """A ``.task`` bundle MediaPipe refuses: the bundled detector under another file name."""
    import zipfile

    from posture.pose import bundled_model_path

    with zipfile.ZipFile(bundled_model_path()) as z:
        detector_model = z.read("pose_detector.tflite")
    bad = tmp_path / "renamed.task"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("detector.tflite", detector_model)
    return bad


def photo(name: str) -> Path:
    """Path of a real photo; skips the test when the photo set is absent."""
    p = PHOTOS / name
    if not p.is_file():
        pytest.skip(f"real photo {name} not available (../shared/photos)")
    return p


def protocol(name: str) -> Path:
    """Path of a file of the protocol set (``images/...`` or ``videos/...``); skips when absent."""
    p = PROTOCOL / name
    if not p.is_file():
        pytest.skip(f"protocol file {name} not available (../shared/photos/protocol)")
    return p


def photos(prefix: str) -> list[Path]:
    """Real photos whose names start with ``prefix`` (empty when absent)."""
    return sorted(PHOTOS.glob(prefix + "*")) if PHOTOS.is_dir() else []


@pytest.fixture(scope="session")
def analyzer() -> Iterator["object"]:
    """One fast (single-pass) analyser with the bundled model, shared by the session."""
    from posture.analyze import Analyzer
    from posture.settings import Settings

    with Analyzer(Settings(fast=True)) as a:
        yield a


@pytest.fixture(scope="session")
def augmented_analyzer() -> Iterator["object"]:
    """One analyser with the default test-time augmentation, shared by the session."""
    from posture.analyze import Analyzer
    from posture.settings import Settings

    with Analyzer(Settings()) as a:
        yield a


@pytest.fixture(scope="session")
def detector() -> Iterator["object"]:
    """The bundled pose detector in IMAGE mode, shared by the session."""
    from posture.pose import PoseDetector

    with PoseDetector() as d:
        yield d


@pytest.fixture(scope="session")
def segmenter() -> Iterator["object"]:
    """The bundled pose detector in IMAGE mode with segmentation masks, shared by the session."""
    from posture.pose import PoseDetector

    with PoseDetector(segmentation=True) as d:
        yield d
