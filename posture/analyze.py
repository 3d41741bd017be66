"""Analyse photos: load, detect, choose the person, measure, one result.

By default every photo is measured by test-time augmentation
(:mod:`posture.augment`): each metric is measured on every variant where the
person is found; its value is the median over the variants and its
``uncertainty`` the robust spread (1.4826 x MAD) of those values, never
below ``UNCERTAINTY_FLOOR``. The view, refusals and the landmarks drawn on
the annotated image come from the per-coordinate median of the variants'
landmarks. The only person found, seen in fewer than ``MIN_VARIANTS``
variants and with nothing measurable, is no person (status ``no_person``):
a shape in the scene taken for one once or twice; any other person seen in fewer
is not measured (status ``not_measurable``): a detection that does not repeat. ``Settings.fast`` uses
one pass and leaves the uncertainty unknown; it is the fastest mode (no segmentation, no refinement, no second
look for people the whole-photo pass missed, see
:meth:`posture.pose.PoseDetector.others_in_strips`).
``Settings.markers`` then looks for stickers on the palpated points in the
photo itself; where a pair is found its tilt is the headline
(:mod:`posture.marker_metrics`).

A person small in the photo (a room-wide shot) is looked at again, closer (not with ``fast``,
which is one pass: it would cost a tenth of the photos up to nine more): when
the whole photo finds nobody (then on tiles of it), or the chosen person spans less than
``SMALL_PERSON`` of it or reads as side-on, the square around them is read as the photo's working
copy (:meth:`Analyzer._look_closer`), so every variant sees them larger; the landmarks are mapped
back into the whole photo's pixels. Photos whose person fills them take no second look.

Silhouette refinement (not in ``fast`` mode). The detector also computes each
person's segmentation mask; on the variants of ``augment.REFINE_VARIANTS``
:func:`posture.refine.refine` registers the shoulder caps and the pelvic outline
in the variant's own pixels. The refined points are mapped back into the
photo (left/right swapped back for flipped variants, then for a mirrored
photo), levelled like the landmarks and their tilt taken. Headline rule, per
pair (shoulders, pelvis): when at least ``MIN_REFINED_VARIANTS`` variants were
refined, flipped and unflipped ones among them, the tilt is the median refined
tilt (``method`` ``silhouette``), its uncertainty the largest of the refined
tilts' standard deviation inflated for the small sample (:func:`t_one_sigma`),
the median per-variant ``uncertainty_deg`` and ``UNCERTAINTY_FLOOR``. Why:
each refined variant has passed the refine module's own checks, so it is no
outlier to ignore (hence the standard deviation, not a robust spread) and a
few that agree are evidence enough (hence no share of the variants tried: that
rule made a still person's pelvic tilt jump between methods from one video
frame to the next); an outline bias in the picture's own left and right
cancels only between flipped and unflipped variants (mirror symmetry).
Otherwise the landmark tilt stays (``method`` ``landmarks``), its uncertainty
widened to at least ``LANDMARK_ERROR_DEG`` and, when some variants did read
the outline, to the distance between their median tilt and the landmark tilt
(:func:`fallback_uncertainty`: a photo whose method flips with a small change
still covers the other method's reading); a warning gives the most common
reason. The outline, where read, is preferred even when its uncertainty is the
larger: the landmarks' error is mostly a bias towards level that grows with the
tilt and that no per-photo spread shows (each refine module refuses outline
readings less certain than that error, e.g. ``SHOULDER_MAX_UNCERTAINTY_DEG``).
``shoulder_pelvis_tilt_deg`` is then the difference of the two headlines.

Last, every uncertainty gains the body's turn in quadrature
(:func:`posture.view.widen`); a body turned beyond
:data:`posture.view.MAX_TURN_DEG` is not measured at all.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType

import numpy as np
from numpy.typing import NDArray

from posture import __version__, augment
from posture import geometry as g
from posture import view as turn_rule
from posture.errors import PersonNotFound
from posture.hints import hint
from posture.images import LoadedImage, load_image
from posture.landmarks import Landmarks
from posture.measure import (
    METRIC_NAMES,
    BodyMeasurement,
    MeasureOptions,
    estimate_view,
    higher_side,
    measure,
    metric_unit,
    retilt,
    towards,
    with_height_diff,
)
from posture.metrics import REFINED
from posture.noise import LANDMARK_ERROR_DEG, UNCERTAINTY_FLOOR
from posture.pose import PoseDetector, rank_people
from posture.provenance import Method, Model, Source
from posture.refine import Cause, RefinedPair, refine
from posture.refinement_result import OutlineReading, PairReading, as_points
from posture.result import Assumptions, Metric, PostureMeasurement, Subject
from posture.settings import Settings
from posture.wording import outline_fallback_note, people_note, person_not_found

MIN_VARIANTS = 4
"""With fewer variants finding the person, the uncertainty is not estimated."""

SMALL_PERSON = 0.3
"""A person whose landmarks span less than this fraction of the photo's longer side is looked at
again closer (:func:`small_in_photo`, :meth:`Analyzer._look_closer`)."""

CLOSER_SIDES = (2.0, 3.0)
"""A closer look reads a square this many times the person's larger box side, the next when the
one before does not find them (:func:`posture.augment.closer_region`): a first look's landmarks
of a small person often cover only part of them."""

CLOSER_GAIN = 1.5
"""A closer look is taken only when the detector then sees the person at least this many times larger."""

CLOSER_MIN_IOU = 0.2
"""The closer look's person is the one seen first when their landmark boxes overlap by this much
(intersection over union; see ``CLOSER_SIDES``)."""

CLOSER_MIN_COVER = 0.8
"""... or when their landmark box holds this share of the first look's box: the first look found
only a part of them (a person at a quarter of a padded photo's height, whose first look found
the legs: intersection over union 0.1)."""

MIN_REFINED_VARIANTS = 4
"""A silhouette tilt needs at least this many refined variants, flipped and unflipped among them."""

LOSSLESS_FORMATS = ("PNG", "BMP")
"""Photos stored losslessly: their sticker centres carry no compression term (others, and arrays, do)."""


def small_in_photo(box: tuple[float, float, float, float], width: int, height: int) -> bool:
    """Whether a person's landmark box ``(x0, y0, x1, y1)`` (pixels) spans less than ``SMALL_PERSON``
    of a ``width`` x ``height`` photo as the pose detector sees it: the photo fitted whole into its
    square input, so the box's larger side against the photo's longer side. (Against each side of
    the photo, a person in a portrait photo padded with wall, or a T-pose, counted as large while
    the detector lost them in most variants.)"""
    x0, y0, x1, y1 = box
    return max(x1 - x0, y1 - y0) < SMALL_PERSON * max(width, height)


_Pass = tuple[list[tuple[Landmarks, Landmarks, NDArray[np.float32] | None]], NDArray[np.uint8], augment.Affine]
"""One landmark pass over a variant (:meth:`Analyzer._detect_mapped`)."""


@dataclass
class _PairRefinements:
    """One pair's refinements over the variants, in the original photo's pixels,
    anatomical sides, unlevelled."""

    tried: int = 0
    left: list[NDArray[np.float64]] = field(default_factory=list)
    right: list[NDArray[np.float64]] = field(default_factory=list)
    uncertainty: list[float] = field(default_factory=list)
    flipped: list[bool] = field(default_factory=list)
    failures: Counter[tuple[str, tuple[Cause, ...]]] = field(default_factory=Counter)
    """The variants not refined, counted by their reason (words) and causes."""
    contour_left: list[list[float]] = field(default_factory=list)
    contour_right: list[list[float]] = field(default_factory=list)

    @property
    def reasons(self) -> Counter[str]:
        """The variants not refined, counted by their reason."""
        out = Counter[str]()
        for (words, _), n in self.failures.items():
            out[words] += n
        return out

    @property
    def causes(self) -> Counter[Cause]:
        """The variants not refined, counted by each cause they gave."""
        out = Counter[Cause]()
        for (_, causes), n in self.failures.items():
            for c in causes:
                out[c] += n
        return out

    def reason_for(self, cause: Cause | None) -> str:
        """The most common words among the variants that gave ``cause`` (all variants for None; the
        words of one cause can differ between variants in a figure, so they are not counted alone)."""
        said = Counter[str]()
        for (words, causes), n in self.failures.items():
            if cause is None or cause in causes:
                said[words] += n
        return said.most_common(1)[0][0] if said else "too few variants refined"


class Analyzer:
    """Holds an open pose detector; analyse many images with one model load.

    Use as a context manager::

        with Analyzer(Settings(mirrored=True)) as a:
            m = a.analyze_file("selfie.jpg")
    """

    def __init__(self, settings: Settings = Settings()) -> None:
        self.settings = settings
        self._detector = PoseDetector(settings.model, num_poses=settings.num_poses, segmentation=not settings.fast)

    def __enter__(self) -> Analyzer:
        self._detector.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the pose model."""
        self._detector.close()

    def with_settings(self, settings: Settings) -> Analyzer:
        """An analyser with other settings sharing this one's open model, without loading it
        again. Only the per-photo settings may differ (not ``model``, ``num_poses`` or
        ``fast``); the model belongs to this analyser: close this one, not the copy.

        Raises
        ------
        ValueError
            ``settings`` need another model, number of people or mode.
        """
        s = self.settings
        if (settings.model, settings.num_poses, settings.fast) != (s.model, s.num_poses, s.fast):
            raise ValueError("with_settings: model, num_poses and fast must match the open analyser's")
        other = object.__new__(Analyzer)
        other.settings = settings
        other._detector = self._detector
        return other

    def people(self, rgb: NDArray[np.uint8]) -> list[Landmarks]:
        """Every person the model finds in an ``(H, W, 3)`` uint8 RGB image, most prominent first
        (for blurring faces, :func:`posture.report.faces.blur_heads`)."""
        return self._detector.detect(rgb)

    @property
    def mode(self) -> str:
        """The variant set the settings ask for (a key of :data:`posture.augment.VARIANT_SETS`)."""
        return "fast" if self.settings.fast else "default"

    def load(self, path: str | Path) -> LoadedImage:
        """Read an image file, or a URI of object storage (:mod:`posture.sources`), with this
        analyser's size limits."""
        return load_image(path, max_pixels=self.settings.max_pixels, min_side=self.settings.min_side)

    def analyze_file(self, path: str | Path) -> PostureMeasurement:
        """Load and analyse one image file (raises :class:`InputError` on bad files)."""
        return self.analyze(self.load(path))

    def _detect_mapped(
        self,
        work: NDArray[np.uint8],
        variant: augment.Variant,
        base: augment.Affine,
        box: tuple[float, float, float, float] | None,
        size: tuple[int, int],
        masks: bool,
    ) -> _Pass:
        """Each person found in the variant as (landmarks in the photo, landmarks in the variant,
        mask in the variant or None: read only with ``masks``), the variant image and the affine photo -> variant."""
        img, m = augment.make_variant(work, variant, box)
        total = augment.compose(m, base)
        if masks and self._detector.segmentation:
            found = self._detector.detect_segmented(img)
        else:
            found = [(p, None) for p in self._detector.detect(img)]
        return [(augment.map_back(p, total, variant.flip, *size), p, mask) for p, mask in found], img, total

    def _look_closer(
        self, rgb: NDArray[np.uint8], people: list[Landmarks], masks: bool
    ) -> tuple[NDArray[np.uint8], augment.Affine, _Pass, Landmarks] | None:
        """A second look, closer, at a person the whole photo shows too small to read: the chosen
        person when their landmarks span less than ``SMALL_PERSON`` of the photo or read as side-on,
        or, when nobody was found, the most prominent person on tiles of the photo
        (:meth:`posture.pose.PoseDetector.people_in_tiles`). The square around them
        (:func:`posture.augment.closer_region`) is read as the working copy; the person is kept
        when that pass finds them again (their landmark boxes overlapping by ``CLOSER_MIN_IOU``
        or more, or theirs holding ``CLOSER_MIN_COVER`` of the first look's: what only one of the
        two looks sees is not taken for a person). Returns the working copy, its affine photo -> copy, the pass (as
        :meth:`_detect_mapped`) and the person in the photo's pixels; None when there is nothing
        to look at again or the closer look finds nobody."""
        h, w = rgb.shape[:2]
        s = self.settings
        if s.person < len(people):
            likely = people[s.person]
            if not (small_in_photo(likely.bbox(), w, h) or estimate_view(likely, s.min_score)[0] == "side"):
                return None
        elif people:
            return None
        else:
            work, base = augment.working_copy(rgb)
            tiles = self._detector.people_in_tiles(work)
            if not tiles:
                return None
            likely = augment.map_back(tiles[0], base, False, w, h)
        box = likely.bbox()
        if not np.isfinite(box).all():
            return None  # no landmark sure enough to place the square
        for side in CLOSER_SIDES:
            region = augment.closer_region(box, w, h, side)
            if max(region[2] - region[0], region[3] - region[1]) * CLOSER_GAIN > max(w, h):
                return None  # hardly closer than the whole photo
            work, base = augment.working_copy(rgb, region)
            found, img, total = self._detect_mapped(work, augment.Variant(), base, None, (w, h), masks)
            seen = [p for p, _, _ in found]
            near = augment.same_person(seen, box, CLOSER_MIN_IOU) or augment.holding(seen, box, CLOSER_MIN_COVER)
            if near is not None:
                return work, base, (found, img, total), near
        return None

    def _refine_variant(
        self,
        variant: augment.Variant,
        lm_v: Landmarks,
        mask_v: NDArray[np.float32] | None,
        img_v: NDArray[np.uint8],
        total: augment.Affine,
    ) -> dict[str, RefinedPair]:
        """Each pair refined in the variant's own pixels, mapped back into the photo's pixels with
        the subject's own sides (left/right swapped back for a flipped variant, then for a mirrored photo)."""
        if mask_v is None:
            failed = RefinedPair.failed("no segmentation mask", Cause("no_mask"))
            return {"shoulders": failed, "pelvis": failed}
        r = refine(mask_v, lm_v, img_v, self.settings.min_score)
        swap = variant.flip != self.settings.mirrored
        out = {}
        for key, res in (("shoulders", r.shoulders), ("pelvis", r.pelvis)):
            if not res.refined:
                out[key] = replace(res, causes=tuple(c.swapped() for c in res.causes)) if swap else res
                continue
            pl, pr = augment.map_points_back(res.left, total)[0], augment.map_points_back(res.right, total)[0]
            cl, cr = augment.map_points_back(res.contour_left, total), augment.map_points_back(res.contour_right, total)
            if swap:
                pl, pr, cl, cr = pr, pl, cr, cl
            out[key] = replace(res, left=pl, right=pr, contour_left=cl, contour_right=cr)
        return out

    def _level(self, rgb: NDArray[np.uint8], people: list[Landmarks], warnings: list[str]) -> Assumptions:
        """The analysis's assumptions, with the camera roll given, estimated (``auto_level``;
        a warning when the estimate is not confident) or none."""
        s = self.settings
        roll, level_mode, roll_estimate = s.roll_deg, "none" if s.roll_deg is None else "manual", None
        if s.auto_level:
            from posture.level import estimate_roll

            est = estimate_roll(rgb, people[min(s.person, len(people) - 1)].bbox() if people else None)
            roll_estimate = est.record()
            if est.confident:
                roll, level_mode = est.roll_deg, "auto"
            else:
                warnings.append(est.not_applied())
        return Assumptions(
            mirrored=s.mirrored,
            level_mode=level_mode,
            roll_deg=roll or 0.0,
            height_cm=s.height_cm,
            roll_estimate=roll_estimate,
        )

    def read(
        self,
        image: LoadedImage | NDArray[np.uint8],
        variants: tuple[augment.Variant, ...] | None = None,
        refine_variants: tuple[augment.Variant, ...] | None = None,
    ) -> Readings:
        """Detect the people in a photo and read the chosen person in every variant: the costly half
        of :meth:`analyze` (:meth:`combine` is the other). ``variants`` and ``refine_variants``
        default to the settings' set (:data:`posture.augment.VARIANT_SETS`); the first must be the photo itself."""
        rgb, source = _source(image)
        s = self.settings
        default, default_refine = augment.VARIANT_SETS[self.mode]
        variants = default if variants is None else variants
        refine_set = default_refine if refine_variants is None else refine_variants
        if variants[0] != augment.Variant():
            raise ValueError("the first variant must be the photo itself")
        h, w = rgb.shape[:2]
        work, base = augment.working_copy(rgb)
        masks = variants[0] in refine_set
        found, img, total = self._detect_mapped(work, variants[0], base, None, (w, h), masks)
        people = rank_people([p for p, _, _ in found])
        closer = None
        missed: list[Landmarks] = []
        if not s.fast:  # --fast is one pass
            tiles = None if people else self._look_closer(rgb, people, masks)  # nobody: a closer look on tiles
            people = [tiles[3]] if tiles is not None else people
            missed = self._detector.others_in_strips(rgb, people)
            # Person 0 is the most prominent whichever look found them (as --person and the warning say).
            people = rank_people([*people, *missed])
            wanted = people[s.person] if s.person < len(people) else None
            if tiles is not None and wanted is tiles[3]:
                closer = tiles
            elif wanted is not None:
                closer = self._look_closer(rgb, people, masks)
                if closer is not None:
                    people[s.person] = closer[3]
        if closer is not None:
            work, base, (found, img, total), _ = closer
        warnings: list[str] = list(image.notes) if isinstance(image, LoadedImage) else []
        assumptions = self._level(rgb, people, warnings)
        readings = Readings(
            rgb, source, (w, h), len(people), bool(missed), assumptions, tuple(warnings), variants, refine_set
        )
        if not people:
            return readings
        if s.person >= len(people):
            n, more = len(people), readings.missed
            raise PersonNotFound(
                f"{source.path or 'image'}: {person_not_found(s.person, n, more, s.fast)}",
                requested=s.person,
                found=n,
                at_least=more,
                fast=s.fast,
            )
        chosen = people[s.person]
        if s.markers:
            readings = replace(readings, silhouette=_silhouette(found, chosen, total, (w, h)))
        box = chosen.bbox()
        corners = np.array([box[:2], box[2:]]) @ base[:, :2].T + base[:, 2]
        work_box = (corners[0, 0], corners[0, 1], corners[1, 0], corners[1, 1])
        read: list[VariantReading] = []
        for variant in variants:
            if variant != variants[0]:
                found, img, total = self._detect_mapped(work, variant, base, work_box, (w, h), variant in refine_set)
            one = chosen if variant == variants[0] else augment.same_person([p for p, _, _ in found], box)
            if one is None:
                continue
            refined = None
            if variant in refine_set:
                # A person found only by the second look has no pass (and no mask) of its own here.
                _, lm_v, mask_v = next((x for x in found if x[0] is one), (None, one, None))
                refined = self._refine_variant(variant, lm_v, mask_v, img, total)
            read.append(VariantReading(variant, one, refined))
        return replace(readings, person=read)

    def analyze(self, image: LoadedImage | NDArray[np.uint8]) -> PostureMeasurement:
        """Analyse a loaded image or an ``(H, W, 3)`` uint8 RGB array."""
        return self.combine(self.read(image))

    def combine(
        self,
        readings: Readings,
        variants: tuple[augment.Variant, ...] | None = None,
        refine_variants: tuple[augment.Variant, ...] | None = None,
    ) -> PostureMeasurement:
        """The result from a photo's :meth:`read`, on all its variants and refinements or on the
        subsets ``variants`` (which must hold the photo itself) and ``refine_variants``."""
        s = self.settings
        w, h = readings.size
        base_fields = dict(
            source=readings.source,
            model=Model(**self._detector.info.to_dict(), posture_version=__version__),
            assumptions=readings.assumptions,
        )
        warnings = list(readings.warnings)

        def nobody(*notes: str) -> PostureMeasurement:
            return PostureMeasurement(
                status="no_person",
                message="no person found in the photo",
                subject=None,
                metrics={n: Metric.missing(metric_unit(n), "no person") for n in METRIC_NAMES},
                warnings=(*warnings, *notes),
                method=Method(passes=1, min_score=s.min_score),
                **base_fields,  # type: ignore[arg-type]
            )

        if not readings.people:
            return nobody()
        used = readings.variants if variants is None else tuple(v for v in readings.variants if v in variants)
        person = [r for r in readings.person if r.variant in used]
        options = s.measure_options(readings.assumptions.roll_deg)
        samples = [r.landmarks for r in person]
        median_lm = augment.median_landmarks(samples) if len(samples) > 1 else samples[0]
        body = measure(median_lm, options)
        if readings.people == 1 and len(used) >= MIN_VARIANTS > len(samples) and body.refusal is not None:
            # Seen in a few variants only and showing nothing measurable: a shape in the scene that
            # the detector took for a person once or twice (a table with a bottle), not a person.
            return nobody(
                f"something was taken for a person in only {len(samples)} of {len(used)} variants, "
                "with nothing measurable: not counted as a person"
            )
        if len(used) >= MIN_VARIANTS > len(samples):
            # What the model found does not repeat when the photo is turned, mirrored or cropped a
            # little (parts of two people read as one, say): neither the person nor a value can be trusted.
            why = (
                f"seen in only {len(samples)} of {len(used)} variants of the photo: what was found does not "
                "repeat when the photo is turned, mirrored or cropped a little"
            )
            body = replace(body, metrics={n: Metric.missing(m.unit, why) for n, m in body.metrics.items()}, refusal=why)
        if len(samples) >= MIN_VARIANTS:
            body = _aggregate(body, [measure(p, options) for p in samples])
        refinement: OutlineReading | None = None
        refined_set = readings.refine_variants if refine_variants is None else refine_variants
        tried = [r for r in person if r.refined is not None and r.variant in refined_set]
        refine_notes: dict[str, str] = {}
        marker_notes: list[str] = []
        if tried and body.view != "side":
            body, refinement, refine_notes = _apply_refinement(body, _pairs(tried), options, (w, h))
        elif not tried:
            body = _landmarks_only(body, "not tried: single pass (fast mode)")
        markers = None
        if s.markers:
            from posture.marker_metrics import apply_markers, no_markers

            if body.refusal:
                markers = no_markers(f"not looked for: {body.refusal}", s.marker_color)
            else:
                lossless = readings.source.format in LOSSLESS_FORMATS
                body, markers, marker_notes = apply_markers(
                    readings.rgb, body, options, s.marker_color, not lossless, readings.silhouette
                )
        # An outline fallback's warning is moot where the stickers give the headline.
        warnings += [
            text for name, text in refine_notes.items() if body.metrics[name].method != "markers"
        ] + marker_notes
        body = _with_height_diffs(replace(body, metrics=turn_rule.widen(body.metrics, body.turn_deg)))
        warnings += body.warnings
        if 1 < len(used) < MIN_VARIANTS:
            warnings.append(
                f"the person was found in only {len(samples)} of {len(used)} variants: uncertainty not estimated"
            )
        subject = Subject(
            view=body.view,
            people_detected=readings.people,
            index=s.person,
            turn_deg=body.turn_deg,
            bbox_px=body.landmarks.bbox(),
            people_at_least=readings.missed,
            stance=body.stance,
        )
        if readings.people > 1:
            which = "the most prominent (largest) one" if s.person == 0 else f"person {s.person}"
            warnings.insert(0, people_note(subject, not body.refusal, which))  # how to choose another: a tip
        return PostureMeasurement(
            status="not_measurable" if body.refusal else "measured",
            message=body.refusal or "measured",
            subject=subject,
            metrics=body.metrics,
            warnings=tuple(warnings),
            method=Method(
                passes=len(samples),
                variants=tuple(v.label for v in used) if len(used) > 1 else (),
                refine_variants=tuple(v.label for v in used if v in readings.refine_variants and v in refined_set)
                if len(used) > 1
                else (),
                min_score=s.min_score,
            ),
            landmarks=body.landmarks.to_points(),
            refinement=refinement,
            markers=markers,
            **base_fields,  # type: ignore[arg-type]
        )


