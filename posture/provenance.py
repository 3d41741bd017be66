"""Where a measurement comes from: the image (:class:`Source`), the model (:class:`Model`) and how
it was measured (:class:`Method`, with :class:`CaptureMethod` for a live capture).

Frozen records of :class:`posture.result.PostureMeasurement`; ``to_dict`` gives their objects in
the JSON output (``source``, ``model``, ``method``) and ``from_dict`` reads them back, older
objects included (a field they lack is None, and is left out of the JSON again).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Mapping

LIVE_CAPTURE = "live capture"
"""``method.kind`` of a live capture's measurement (:func:`posture.live.capture.combine`)."""


def _set(record: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The fields ``names`` of ``record`` that are not None."""
    return {n: getattr(record, n) for n in names if getattr(record, n) is not None}


def _known(cls: type, d: Mapping[str, Any]) -> dict[str, Any]:
    """The keys of ``d`` that are fields of ``cls``."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in d.items() if k in names}


@dataclass(frozen=True)
class Source:
    """What was analysed.

    ``path`` is None for an array or a live frame; ``width`` and ``height`` are pixels (None
    for a live capture that analysed nothing). A photo file also has its ``sha256``, its
    ``format`` (e.g. ``JPEG``), ``taken_at`` (the EXIF date, ISO 8601, or None) and
    ``exif_rotated`` (whether its EXIF orientation turned it); a live capture stored in the
    history names its ``live_source``.
    """

    path: str | None = None
    width: int | None = None
    height: int | None = None
    sha256: str | None = None
    format: str | None = None
    taken_at: str | None = None
    exif_rotated: bool | None = None
    live_source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``path``, ``width``, ``height`` always; a photo file's fields for a file
        (``format`` set: ``taken_at`` even when None); the rest when set."""
        out: dict[str, Any] = {"path": self.path, "width": self.width, "height": self.height}
        out.update(_set(self, ("sha256",)))
        for name in ("format", "taken_at", "exif_rotated"):
            if self.format is not None or getattr(self, name) is not None:
                out[name] = getattr(self, name)
        out.update(_set(self, ("live_source",)))
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Source:
        """Inverse of :meth:`to_dict`."""
        return cls(**_known(cls, d))


@dataclass(frozen=True)
class Model:
    """The pose model: the bundle's ``name`` (its file name without ``.task``), ``sha256``,
    whether it is the ``bundled`` one, and the ``posture_version`` that measured."""

    name: str | None = None
    sha256: str | None = None
    bundled: bool | None = None
    posture_version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the fields that are set."""
        return _set(self, tuple(f.name for f in fields(self)))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Model:
        """Inverse of :meth:`to_dict`."""
        return cls(**_known(cls, d))


@dataclass(frozen=True)
class CaptureMethod:
    """How a live capture became one measurement (:mod:`posture.live.capture`).

    ``frames_analysed`` frames were analysed as photos and ``frames_measured`` of them measured;
    ``combined`` states the rule; ``frame_methods`` counts, for the shoulder and pelvic tilts,
    the frames of each method (``{"pelvic_tilt_deg": {"silhouette": 5, "landmarks": 1}}``).
    ``span_s`` is the capture's length in seconds, ``frames_seen`` the frames seen meanwhile and
    ``frames_measurable`` the measurable ones among them.
    """

    frames_analysed: int | None = None
    frames_measured: int | None = None
    combined: str | None = None
    frame_methods: Mapping[str, Mapping[str, int]] | None = None
    span_s: float | None = None
    frames_seen: int | None = None
    frames_measurable: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form (within ``method``): ``kind`` and the fields that are set."""
        out: dict[str, Any] = {"kind": LIVE_CAPTURE, **_set(self, tuple(f.name for f in fields(self)))}
        if self.frame_methods is not None:
            out["frame_methods"] = {k: dict(v) for k, v in self.frame_methods.items()}
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CaptureMethod:
        """Inverse of :meth:`to_dict`."""
        return cls(**_known(cls, d))


@dataclass(frozen=True)
class Method:
    """How the landmarks were read: ``passes`` (the variants the person was found in), the
    ``variants`` and ``refine_variants`` (the outline's) by label (empty in the fast mode), and
    ``min_score``, the lowest landmark score relied on; ``capture`` for a live capture."""

    passes: int | None = None
    variants: tuple[str, ...] | None = None
    refine_variants: tuple[str, ...] | None = None
    min_score: float | None = None
    capture: CaptureMethod | None = None

    @property
    def kind(self) -> str | None:
        """``live capture`` for a live capture's measurement, else None (a photo)."""
        return None if self.capture is None else LIVE_CAPTURE

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the fields that are set; a capture's fields after them, with ``kind``."""
        out = _set(self, ("passes", "variants", "refine_variants", "min_score"))
        for name in ("variants", "refine_variants"):
            if name in out:
                out[name] = list(out[name])
        if self.capture is not None:
            out.update(self.capture.to_dict())
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Method:
        """Inverse of :meth:`to_dict`."""
        kw = _known(cls, d)
        for name in ("variants", "refine_variants"):
            if kw.get(name) is not None:
                kw[name] = tuple(kw[name])
        capture = CaptureMethod.from_dict(d) if d.get("kind") == LIVE_CAPTURE else None
        return cls(**kw, capture=capture)
