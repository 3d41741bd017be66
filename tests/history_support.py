"""Helpers for the history tests: measurements built without the pose model,
and a worker process that saves them (run as a script by the reliability tests).

Worker usage: ``python tests/history_support.py DB TAG [COUNT [PAUSE]]`` opens DB,
prints ``ready``, waits for a line on stdin (so that the reader of ``ready``
cannot buffer ids past it), then saves
COUNT measurements (forever without COUNT), printing each id after its
transaction committed and pausing PAUSE seconds between saves (as people
do; without pauses one writer may finish before SQLite's busy handler lets
the other in).
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from posture.measure import METRIC_NAMES, metric_unit  # noqa: E402
from posture.provenance import Method, Model, Source
from posture.result import Assumptions, Metric, PostureMeasurement, Subject  # noqa: E402


def sample_measurement(
    seed: int | str = 0,
    *,
    shoulder: float = 1.5,
    pelvic: float | None = -0.8,
    uncertainty: float | None = 0.4,
    taken_at: str | None = "2024-03-01T09:30:00",
    sha256: str | None = "",
    path: str | None = "/photos/me.jpg",
    status: str = "measured",
    person: int = 0,
) -> PostureMeasurement:
    """A measured result as :class:`posture.analyze.Analyzer` would give it.

    ``sha256=""`` derives a distinct photo hash from ``seed``; None leaves it out.
    """
    if sha256 == "":
        sha256 = hashlib.sha256(f"photo-{seed}".encode()).hexdigest()
    values: dict[str, float | None] = {n: None for n in METRIC_NAMES}
    values["shoulder_tilt_deg"] = shoulder
    values["pelvic_tilt_deg"] = pelvic
    values["head_shift_pct"] = 3.25
    metrics = {
        n: Metric(value=v, unit=metric_unit(n), uncertainty=uncertainty)
        if v is not None
        else Metric.missing(metric_unit(n), "not visible")
        for n, v in values.items()
    }
    return PostureMeasurement(
        status=status,  # type: ignore[arg-type]
        message=status,
        source=Source(path=path, width=640, height=480, sha256=sha256, format="JPEG", taken_at=taken_at),
        model=Model(name="pose_landmarker_full", sha256="0" * 64, bundled=True, posture_version="test"),
        assumptions=Assumptions(mirrored=False, level_mode="manual", roll_deg=1.25, height_cm=170.0),
        subject=Subject(view="front", people_detected=1, index=person, turn_deg=5.0),
        metrics=metrics,
        warnings=("a warning",),
        method=Method(passes=5, min_score=0.5),
    )


def _worker(db: str, tag: str, count: int | None, pause: float = 0.0) -> None:
    import time

    from posture.history import History

    blob = os.urandom(48_000)  # a thumbnail-sized payload makes each transaction span several pages
    with History.open(db) as h:
        print("ready", flush=True)
        sys.stdin.readline()
        i = 0
        while count is None or i < count:
            m = sample_measurement(f"{tag}-{i}", shoulder=float(i % 7), taken_at=None)
            new_id, created = h.save(m, name=tag, note=f"{tag} {i}", thumbnail=blob)
            assert created
            print(new_id, flush=True)
            i += 1
            if pause:
                time.sleep(pause)


if __name__ == "__main__":
    _worker(
        sys.argv[1],
        sys.argv[2],
        int(sys.argv[3]) if len(sys.argv) > 3 else None,
        float(sys.argv[4]) if len(sys.argv) > 4 else 0.0,
    )
