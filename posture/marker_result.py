"""The stickers of a measurement (``posture analyze --markers``): the ``markers`` object of the JSON.

Frozen records of :class:`posture.result.PostureMeasurement` (made by
:mod:`posture.marker_metrics` from :mod:`posture.markers`' search); ``to_dict`` gives the JSON
object and ``from_dict`` reads it back, older objects included: before schema 4 a sticker lacked
``centre_from`` to ``luma_note`` and ``edge_rms_px``, a pair ``ambiguous`` and the object
``compressed``; a field they lack is None and is left out of the JSON again. Pixels of the photo
(x right, y down), rounded as :mod:`posture.markers` rounds them; the person's own sides.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Mapping, Sequence

Point = tuple[float, float]


def point_from_json(p: Sequence[float] | None) -> Point | None:
    """A point read from its JSON form ``[x, y]`` (None stays None)."""
    return None if p is None else (p[0], p[1])


def point_to_json(p: Point | None) -> list[float] | None:
    """A point's JSON form ``[x, y]`` (None stays None)."""
    return None if p is None else list(p)


@dataclass(frozen=True)
class StickerPoint:
    """A sticker found: its centre ``xy_px`` and the centre's one-sigma ``uncertainty_px``, the
    moment ellipse's centre ``ellipse_xy_px``, ``diameter_px``, ``axis_ratio`` (1 round) and
    ``edge_px`` (the edge ramp's width); ``centre_from`` (``colour`` or ``colour and luma``) with
    the colour centroid ``colour_xy_px``, the luma centre ``luma_xy_px`` and ``luma_note`` (why
    the luma was not used), and ``edge_rms_px`` (the edge's scatter about its ellipse). See
    :class:`posture.markers.Sticker`."""

    xy_px: Point
    uncertainty_px: float
    ellipse_xy_px: Point
    diameter_px: float
    axis_ratio: float
    edge_px: float
    centre_from: str | None = None
    colour_xy_px: Point | None = None
    luma_xy_px: Point | None = None
    luma_note: str | None = None
    edge_rms_px: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the centre's fields from ``centre_from`` on when it is set (``luma_xy_px``
        and ``luma_note`` even when None), ``edge_rms_px`` when set."""
        out: dict[str, Any] = {
            "xy_px": list(self.xy_px),
            "uncertainty_px": self.uncertainty_px,
            "ellipse_xy_px": list(self.ellipse_xy_px),
            "diameter_px": self.diameter_px,
            "axis_ratio": self.axis_ratio,
            "edge_px": self.edge_px,
        }
        if self.centre_from is not None:
            out.update(
                centre_from=self.centre_from,
                colour_xy_px=point_to_json(self.colour_xy_px),
                luma_xy_px=point_to_json(self.luma_xy_px),
                luma_note=self.luma_note,
            )
        if self.edge_rms_px is not None:
            out["edge_rms_px"] = self.edge_rms_px
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> StickerPoint:
        """Inverse of :meth:`to_dict`."""
        return cls(
            xy_px=(d["xy_px"][0], d["xy_px"][1]),
            uncertainty_px=d["uncertainty_px"],
            ellipse_xy_px=(d["ellipse_xy_px"][0], d["ellipse_xy_px"][1]),
            diameter_px=d["diameter_px"],
            axis_ratio=d["axis_ratio"],
            edge_px=d["edge_px"],
            centre_from=d.get("centre_from"),
            colour_xy_px=point_from_json(d.get("colour_xy_px")),
            luma_xy_px=point_from_json(d.get("luma_xy_px")),
            luma_note=d.get("luma_note"),
            edge_rms_px=d.get("edge_rms_px"),
        )


@dataclass(frozen=True)
class RejectedBlob:
    """A blob of the sticker colour that is not a sticker: centre, diameter (pixels) and why."""

    xy_px: Point
    diameter_px: float
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"xy_px": list(self.xy_px), "diameter_px": self.diameter_px, "reason": self.reason}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RejectedBlob:
        """Inverse of :meth:`to_dict`."""
        return cls(xy_px=(d["xy_px"][0], d["xy_px"][1]), diameter_px=d["diameter_px"], reason=d["reason"])


@dataclass(frozen=True)
class StickerPair:
    """The stickers of one pair (``shoulders`` or ``pelvis``), named after the palpated
    ``landmark`` (``acromion``, ``ASIS``, ``PSIS``): ``found`` when both sides have one sticker,
    else ``reason`` says why not; a side with one sticker names it even when the other fails, and
    ``ambiguous`` holds the stickers of a side with several. A pair found has its ``tilt_deg`` and
    one-sigma ``uncertainty_deg`` (levelled as the landmarks). ``searched`` is False when the
    landmarks to name the stickers were missing (the JSON then holds only ``landmark``,
    ``found`` and ``reason``)."""

    landmark: str
    found: bool
    reason: str | None
    left: StickerPoint | None = None
    right: StickerPoint | None = None
    ambiguous: tuple[StickerPoint, ...] | None = None
    tilt_deg: float | None = None
    uncertainty_deg: float | None = None
    searched: bool = True

    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``left`` and ``right`` when searched, ``ambiguous`` and the tilt when set."""
        out: dict[str, Any] = {"landmark": self.landmark, "found": self.found, "reason": self.reason}
        if self.searched:
            out["left"] = None if self.left is None else self.left.to_dict()
            out["right"] = None if self.right is None else self.right.to_dict()
        if self.ambiguous is not None:
            out["ambiguous"] = [s.to_dict() for s in self.ambiguous]
        for name in ("tilt_deg", "uncertainty_deg"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> StickerPair:
        """Inverse of :meth:`to_dict`."""
        left, right, ambiguous = d.get("left"), d.get("right"), d.get("ambiguous")
        return cls(
            landmark=d["landmark"],
            found=d["found"],
            reason=d["reason"],
            left=None if left is None else StickerPoint.from_dict(left),
            right=None if right is None else StickerPoint.from_dict(right),
            ambiguous=None if ambiguous is None else tuple(StickerPoint.from_dict(s) for s in ambiguous),
            tilt_deg=d.get("tilt_deg"),
            uncertainty_deg=d.get("uncertainty_deg"),
            searched="left" in d,
        )


@dataclass(frozen=True)
class Markers:
    """The stickers looked for: their ``color`` by name and ``hex``, whether the photo was
    ``compressed`` (lossy; None when the stickers were not looked for), how many
    ``stickers_found``, the ``shoulders`` and ``pelvis`` pairs (None when not looked for), the
    ``extra`` stickers no pair named, the ``rejected`` blobs of the colour, and the ``reason``
    when the stickers were not looked for or could not be named."""

    color: str
    hex: str
    stickers_found: int = 0
    compressed: bool | None = None
    shoulders: StickerPair | None = None
    pelvis: StickerPair | None = None
    extra: tuple[StickerPoint, ...] = ()
    rejected: tuple[RejectedBlob, ...] = ()
    reason: str | None = None

    def pair(self, key: str) -> StickerPair | None:
        """The pair ``shoulders`` or ``pelvis``."""
        return {"shoulders": self.shoulders, "pelvis": self.pelvis}[key]

    def with_pair(self, key: str, pair: StickerPair) -> Markers:
        """A copy with the pair ``shoulders`` or ``pelvis`` replaced (KeyError for another key)."""
        self.pair(key)
        return replace(self, shoulders=pair) if key == "shoulders" else replace(self, pelvis=pair)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``compressed`` and ``reason`` when set."""
        out: dict[str, Any] = {"color": self.color, "hex": self.hex}
        if self.compressed is not None:
            out["compressed"] = self.compressed
        out.update(
            stickers_found=self.stickers_found,
            shoulders=None if self.shoulders is None else self.shoulders.to_dict(),
            pelvis=None if self.pelvis is None else self.pelvis.to_dict(),
            extra=[s.to_dict() for s in self.extra],
            rejected=[r.to_dict() for r in self.rejected],
        )
        if self.reason is not None:
            out["reason"] = self.reason
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Markers:
        """Inverse of :meth:`to_dict`."""
        pairs = {k: None if d.get(k) is None else StickerPair.from_dict(d[k]) for k in ("shoulders", "pelvis")}
        return cls(
            color=d["color"],
            hex=d["hex"],
            stickers_found=d["stickers_found"],
            compressed=d.get("compressed"),
            extra=tuple(StickerPoint.from_dict(s) for s in d.get("extra", ())),
            rejected=tuple(RejectedBlob.from_dict(r) for r in d.get("rejected", ())),
            reason=d.get("reason"),
            **pairs,
        )
