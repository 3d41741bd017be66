"""Analyse photos: load, detect, choose the person, measure, one result.

By default every photo is measured by test-time augmentation
(:mod:`posture.augment`): each metric is measured on every variant where the
person is found; its value is the median over the variants and its
``uncertainty`` the robust spread (1.4826 x MAD) of those values, never
below ``UNCERTAINTY_FLOOR``. The view, refusals and the landmarks drawn on
the annotated image come from the per-coordinate median of the variants'
landmarks. ``Settings.fast`` uses one pass and leaves the uncertainty
unknown.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import TracebackType

import numpy as np
from numpy.typing import NDArray

from posture import __version__
from posture import augment
from posture.errors import InputError
from posture.images import LoadedImage, load_image
from posture.landmarks import Landmarks
from posture.measure import (
    METRIC_NAMES,
    BodyMeasurement,
    MeasureOptions,
    higher_side,
    measure,
    metric_unit,
    towards,
)
from posture.pose import PoseDetector, rank_people
from posture.result import Assumptions, Metric, PostureMeasurement, Subject
from posture.settings import Settings

UNCERTAINTY_FLOOR = {"deg": 0.2, "%": 0.5}
"""Smallest uncertainty reported, per unit: below it the landmarks' own pixel precision dominates."""

MIN_VARIANTS = 4
"""With fewer variants finding the person, the uncertainty is not estimated."""


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

    def _detect_mapped(
        self, work: NDArray[np.uint8], variant: augment.Variant, base: augment.Affine, box: tuple[float, float, float, float] | None, size: tuple[int, int]
    ) -> list[Landmarks]:
        img, m = augment.make_variant(work, variant, box)
        total = augment.compose(m, base)
        return [augment.map_back(p, total, variant.flip, *size) for p in self._detector.detect(img)]

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
        h, w = rgb.shape[:2]
        work, base = augment.working_copy(rgb)

        people = rank_people(self._detect_mapped(work, augment.VARIANTS[0], base, None, (w, h)))
        roll_estimate = None
        roll = s.roll_deg
        level_mode = "none" if roll is None else "manual"
        warnings: list[str] = []
        if s.auto_level:
            from posture.level import estimate_roll

            est = estimate_roll(rgb, people[min(s.person, len(people) - 1)].bbox() if people else None)
            roll_estimate = est.to_dict()
            if est.confident:
                roll, level_mode = est.roll_deg, "auto"
            else:
                warnings.append(
                    "camera level not corrected: too few or disagreeing vertical lines in the scene "
                    f"(estimate {'none' if not np.isfinite(est.roll_deg) else f'{est.roll_deg:+.1f}°'}"
                    f" from {est.lines} lines); angles are relative to the photo's edges"
                )
        assumptions = Assumptions(
            mirrored=s.mirrored,
            level_mode=level_mode,
            roll_deg=roll or 0.0,
            height_cm=s.height_cm,
            roll_estimate=roll_estimate,
        )
        base_fields = dict(
            source=source,
            model={**self._detector.info.to_dict(), "posture_version": __version__},
            assumptions=assumptions,
        )
        if not people:
            return PostureMeasurement(
                status="no_person",
                message="no person found in the photo",
                subject=None,
                metrics={n: Metric.missing(metric_unit(n), "no person") for n in METRIC_NAMES},
                warnings=tuple(warnings),
                method={"passes": 1, "min_score": s.min_score},
                **base_fields,  # type: ignore[arg-type]
            )
        if s.person >= len(people):
            raise InputError(
                f"{source['path'] or 'image'}: person {s.person} requested but only "
                f"{len(people)} found (0 is the most prominent)"
            )
        options = MeasureOptions(
            mirrored=s.mirrored, roll_deg=roll or 0.0, height_cm=s.height_cm, min_score=s.min_score
        )
        chosen = people[s.person]
        samples = [chosen]
        if not s.fast:
            box = chosen.bbox()
            sx, sy = base[0, 0], base[1, 1]
            work_box = (box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy)
            for variant in augment.VARIANTS[1:]:
                found = augment.same_person(self._detect_mapped(work, variant, base, work_box, (w, h)), box)
                if found is not None:
                    samples.append(found)
        body = measure(augment.median_landmarks(samples) if len(samples) > 1 else chosen, options)
        if len(samples) >= MIN_VARIANTS:
            body = _aggregate(body, [measure(p, options) for p in samples])
        warnings += body.warnings
        if not s.fast and len(samples) < MIN_VARIANTS:
            warnings.append(
                f"the person was found in only {len(samples)} of {len(augment.VARIANTS)} variants: "
                "uncertainty not estimated"
            )
        if len(people) > 1:
            which = "the most prominent (largest) one" if s.person == 0 else f"person {s.person}"
            warnings.insert(
                0,
                f"{len(people)} people in the photo: measured {which}; choose another with --person N",
            )
        subject = Subject(
            view=body.view,
            people_detected=len(people),
            index=s.person,
            turn_deg=body.turn_deg,
            bbox_px=body.landmarks.bbox(),
        )
        return PostureMeasurement(
            status="not_measurable" if body.refusal else "measured",
            message=body.refusal or "measured",
            subject=subject,
            metrics=body.metrics,
            warnings=tuple(warnings),
            method={
                "passes": len(samples),
                "variants": [] if s.fast else [v.label for v in augment.VARIANTS],
                "min_score": s.min_score,
            },
            landmarks=body.landmarks.to_dict(),
            **base_fields,  # type: ignore[arg-type]
        )


def _aggregate(body: BodyMeasurement, per_variant: list[BodyMeasurement]) -> BodyMeasurement:
    """``body`` with each measured metric replaced by the median over the variants,
    and its uncertainty set from their spread."""
    metrics = {}
    for name, m in body.metrics.items():
        found = [b.metrics[name] for b in per_variant if b.metrics[name].value is not None]
        if m.value is None or len(found) < MIN_VARIANTS:
            metrics[name] = m
            continue
        values = np.array([f.value for f in found], dtype=np.float64)
        value = float(np.median(values))
        spread = augment.robust_spread(values)
        numeric = {}
        for field in ("height_diff_pct", "height_diff_cm", "height_diff_cm_uncertainty"):
            if getattr(m, field) is not None:
                numeric[field] = float(np.median([getattr(f, field) for f in found]))
        metrics[name] = replace(
            m,
            value=value,
            uncertainty=max(spread, UNCERTAINTY_FLOOR.get(m.unit, 0.0)),
            higher_side=None if m.higher_side is None else higher_side(value),
            towards=None if m.towards is None else towards(value, m.unit),
            **numeric,
        )
    return replace(body, metrics=metrics)
