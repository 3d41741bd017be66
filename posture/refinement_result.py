"""The outline read over a photo's variants: the ``refinement`` object of the JSON.

Frozen records of :class:`posture.result.PostureMeasurement` (made by
:func:`posture.analyze._apply_refinement` from each variant's :class:`posture.refine.Refinement`);
``to_dict`` gives the JSON object and ``from_dict`` reads it back, older objects included: before
the causes were recorded a pair lacked ``cause`` and ``hint`` (``causes_recorded`` False; both are
left out of the JSON again), and a field an object lacks is None and left out again. Pixels of the
photo (x right, y down), rounded to 0.1; the person's own sides; unlevelled.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from posture.marker_result import Point, point_from_json, point_to_json

if TYPE_CHECKING:
    from posture.refine.outline import Cause


def as_points(ps: Sequence[Sequence[float] | None]) -> tuple[Point | None, ...]:
    """JSON points (``[x, y]`` or null) as a tuple of points."""
    return tuple(point_from_json(p) for p in ps)


def _lists(ps: Sequence[Point | None]) -> list[list[float] | None]:
    return [point_to_json(p) for p in ps]


@dataclass(frozen=True)
class PairReading:
    """One pair's (``shoulders`` or ``pelvis``) outline over the variants: whether its headline
    tilt is the outline's (``refined``, ``method`` ``silhouette``; else ``landmarks`` and
    ``reason`` says why), ``variants_refined`` of ``variants_tried``, how many variants failed for
    each of their ``reasons`` (words), the most common ``cause`` as data and its ``hint`` (what to
    change in the photo; None when the photo cannot help). A refined pair has its ``tilt_deg`` and
    one-sigma ``uncertainty_deg`` (degrees, levelled) and the median refined points ``left_px`` and
    ``right_px``; every pair has each refined variant's points (``variant_left_px``...) and the
    outline points of one variant (``contour_left_px``..., a point None where not finite)."""

    refined: bool
    method: str
    variants_refined: int
    variants_tried: int
    reason: str | None
    reasons: Mapping[str, int] | None = None
    cause: Cause | None = None
    hint: str | None = None
    tilt_deg: float | None = None
    uncertainty_deg: float | None = None
    left_px: Point | None = None
    right_px: Point | None = None
    variant_left_px: tuple[Point, ...] = ()
    variant_right_px: tuple[Point, ...] = ()
    contour_left_px: tuple[Point | None, ...] = ()
    contour_right_px: tuple[Point | None, ...] = ()
    causes_recorded: bool = True

    @property
    def points(self) -> tuple[Point, Point] | None:
        """The median refined points ``(left_px, right_px)``; None unless both are known."""
        if self.left_px is None or self.right_px is None:
            return None
        return self.left_px, self.right_px

    def with_point(self, side: str, xy: Point) -> PairReading:
        """A copy with the median refined point of ``side`` (``left`` or ``right``; KeyError for
        another) at ``xy``."""
        if side not in ("left", "right"):
            raise KeyError(side)
        return replace(self, left_px=xy) if side == "left" else replace(self, right_px=xy)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``reasons`` when set, ``cause`` and ``hint`` when recorded."""
        out: dict[str, Any] = {
            "refined": self.refined,
            "method": self.method,
            "variants_refined": self.variants_refined,
            "variants_tried": self.variants_tried,
            "reason": self.reason,
        }
        if self.reasons is not None:
            out["reasons"] = dict(self.reasons)
        if self.causes_recorded:
            out["cause"] = None if self.cause is None else self.cause.to_dict()
            out["hint"] = self.hint
        out.update(
            tilt_deg=self.tilt_deg,
            uncertainty_deg=self.uncertainty_deg,
            left_px=point_to_json(self.left_px),
            right_px=point_to_json(self.right_px),
            variant_left_px=_lists(self.variant_left_px),
            variant_right_px=_lists(self.variant_right_px),
            contour_left_px=_lists(self.contour_left_px),
            contour_right_px=_lists(self.contour_right_px),
        )
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PairReading:
        """Inverse of :meth:`to_dict`."""
        cause = None
        if d.get("cause") is not None:
            from posture.refine.outline import Cause  # the refinement's numerics only for a cause

            cause = Cause(d["cause"]["code"], d["cause"]["side"])
        return cls(
            refined=d["refined"],
            method=d["method"],
            variants_refined=d["variants_refined"],
            variants_tried=d["variants_tried"],
            reason=d["reason"],
            reasons=d.get("reasons"),
            cause=cause,
            hint=d.get("hint"),
            tilt_deg=d.get("tilt_deg"),
            uncertainty_deg=d.get("uncertainty_deg"),
            left_px=point_from_json(d.get("left_px")),
            right_px=point_from_json(d.get("right_px")),
            variant_left_px=tuple((p[0], p[1]) for p in d.get("variant_left_px", ())),
            variant_right_px=tuple((p[0], p[1]) for p in d.get("variant_right_px", ())),
            contour_left_px=as_points(d.get("contour_left_px", ())),
            contour_right_px=as_points(d.get("contour_right_px", ())),
            causes_recorded="cause" in d,
        )


@dataclass(frozen=True)
class OutlineReading:
    """The silhouette refinement of a photo (not in ``fast`` mode): the most variants any pair
    was tried on (``variants_tried``) and the ``shoulders`` and ``pelvis`` pairs."""

    variants_tried: int
    shoulders: PairReading
    pelvis: PairReading

    def pair(self, key: str) -> PairReading:
        """The pair ``shoulders`` or ``pelvis`` (KeyError for another key)."""
        return {"shoulders": self.shoulders, "pelvis": self.pelvis}[key]

    def with_pair(self, key: str, pair: PairReading) -> OutlineReading:
        """A copy with the pair ``shoulders`` or ``pelvis`` replaced (KeyError for another key)."""
        self.pair(key)
        return replace(self, shoulders=pair) if key == "shoulders" else replace(self, pelvis=pair)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "variants_tried": self.variants_tried,
            "shoulders": self.shoulders.to_dict(),
            "pelvis": self.pelvis.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> OutlineReading:
        """Inverse of :meth:`to_dict`."""
        return cls(
            variants_tried=d["variants_tried"],
            shoulders=PairReading.from_dict(d["shoulders"]),
            pelvis=PairReading.from_dict(d["pelvis"]),
        )
