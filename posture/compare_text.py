"""The words of a comparison: verdicts, sides and changes, the notes of each pair, the warnings
about capture conditions, and the terminal summary (see :mod:`posture.compare` for the data)."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Mapping, Sequence

from posture import geometry as g
from posture import wording
from posture.metrics import METRICS
from posture.terminal import printable
from posture.verdict import Side, Verdict, level_band, side_of

if TYPE_CHECKING:
    from posture.compare import Comparison, MetricComparison, PairComparison, PhotoInfo
    from posture.result import PostureMeasurement

VERDICT_TEXT: Mapping[str, str] = {
    "improved": "Improved",
    "worse": "Worse",
    "reversed": "Reversed",
    "within_noise": "Within measurement noise",
    "uncertainty_unknown": "Uncertainty unknown",
    "not_comparable": "Not comparable",
}
"""Plain-language name of each verdict."""


def photo_name(i: int, n: int) -> str:
    """``before`` / ``after`` for two photos, ``photo 1`` ... otherwise (1-based in words)."""
    if n == 2:
        return ("before", "after")[i]
    return f"photo {i + 1}"


def the_photo(i: int, n: int) -> str:
    """How a sentence names photo ``i`` of ``n``: ``the before photo`` or ``photo 3``."""
    return f"the {photo_name(i, n)} photo" if n == 2 else photo_name(i, n)


def by_hand_note(by_hand: tuple[bool, bool], photos: tuple[int, int], n: int) -> str | None:
    """Which photo of a pair has its value from points placed by hand, or None: ``corrected by
    hand in the before photo: compared as corrected``."""
    which = [k for k, hand in zip(photos, by_hand, strict=True) if hand]
    if not which:
        return None
    where = "both photos" if len(which) == 2 and n == 2 else photos_phrase(which, n)
    return f"corrected by hand in {where}: compared as corrected"


def photos_phrase(idx: Sequence[int], n: int) -> str:
    """``the before photo``, ``photo 2``, ``photos 1, 2 and 4``."""
    if len(idx) == 1:
        return the_photo(idx[0], n)
    nums = [str(i + 1) for i in idx]
    return "photos " + ", ".join(nums[:-1]) + " and " + nums[-1]


def cap(s: str) -> str:
    return s[:1].upper() + s[1:]


_SIDE_WORDS: Mapping[str, tuple[str, str]] = {
    "shoulder_tilt_deg": ("{} higher", "{} side up"),
    "pelvic_tilt_deg": ("{} higher", "{} side up"),
    "knee_tilt_deg": ("{} higher", "{} side up"),
    "head_tilt_deg": ("{} ear higher", "{} ear up"),
    "shoulder_pelvis_tilt_deg": ("{} higher relative to the hip line", "{} side up relative to the hip line"),
    "trunk_lean_deg": ("leaning {}", "towards the {}"),
}
"""Per metric, how a value on a side reads and which way a change towards that side went (``{}``:
``left`` or ``right``); lateral shifts read ``towards the left`` for both."""


def side_words(name: str, side: Side) -> str:
    """How a value on ``side`` reads for metric ``name``: ``left higher``, ``left ear higher``,
    ``leaning left``, ``towards the left``; the metric's neutral word (``level``, ``upright``...)."""
    if side == "level":
        return METRICS[name].neutral
    return _SIDE_WORDS.get(name, ("towards the {}", ""))[0].format(side)


def change_words(name: str, change: float) -> str:
    """Which way a signed ``change`` of metric ``name`` went: ``left side up``, ``towards the right``."""
    return _SIDE_WORDS.get(name, ("", "towards the {}"))[1].format("left" if change > 0 else "right")


def flip_text(name: str, before: float, after: float, when: tuple[str, str]) -> str:
    """Which side each value shows, ``when`` naming the two photos: ``right higher in the before
    photo, left higher in the after photo``."""
    b, a = (side_words(name, "left" if v > 0 else "right") for v in (before, after))
    return f"{b} {when[0]}, {a} {when[1]}"


