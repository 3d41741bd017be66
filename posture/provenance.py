"""Where a measurement comes from: the image (:class:`Source`), the model (:class:`Model`) and how
it was measured (:class:`Method`, with :class:`CaptureMethod` for a live capture).

Frozen records of :class:`posture.result.PostureMeasurement`; ``to_dict`` gives their objects in
the JSON output (``source``, ``model``, ``method``) and ``from_dict`` reads them back, older
objects included (a field they lack is None, and is left out of the JSON again).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Mapping, TypeVar

LIVE_CAPTURE = "live capture"
"""``method.kind`` of a live capture's measurement (:func:`posture.live.capture.combine`)."""


R = TypeVar("R", bound="_Record")


class _Record:
    """A frozen record whose JSON object holds its fields that are set (not None)."""

    def _set(self, names: tuple[str, ...] | None = None) -> dict[str, Any]:
        """The fields ``names`` (default: all) that are not None, in field order."""
        names = names or tuple(f.name for f in fields(self))  # type: ignore[arg-type]
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the fields that are set."""
        return self._set()

    @classmethod
    def from_dict(cls: type[R], d: Mapping[str, Any]) -> R:
        """Inverse of :meth:`to_dict` (keys that are no field are passed over)."""
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in d.items() if k in names})


@dataclass(frozen=True)
class Source(_Record):
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
        out.update(self._set(("sha256",)))
        for name in ("format", "taken_at", "exif_rotated"):
            if self.format is not None or getattr(self, name) is not None:
                out[name] = getattr(self, name)
        out.update(self._set(("live_source",)))
        return out


@dataclass(frozen=True)
class Model(_Record):
    """The pose model: the bundle's ``name`` (its file name without ``.task``), ``sha256``,
    whether it is the ``bundled`` one, and the ``posture_version`` that measured."""

    name: str | None = None
    sha256: str | None = None
    bundled: bool | None = None
    posture_version: str | None = None


@dataclass(frozen=True)
class CaptureMethod(_Record):
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
        out: dict[str, Any] = {"kind": LIVE_CAPTURE, **self._set()}
        if self.frame_methods is not None:
            out["frame_methods"] = {k: dict(v) for k, v in self.frame_methods.items()}
        return out


@dataclass(frozen=True)
class Method(_Record):
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
        out = self._set(("passes", "variants", "refine_variants", "min_score"))
        for name in ("variants", "refine_variants"):
            if name in out:
                out[name] = list(out[name])
        if self.capture is not None:
            out.update(self.capture.to_dict())
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Method:
        """Inverse of :meth:`to_dict`."""
        lists = {k: tuple(d[k]) for k in ("variants", "refine_variants") if d.get(k) is not None}
        capture = CaptureMethod.from_dict(d) if d.get("kind") == LIVE_CAPTURE else None
        return replace(super().from_dict({**d, **lists}), capture=capture)