@dataclass(frozen=True)
class VariantReading:
    """The chosen person in one variant: landmarks in the photo's pixels and, on a refinement
    variant, each pair's refinement (points in the photo's pixels, the subject's own sides)."""

    variant: augment.Variant
    landmarks: Landmarks
    refined: dict[str, RefinedPair] | None = None


@dataclass(frozen=True)
class Readings:
    """What :meth:`Analyzer.read` found in a photo (``rgb``): the people, the assumptions and the
    chosen person in each variant where they were found (the photo itself first)."""

    rgb: NDArray[np.uint8]
    source: Source
    size: tuple[int, int]
    people: int
    missed: bool  # some people were found only by a second look (the count is a lower bound)
    assumptions: Assumptions
    warnings: tuple[str, ...]
    variants: tuple[augment.Variant, ...]
    refine_variants: tuple[augment.Variant, ...]
    person: list[VariantReading] = field(default_factory=list)
    silhouette: NDArray[np.float32] | None = None  # the chosen person's mask in the photo (for stickers)


def _silhouette(
    found: list[tuple[Landmarks, Landmarks, NDArray[np.float32] | None]],
    person: Landmarks,
    total: augment.Affine,
    size: tuple[int, int],
) -> NDArray[np.float32] | None:
    """``person``'s segmentation mask from the photo's own pass (``found``, read with masks, whose
    variant is ``total``: photo -> variant) in the photo's pixels; None when that pass has none
    for them (a person only the second look found)."""
    mask = next((m for p, _, m in found if p is person), None)
    if mask is None:
        return None
    return augment.map_image_back(mask, total, size)