def pair_note(
    name: str,
    unit: str,
    v: Verdict,
    values: tuple[float, float],
    combined: float | None,
    threshold: float | None,
    when: tuple[str, str],
) -> str:
    before, after = values
    if v == "uncertainty_unknown" or threshold is None:
        text = (
            "no uncertainty estimate and no known minimal detectable change, "
            "so the change cannot be told apart from measurement noise"
        )
        return text + (f"; {flip_text(name, before, after, when)}" if before * after < 0 else "")
    change = f"the change of {wording.number(after - before, combined, unit)}"
    t = wording.magnitude(threshold, threshold / 2, unit)
    if v == "within_noise":
        return f"{change} is not larger than the noise threshold of {t}"
    if v == "reversed":
        return f"{change} is larger than the noise threshold of {t} and crossed level: {flip_text(name, before, after, when)}"
    size = abs(after) - abs(before)
    return (
        f"{change} is larger than the noise threshold of {t}: the asymmetry is "
        f"{wording.number(size, combined, unit)} {'smaller' if size < 0 else 'larger'}"
    )


METHOD_WORDS: dict[str, str] = {
    "markers": "stickers",
    "silhouette": "the body's outline",
    "landmarks": "the joint landmarks",
}
"""Where a tilt came from, in words, for the notes (in this order of preference)."""


SCALE_WARN = 0.15
"""Body scales (relative to the photo) differing by more than this fraction trigger a warning."""


TURN_WARN_DEG = 10.0
"""Body turns differing by more than this many degrees trigger a warning."""


ROLL_WARN_DEG = 1.0
"""Corrected camera rolls differing by more than this many degrees trigger a warning."""


COMMON_ROTATION_DEG = 2.0
"""Shoulder, hip and knee lines all turning the same way by at least this much suggest a camera roll."""


def _common_rotation(metrics: Sequence[MetricComparison]) -> float | None:
    """The mean change of the shoulder, hip and knee tilts when they all changed alike
    (same direction, each at least :data:`COMMON_ROTATION_DEG`, spread at most half the mean),
    else None. Needs at least two of the three."""
    changes = [
        mc.overall.change
        for mc in metrics
        if mc.name in ("shoulder_tilt_deg", "pelvic_tilt_deg", "knee_tilt_deg") and mc.overall.change is not None
    ]
    return g.common_tilt(changes, COMMON_ROTATION_DEG)


def uneven_leg(m: PostureMeasurement) -> tuple[str, str] | None:
    """The leg that makes a photo's stance uneven and the measure that says so
    (:attr:`posture.stance.Stance.uneven`), or None."""
    stance = None if m.subject is None else m.subject.stance
    return None if stance is None else stance.uneven


def _stance_warnings(ms: Sequence[PostureMeasurement]) -> list[str]:
    """One line for each photo whose stance is uneven (:mod:`posture.stance`): its hip line,
    knees and pelvis over the feet measure the stance, so they are not compared."""
    n = len(ms)
    out = []
    for i, m in enumerate(ms):
        if (leg := uneven_leg(m)) is not None:
            side, seen_as = leg
            what = (
                f"the {side} knee is bent or the {side} foot lifted"
                if seen_as == "shortfall"
                else f"the {side} foot is raised"
            )
            out.append(
                f"In {the_photo(i, n)} {what}: the hip line, the knees and the pelvis over the feet measure "
                "the stance there, not posture, and are not compared; compare photos in which both feet stand evenly."
            )
    return out


