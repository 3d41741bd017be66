"""Analyse photos: load, detect, choose the person, measure, one result."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

import numpy as np
from numpy.typing import NDArray

from posture import __version__
from posture.errors import InputError
from posture.images import LoadedImage, load_image
from posture.measure import METRIC_NAMES, MeasureOptions, measure, metric_unit
from posture.pose import PoseDetector
from posture.result import Assumptions, Metric, PostureMeasurement, Subject
from posture.settings import Settings


def _assumptions(settings: Settings) -> Assumptions:
    return Assumptions(
        mirrored=settings.mirrored,
        level_mode="none" if settings.roll_deg is None else "manual",
        roll_deg=settings.roll_deg or 0.0,
        height_cm=settings.height_cm,
    )


class Analyzer:
    """Holds an open pose detector; analyse many images with one model load.

    Use as a context manager::

        with Analyzer(Settings(mirrored=True)) as a:
            m = a.analyze_file("selfie.jpg")
    """

    def __init__(self, settings: Settings = Settings()) -> None:
        self.settings = settings
        self._detector = PoseDetector(settings.model, num_poses=settings.num_poses)

    def __enter__(self) -> Analyzer:
        self._detector.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._detector.close()

    def load(self, path: str | Path) -> LoadedImage:
        """Read an image with this analyser's size limits."""
        return load_image(path, max_pixels=self.settings.max_pixels, min_side=self.settings.min_side)

    def analyze_file(self, path: str | Path) -> PostureMeasurement:
        """Load and analyse one image file (raises :class:`InputError` on bad files)."""
        return self.analyze(self.load(path))

    def analyze(self, image: LoadedImage | NDArray[np.uint8]) -> PostureMeasurement:
        """Analyse a loaded image or an ``(H, W, 3)`` uint8 RGB array."""
        if isinstance(image, LoadedImage):
            rgb = image.rgb
            source = {
                "path": image.path,
                "width": image.width,
                "height": image.height,
                "sha256": image.sha256,
                "format": image.format,
                "taken_at": image.taken_at,
                "exif_rotated": image.exif_rotated,
            }
        else:
            rgb = image
            source = {"path": None, "width": int(rgb.shape[1]), "height": int(rgb.shape[0])}
        s = self.settings
        base = dict(
            source=source,
            model={**self._detector.info.to_dict(), "posture_version": __version__},
            assumptions=_assumptions(s),
            method={"passes": 1, "min_score": s.min_score},
        )
        people = self._detector.detect(rgb)
        if not people:
            return PostureMeasurement(
                status="no_person",
                message="no person found in the photo",
                subject=None,
                metrics={n: Metric.missing(metric_unit(n), "no person") for n in METRIC_NAMES},
                **base,  # type: ignore[arg-type]
            )
        if s.person >= len(people):
            raise InputError(
                f"{source['path'] or 'image'}: person {s.person} requested but only "
                f"{len(people)} found (0 is the most prominent)"
            )
        body = measure(
            people[s.person],
            MeasureOptions(
                mirrored=s.mirrored,
                roll_deg=s.roll_deg or 0.0,
                height_cm=s.height_cm,
                min_score=s.min_score,
            ),
        )
        warnings = list(body.warnings)
        if len(people) > 1:
            which = "the most prominent (largest)" if s.person == 0 else f"person {s.person}"
            warnings.insert(
                0,
                f"{len(people)} people in the photo: measured {which} one; "
                "choose another with --person N",
            )
        subject = Subject(
            view=body.view,
            people_detected=len(people),
            index=s.person,
            turn_deg=body.turn_deg,
            bbox_px=body.landmarks.bbox(),
        )
        status = "not_measurable" if body.refusal else "measured"
        message = body.refusal or "measured"
        return PostureMeasurement(
            status=status,
            message=message,
            subject=subject,
            metrics=body.metrics,
            warnings=tuple(warnings),
            landmarks=body.landmarks.to_dict(),
            **base,  # type: ignore[arg-type]
        )