def _pairs(readings: list[VariantReading]) -> dict[str, _PairRefinements]:
    """Each pair's refinements over the refined variants, in the photo's pixels."""
    pairs = {"shoulders": _PairRefinements(), "pelvis": _PairRefinements()}
    for r in readings:
        assert r.refined is not None
        for key, res in r.refined.items():
            acc = pairs[key]
            acc.tried += 1
            if not res.refined:
                acc.failures[(res.reason or "no segmentation mask", res.causes)] += 1
                continue
            acc.left.append(res.left)
            acc.right.append(res.right)
            acc.uncertainty.append(float(res.uncertainty_deg))
            acc.flipped.append(r.variant.flip)
            if not acc.contour_left:
                d = res.to_dict()
                acc.contour_left, acc.contour_right = d["contour_left_px"], d["contour_right_px"]
    return pairs


def _source(image: LoadedImage | NDArray[np.uint8]) -> tuple[NDArray[np.uint8], Source]:
    """The RGB array and the :class:`~posture.provenance.Source` of what was analysed."""
    if isinstance(image, LoadedImage):
        return image.rgb, Source(
            path=image.path,
            width=image.width,
            height=image.height,
            sha256=image.sha256,
            format=image.format,
            taken_at=image.taken_at,
            exif_rotated=image.exif_rotated,
        )
    return image, Source(path=None, width=int(image.shape[1]), height=int(image.shape[0]))


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
        metrics[name] = replace(
            m,
            value=value,
            uncertainty=max(spread, UNCERTAINTY_FLOOR.get(m.unit, 0.0)),
            higher_side=None if m.higher_side is None else higher_side(value),
            towards=None if m.towards is None else towards(value, m.unit),
        )
    return replace(body, metrics=metrics)