def warnings(
    ms: Sequence[PostureMeasurement], photos: Sequence[PhotoInfo], metrics: Sequence[MetricComparison]
) -> list[str]:
    n = len(ms)
    out: list[str] = []

    for i, p in enumerate(photos):
        if p.status != "measured":
            out.append(f"{cap(the_photo(i, n))} could not be measured: {ms[i].message}.")

    out += _stance_warnings(ms)

    seen: dict[str, int] = {}
    for i, p in enumerate(photos):
        if p.sha256:
            if p.sha256 in seen:
                out.append(
                    f"{cap(photos_phrase([seen[p.sha256], i], n))} are the same file."
                    if n > 2
                    else "The before and after photos are the same file."
                )
            else:
                seen[p.sha256] = i

    scales = [(i, p.body_scale) for i, p in enumerate(photos) if p.body_scale]
    if len(scales) >= 2:
        lo = min(scales, key=lambda t: t[1])
        hi = max(scales, key=lambda t: t[1])
        ratio = hi[1] / lo[1]
        if ratio > 1 + SCALE_WARN:
            how = f"{ratio:.1f} times as large" if ratio >= 2 else f"{100 * (ratio - 1):.0f}% larger"
            out.append(
                f"Camera distance or zoom differs: the body appears {how} "
                f"in {the_photo(hi[0], n)} {'as' if ratio >= 2 else 'than'} in {the_photo(lo[0], n)}. "
                "The photos are shown at the same body scale, but perspective and lens distortion "
                "differ; stand at the same distance next time."
            )

    views = {p.view for p in photos if p.view is not None}
    if len(views) > 1:
        one = {
            "front": "faces the camera",
            "back": "faces away",
            "side": "is side-on",
            "unknown": "has an unknown view",
        }
        many = {
            "front": "face the camera",
            "back": "face away",
            "side": "are side-on",
            "unknown": "have an unknown view",
        }
        groups: dict[str, list[int]] = {}
        for i, p in enumerate(photos):
            if p.view is not None:
                groups.setdefault(p.view, []).append(i)
        desc = "; ".join(
            f"{photos_phrase(idx, n)} {(one if len(idx) == 1 else many).get(v, v)}" for v, idx in groups.items()
        )
        out.append(
            f"The view differs ({desc}): the body's landmarks look different from another side, "
            "so part of any change may come from the view."
        )
    turns = [(i, p.turn_deg) for i, p in enumerate(photos) if p.turn_deg is not None]
    if len(turns) >= 2:
        a = min(turns, key=lambda t: t[1])
        b = max(turns, key=lambda t: t[1])
        if b[1] - a[1] > TURN_WARN_DEG:
            out.append(
                f"The body is turned differently: about {a[1]:.0f}° from square in {the_photo(a[0], n)}, "
                f"{b[1]:.0f}° in {the_photo(b[0], n)}; turning changes the apparent tilts."
            )

    mirrored = [i for i, p in enumerate(photos) if p.mirrored]
    if mirrored and len(mirrored) < n:
        plain = [i for i in range(n) if i not in mirrored]
        out.append(
            f"{cap(photos_phrase(mirrored, n))} {'was' if len(mirrored) == 1 else 'were'} analysed as a mirror "
            f"image and {photos_phrase(plain, n)} {'was' if len(plain) == 1 else 'were'} not: left and right are "
            "swapped in a mirror image, so check that this is right, or a left-higher shoulder will read as "
            "right-higher."
        )

    single = [i for i, m in enumerate(ms) if m.status == "measured" and m.single_pass]
    if single:
        out.append(
            f"{cap(photos_phrase(single, n))} {'was' if len(single) == 1 else 'were'} measured in a single pass "
            "(--fast): no uncertainty, tilts from the joint landmarks only, so changes are judged against a single "
            "pass's minimal detectable change alone (larger than the default analysis's); compare photos analysed "
            "the default way for a finer verdict."
        )

    modes = {p.level_mode == "none" for p in photos}
    rolls = [p.roll_deg for p in photos]
    if len(modes) > 1:
        out.append(
            "Camera roll was corrected in some photos and not in others: their angles are relative to "
            "different references (true horizontal against the photo's edges)."
        )
    elif max(rolls) - min(rolls) > ROLL_WARN_DEG:
        out.append(
            "The camera was rolled differently ("
            + ", ".join(f"{r:+.1f}°" for r in rolls)
            + " corrected): check the level of each photo."
        )

    rotation = _common_rotation(metrics)
    if rotation is not None:
        out.append(
            f"The shoulder, hip and knee lines all turned the same way, by about {abs(rotation):.0f}°: "
            "this is what a camera held at a different tilt does. Level the camera (or use --level) for both photos; "
            "'Shoulders vs hip line' is not affected by camera tilt."
        )

    measured = [i for i, p in enumerate(photos) if p.status == "measured"]
    for i in measured:
        lost = [mc for mc in metrics if mc.values[i] is None and any(v is not None for v in mc.values)]
        if lost:
            reasons: list[str] = []
            for mc in lost:
                why = ms[i].metrics[mc.name].reason if mc.name in ms[i].metrics else None
                for part in str(why or "not measured").split("; "):
                    if part not in reasons:
                        reasons.append(part)
            out.append(
                f"Landmarks missing in {the_photo(i, n)}: "
                + ", ".join(mc.label.lower() for mc in lost)
                + f" not measured ({'; '.join(reasons)})."
            )

    dated = [p.date for p in photos]
    if all(d is not None for d in dated) and any(b < a for a, b in itertools.pairwise(dated)):  # type: ignore[operator]
        out.append(
            "The photo dates are not in the order given: the report treats the first photo named as "
            "'before' and the last as 'after'."
        )
    return out