def _with_height_diffs(body: BodyMeasurement) -> BodyMeasurement:
    """``body`` with each tilt's height difference (% and cm, see :func:`posture.measure.with_height_diff`)
    from its final value and uncertainty, over the distance between the points it was measured on."""
    metrics = {
        n: with_height_diff(m, body.widths_px[n], body.cm_per_px) if n in body.widths_px and m.value is not None else m
        for n, m in body.metrics.items()
    }
    return replace(body, metrics=metrics)


def _landmarks_only(body: BodyMeasurement, reason: str) -> BodyMeasurement:
    """``body`` with the refinable tilts marked as landmark values, unchanged otherwise."""
    metrics = dict(body.metrics)
    for name in REFINED:
        m = metrics[name]
        if m.value is not None:
            metrics[name] = replace(m, method="landmarks", landmark_value=m.value, method_reason=reason)
    return replace(body, metrics=metrics)


def t_one_sigma(dof: int) -> float:
    """Student's t quantile at the normal's one-sigma level (0.8413) for ``dof`` degrees of freedom,
    over the normal's (1): how much a spread estimated from ``dof + 1`` values understates the
    one-sigma width (Cornish-Fisher expansion; within 0.3% of the exact quantile from ``dof`` = 3)."""
    return 1.0 + 1.0 / (2.0 * dof) + 1.0 / (4.0 * dof * dof)


def outline_headline(
    tilts: NDArray[np.float64], uncertainties: NDArray[np.float64], flipped: NDArray[np.bool_]
) -> tuple[float, float] | None:
    """The outline's tilt and uncertainty (degrees) from the refined variants' ``tilts``, their own
    ``uncertainties`` and whether each was ``flipped``; ``None`` where the rule (module docstring)
    keeps the landmarks."""
    n = len(tilts)
    if n < MIN_REFINED_VARIANTS or flipped.all() or not flipped.any():
        return None
    spread = float(np.std(tilts, ddof=1)) * t_one_sigma(n - 1)
    return float(np.median(tilts)), max(spread, float(np.nanmedian(uncertainties)), UNCERTAINTY_FLOOR["deg"])


def fallback_uncertainty(
    landmark: float, uncertainty: float | None, least: float, tilts: NDArray[np.float64]
) -> float | None:
    """A landmark tilt's uncertainty as the headline: at least ``least`` and the distance from
    ``landmark`` to the median of the outline ``tilts`` some variants read (degrees)."""
    if uncertainty is None:
        return None
    return max(uncertainty, least, abs(float(np.median(tilts)) - landmark) if len(tilts) else 0.0)


def _apply_refinement(
    body: BodyMeasurement,
    pairs: dict[str, _PairRefinements],
    options: MeasureOptions,
    size: tuple[int, int],
) -> tuple[BodyMeasurement, OutlineReading, dict[str, str]]:
    """The headline rule (module docstring): each refinable tilt from the silhouette or
    the landmarks, ``shoulder_pelvis_tilt_deg`` from the two headlines; each pair's
    reading (the JSON ``refinement`` object); a warning per metric whose pair fell back."""
    w, h = size
    center = np.array([w / 2.0, h / 2.0])  # as measure() levels the landmarks
    metrics = dict(body.metrics)
    widths = dict(body.widths_px)
    notes: dict[str, str] = {}
    out: dict[str, PairReading] = {}
    for name, key in REFINED.items():
        acc = pairs[key]
        m = metrics[name]
        n = len(acc.left)
        tilts = np.empty(0)
        if n:
            left, right = np.array(acc.left), np.array(acc.right)
            if options.roll_deg:
                left, right = (
                    g.level_points(left, options.roll_deg, center),
                    g.level_points(right, options.roll_deg, center),
                )
            tilts = g.tilt_deg(left, right)
        headline = outline_headline(tilts, np.array(acc.uncertainty), np.array(acc.flipped, dtype=bool))
        ok = headline is not None
        reason = None
        cause = acc.causes.most_common(1)[0][0] if acc.causes and not ok else None
        if not ok:
            reason = acc.reason_for(cause)
            if n >= MIN_REFINED_VARIANTS:
                reason = f"outline read only on the photo's {'mirrored' if acc.flipped[0] else 'unmirrored'} variants"
            reason = f"{reason} ({n} of {acc.tried} variants refined)"
        out[key] = status = PairReading(
            refined=False,
            method="landmarks",
            variants_refined=n,
            variants_tried=acc.tried,
            reason=reason,
            reasons=dict(acc.reasons),
            cause=cause,
            hint=hint(cause.code, cause.side, key) if cause else None,
            variant_left_px=tuple(_px(p) for p in acc.left),
            variant_right_px=tuple(_px(p) for p in acc.right),
            contour_left_px=as_points(acc.contour_left),
            contour_right_px=as_points(acc.contour_right),
        )
        if m.value is None:
            if ok:
                reason = f"landmarks not usable: {m.reason}"
                out[key] = replace(status, reason=reason)
            continue
        if headline is not None:
            value, unc = headline
            lp, rp = np.median(np.array(acc.left), axis=0), np.median(np.array(acc.right), axis=0)
            width = float(np.median(np.abs(left[:, 0] - right[:, 0])))
            metrics[name] = retilt(m, value, unc, width, body.cm_per_px, "silhouette")
            widths[name] = width
            out[key] = replace(
                status,
                refined=True,
                method="silhouette",
                tilt_deg=round(value, 2),
                uncertainty_deg=round(unc, 2),
                left_px=_px(lp),
                right_px=_px(rp),
            )
        else:
            widened = fallback_uncertainty(m.value, m.uncertainty, LANDMARK_ERROR_DEG[name], tilts)
            metrics[name] = replace(
                m, uncertainty=widened, method="landmarks", landmark_value=m.value, method_reason=reason
            )
            assert reason is not None  # no headline: the reason was given above
            notes[name] = outline_fallback_note(name, reason)
    sh, pv = metrics["shoulder_tilt_deg"], metrics["pelvic_tilt_deg"]
    if sh.value is not None and pv.value is not None:
        both = None
        if sh.uncertainty is not None and pv.uncertainty is not None:
            both = float(np.hypot(sh.uncertainty, pv.uncertainty))
        metrics["shoulder_pelvis_tilt_deg"] = replace(
            metrics["shoulder_pelvis_tilt_deg"], value=sh.value - pv.value, uncertainty=both
        )
    reading = OutlineReading(max(p.tried for p in pairs.values()), out["shoulders"], out["pelvis"])
    return replace(body, metrics=metrics, widths_px=widths), reading, notes


def _px(p: NDArray[np.float64]) -> tuple[float, float]:
    """A point in the photo's pixels, rounded to 0.1 as in the JSON."""
    return round(float(p[0]), 1), round(float(p[1]), 1)