def value_text(name: str, value: float, uncertainty: float | None, unit: str, side: Side | None = None) -> str:
    """One photo's value with its side, briefly: ``right higher by 3.3°``, ``level (0.2°)``, or
    ``left higher by 3°, within noise of level`` when ``side`` (from :func:`side_of`) is level."""
    shown = side_of(value, None, None, level_band(unit))
    size = wording.magnitude(value, uncertainty, unit)
    if shown == "level":
        return f"{side_words(name, shown)} ({size})"
    return f"{side_words(name, shown)} by {size}" + (
        f", within noise of {side_words(name, 'level')}" if side == "level" else ""
    )


def change_text(p: PairComparison, unit: str) -> str:
    """A pair's signed change in words: ``22° ± 1°, left side up``, or ``none``."""
    if p.change is None:
        return "—"
    u = p.combined_uncertainty
    if wording.shown(p.change, u)[0] == 0:  # as printed: no "none" beside a note saying "1°"
        return "none"
    return f"{wording.number(p.change, u, unit)}, {change_words(p.name, p.change)}"


def _pair_line(mc: MetricComparison, p: PairComparison, n: int) -> str:
    if p.verdict == "not_comparable":
        return f"not comparable: {p.note}"
    (before, after), (ub, ua) = p.values, p.uncertainties
    assert before is not None and after is not None and p.sides is not None
    text = (
        f"{value_text(mc.name, before, ub, mc.unit, p.sides[0])} -> {value_text(mc.name, after, ua, mc.unit, p.sides[1])}"
        f" (change: {change_text(p, mc.unit)}). {p.verdict_text}."
    )
    if p.on_landmarks:
        text += " Compared on the joint landmarks in both photos: the methods differ."
    hand = by_hand_note(p.by_hand, (p.first, p.second), n)
    if hand:
        text += f" {cap(hand)}."
    return text


def summary(c: Comparison) -> str:
    """Plain-text summary for the terminal: per metric one line for two photos, else one line
    per visit and one for the first against the last; then the warnings."""
    n = len(c.photos)
    out = [
        f"{photo_name(i, n).capitalize()}: {printable(p.label)}" + (f" ({p.date:%Y-%m-%d})" if p.date else "")
        for i, p in enumerate(c.photos)
    ]
    for mc in c.metrics:
        if n == 2:
            out.append(f"  {mc.label}: {_pair_line(mc, mc.overall, n)}")
            continue
        out.append(f"  {mc.label}:")
        for p in mc.pairs:
            which = f"photo {p.first + 1} -> {p.second + 1}" + (" (first to last)" if p is mc.overall else "")
            out.append(f"    {which}: {_pair_line(mc, p, n)}")
    out += ["Warning: " + w for w in c.warnings]
    return "\n".join(out)
