"""A labelled diagram of every metric, drawn from synthetic landmarks.

:func:`draw_metrics_diagram` draws a schematic standing person, seen from
the front, with deliberately exaggerated asymmetry, and annotates each
metric of :mod:`posture.measure` on it: the line or arrow it is measured
on, its reference (horizontal or vertical) and its value for these
landmarks. The values are measured by the package itself
(:func:`posture.measure.measure` on :func:`diagram_landmarks`), so the
diagram cannot drift from the definitions; the conventions are those of
:mod:`posture.geometry`.

Object-oriented matplotlib only (a :class:`~matplotlib.figure.Figure`, no
pyplot, never ``show()``). ``docs/make_diagram.py`` saves it as
``docs/metrics_diagram.png``.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Arc, Circle, FancyArrowPatch, Polygon, Wedge

from posture.landmarks import N_LANDMARKS, Landmarks, PoseLandmark
from posture.measure import BodyMeasurement, measure
from posture.metrics import METRIC_NAMES, METRICS
from posture.render.styles import DEFAULT_STYLE

L = PoseLandmark

WIDTH, HEIGHT = 600, 1040
"""Size in pixels of the imaginary photo the synthetic landmarks lie in."""

# Where each landmark sits in the imaginary photo: pixels, x to the image
# right, y down. The person faces the camera, so their LEFT side is at the
# image RIGHT (larger x). Asymmetry is exaggerated so that every metric is
# visible: left shoulder high, right hip high, head tilted and shifted, trunk
# leaning, pelvis shifted, one knee high.
_POINTS: dict[PoseLandmark, tuple[float, float]] = {
    L.NOSE: (347, 128),
    L.LEFT_EYE_INNER: (354, 108),
    L.RIGHT_EYE_INNER: (338, 106),
    L.LEFT_EYE: (361, 109),
    L.RIGHT_EYE: (331, 105),
    L.LEFT_EYE_OUTER: (368, 110),
    L.RIGHT_EYE_OUTER: (324, 104),
    L.LEFT_EAR: (379, 122),
    L.RIGHT_EAR: (311, 111),
    L.MOUTH_LEFT: (357, 150),
    L.MOUTH_RIGHT: (337, 147),
    L.LEFT_SHOULDER: (400, 225),
    L.RIGHT_SHOULDER: (220, 250),
    L.LEFT_ELBOW: (424, 378),
    L.RIGHT_ELBOW: (198, 398),
    L.LEFT_WRIST: (436, 512),
    L.RIGHT_WRIST: (192, 532),
    L.LEFT_PINKY: (441, 540),
    L.RIGHT_PINKY: (187, 560),
    L.LEFT_INDEX: (437, 546),
    L.RIGHT_INDEX: (191, 566),
    L.LEFT_THUMB: (430, 536),
    L.RIGHT_THUMB: (198, 556),
    L.LEFT_HIP: (390, 520),
    L.RIGHT_HIP: (270, 508),
    L.LEFT_KNEE: (347, 722),
    L.RIGHT_KNEE: (245, 712),
    L.LEFT_ANKLE: (335, 930),
    L.RIGHT_ANKLE: (245, 930),
    L.LEFT_HEEL: (330, 948),
    L.RIGHT_HEEL: (250, 948),
    L.LEFT_FOOT_INDEX: (358, 958),
    L.RIGHT_FOOT_INDEX: (222, 958),
}

_LEFT = tuple(c / 255 for c in DEFAULT_STYLE.left_rgb)
_RIGHT = tuple(c * 0.8 / 255 for c in DEFAULT_STYLE.right_rgb)  # darker: legible on white
_REF = "0.45"
_BODY = "0.82"
_INK = "0.1"

CONVENTION_TEXT = (
    (
        "Tilts: angle of the line through a left-right pair against the horizontal, "
        "positive = the person's LEFT side higher."
    ),
    "Shifts and trunk lean: positive = towards the person's LEFT; shifts in % of shoulder width.",
    "L/R are the person's own sides. Seen from the front, the person's left is on the image right.",
)
"""The convention lines printed under the diagram (as in :mod:`posture.geometry`)."""


def diagram_landmarks() -> Landmarks:
    """The synthetic person the diagram draws: 33 landmarks, fully visible.

    Pixels in a ``WIDTH`` x ``HEIGHT`` image, y down, facing the camera; no
    3-D estimate (the view is taken from the 2-D order of the shoulders).
    """
    if len(_POINTS) != N_LANDMARKS:  # pragma: no cover - a broken table
        raise ValueError(f"diagram needs {N_LANDMARKS} landmarks, has {len(_POINTS)}")
    xy = np.array([_POINTS[p] for p in L], dtype=np.float64)
    ones = np.ones(N_LANDMARKS)
    return Landmarks(xy=xy, visibility=ones, presence=ones, width=WIDTH, height=HEIGHT)


def diagram_measurement() -> BodyMeasurement:
    """The metrics of :func:`diagram_landmarks`, as the package measures them."""
    return measure(diagram_landmarks())


def signed(value: float, unit: str) -> str:
    """``+7.9°``, ``−5.7°`` or ``+16.5%`` (a real minus sign), as the diagram prints values."""
    sign = "+" if value >= 0 else "\u2212"
    return f"{sign}{abs(value):.1f}{'°' if unit == 'deg' else '%'}"


def draw_metrics_diagram() -> Figure:
    """The labelled metrics diagram as a new :class:`~matplotlib.figure.Figure`.

    Every metric of :data:`posture.measure.METRIC_NAMES` gets one text label
    that starts with its name and gives its value on the synthetic person,
    e.g. ``shoulder_tilt_deg = +7.9°``.
    """
    lm = diagram_landmarks()
    body = diagram_measurement()
    values = {n: body.metrics[n] for n in METRIC_NAMES}

    fig = Figure(figsize=(11.0, 9.2), layout="constrained")
    ax = fig.add_subplot()
    ax.set_aspect("equal")
    ax.set_xlim(-370, 975)
    ax.set_ylim(-25, HEIGHT + 60)  # plot coordinates: y up (see _p)
    ax.axis("off")

    def _p(point: np.ndarray | tuple[float, float]) -> np.ndarray:
        """Image pixels (y down) to plot coordinates (y up), so arcs open the way they look."""
        return np.array([point[0], HEIGHT - point[1]], dtype=np.float64)

    pts = {p: _p(lm.xy[p]) for p in L}

    def mid(a: PoseLandmark, b: PoseLandmark) -> np.ndarray:
        return (pts[a] + pts[b]) / 2

    _draw_body(ax, pts)

    def label(name: str, text: str, xy_text: tuple[float, float], target: np.ndarray, ha: str) -> None:
        m = values[name]
        assert m.value is not None
        ax.annotate(
            f"{name} = {signed(m.value, m.unit)}\n{text}",
            xy=tuple(target),
            xytext=xy_text,
            ha=ha,
            va="center",
            fontsize=10.5,
            color=_INK,
            arrowprops={"arrowstyle": "-", "color": "0.55", "lw": 0.8, "shrinkA": 4, "shrinkB": 2},
            bbox={"boxstyle": "round,pad=0.35", "fc": "white", "ec": "0.75", "lw": 0.8},
        )

    def tilt(name: str, left: PoseLandmark, right: PoseLandmark, radius: float, xy_text: tuple[float, float]) -> None:
        pl, pr = pts[left], pts[right]
        # The measured line, right half in the right colour, left half in the left colour.
        centre = (pl + pr) / 2
        ax.plot(*np.transpose([pr, centre]), color=_RIGHT, lw=3, solid_capstyle="round", zorder=4)
        ax.plot(*np.transpose([centre, pl]), color=_LEFT, lw=3, solid_capstyle="round", zorder=4)
        for p, colour in ((pl, _LEFT), (pr, _RIGHT)):
            ax.plot(*p, marker="o", ms=6, color=colour, mec=_INK, mew=0.8, zorder=8)
        # Horizontal reference through the end on the image left, towards the other end.
        x0, x1 = min(pl[0], pr[0]), max(pl[0], pr[0])
        anchor = pl if pl[0] < pr[0] else pr
        other = pr if anchor is pl else pl
        span = x1 - x0
        ax.plot(
            [anchor[0] - 0.1 * span, anchor[0] + 1.25 * span], [anchor[1]] * 2, ls="--", color=_REF, lw=1.1, zorder=3
        )
        a = float(np.degrees(np.arctan2(other[1] - anchor[1], other[0] - anchor[0])))
        _angle(ax, anchor, radius, 0.0, a)
        arc_mid = anchor + radius * np.array([np.cos(np.radians(a / 2)), np.sin(np.radians(a / 2))])
        m = values[name]
        spec = METRICS[name]
        higher = f"{m.higher_side} {spec.part} higher" if m.higher_side != "level" else "level"
        if name == "head_tilt_deg" and m.higher_side != "level":
            towards = "left" if m.higher_side == "right" else "right"
            higher += f"\n(head tilted towards the {towards} shoulder)"
        label(name, f"{spec.definition}: {higher}", xy_text, arc_mid, "left")

    tilt("head_tilt_deg", L.LEFT_EAR, L.RIGHT_EAR, 78, (560, HEIGHT - 80))
    tilt("shoulder_tilt_deg", L.LEFT_SHOULDER, L.RIGHT_SHOULDER, 150, (560, HEIGHT - 215))
    tilt("pelvic_tilt_deg", L.LEFT_HIP, L.RIGHT_HIP, 110, (560, HEIGHT - 545))
    tilt("knee_tilt_deg", L.LEFT_KNEE, L.RIGHT_KNEE, 90, (560, HEIGHT - 730))

    # shoulder_pelvis_tilt_deg: the two lines' difference, stated beside the torso.
    sp = values["shoulder_pelvis_tilt_deg"]
    sh, hp = values["shoulder_tilt_deg"], values["pelvic_tilt_deg"]
    assert sp.value is not None and sh.value is not None and hp.value is not None
    ax.text(
        560,
        HEIGHT - 380,
        f"shoulder_pelvis_tilt_deg = {signed(sp.value, 'deg')}\n"
        f"shoulder tilt \u2212 hip-line tilt = {signed(sh.value, 'deg')} \u2212 ({signed(hp.value, 'deg')});\n"
        "a rolled camera adds the same angle to both: it cancels",
        ha="left",
        va="center",
        fontsize=10.5,
        color=_INK,
        bbox={"boxstyle": "round,pad=0.35", "fc": "#f4f4f4", "ec": "0.75", "lw": 0.8},
    )

    # trunk_lean_deg: hips' midpoint to shoulders' midpoint against the vertical.
    hip_mid, sh_mid = mid(L.LEFT_HIP, L.RIGHT_HIP), mid(L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    length = float(np.linalg.norm(sh_mid - hip_mid))
    ax.plot([hip_mid[0], hip_mid[0]], [hip_mid[1], hip_mid[1] + 1.05 * length], ls="--", color=_REF, lw=1.1, zorder=3)
    ax.plot(*np.transpose([hip_mid, sh_mid]), color=_INK, lw=2.2, zorder=4)
    a = float(np.degrees(np.arctan2(sh_mid[1] - hip_mid[1], sh_mid[0] - hip_mid[0])))
    r = 0.5 * length
    _angle(ax, hip_mid, r, 90.0, a)
    arc_mid = hip_mid + r * np.array([np.cos(np.radians((a + 90) / 2)), np.sin(np.radians((a + 90) / 2))])
    lean = values["trunk_lean_deg"]
    label(
        "trunk_lean_deg",
        f"hips' midpoint \u2192 shoulders' midpoint\nvs vertical: leans towards the {lean.towards}",
        (-360, HEIGHT - 390),
        arc_mid,
        "left",
    )

    # head_shift_pct: ears' midpoint vs shoulders' midpoint, horizontally.
    ear_mid = mid(L.LEFT_EAR, L.RIGHT_EAR)
    top = HEIGHT - 15
    for x, y0 in ((sh_mid[0], sh_mid[1]), (ear_mid[0], ear_mid[1])):
        ax.plot([x, x], [y0, top + 12], ls=":", color=_REF, lw=1.2, zorder=6)
    ax.add_patch(
        FancyArrowPatch(
            (sh_mid[0], top), (ear_mid[0], top), arrowstyle="-|>", mutation_scale=14, color=_INK, lw=1.6, zorder=6
        )
    )
    head = values["head_shift_pct"]
    label(
        "head_shift_pct",
        f"ears' midpoint vs shoulders' midpoint,\nhorizontally: head towards the {head.towards}",
        (-360, HEIGHT - 40),
        np.array([(sh_mid[0] + ear_mid[0]) / 2, top]),
        "left",
    )

    # pelvis_shift_pct: hips' midpoint vs ankles' midpoint, horizontally.
    ankle_mid = mid(L.LEFT_ANKLE, L.RIGHT_ANKLE)
    bottom = 10.0
    for x, y0 in ((ankle_mid[0], ankle_mid[1]), (hip_mid[0], hip_mid[1])):
        ax.plot([x, x], [y0, bottom - 12], ls=":", color=_REF, lw=1.2, zorder=6)
    ax.add_patch(
        FancyArrowPatch(
            (ankle_mid[0], bottom),
            (hip_mid[0], bottom),
            arrowstyle="-|>",
            mutation_scale=14,
            color=_INK,
            lw=1.6,
            zorder=6,
        )
    )
    pelvis = values["pelvis_shift_pct"]
    label(
        "pelvis_shift_pct",
        f"hips' midpoint vs ankles' midpoint,\nhorizontally: pelvis towards the {pelvis.towards}",
        (-360, 90),
        np.array([(ankle_mid[0] + hip_mid[0]) / 2, bottom]),
        "left",
    )

    # Midpoints used by the lateral metrics.
    for p in (sh_mid, hip_mid, ear_mid, ankle_mid):
        ax.plot(*p, marker="o", ms=5, color=_INK, zorder=7)

    # Which side is which, and the conventions.
    ax.text(
        200, HEIGHT + 40, "\u2190 the person's RIGHT", ha="right", va="center", fontsize=11, color=_RIGHT, weight="bold"
    )
    ax.text(
        420, HEIGHT + 40, "the person's LEFT \u2192", ha="left", va="center", fontsize=11, color=_LEFT, weight="bold"
    )
    ax.text(
        310, HEIGHT + 40, "seen from\nthe front", ha="center", va="center", fontsize=9, color="0.35", style="italic"
    )
    fig.suptitle("posture metrics (schematic; asymmetry exaggerated)", fontsize=14, weight="bold")
    fig.supxlabel("\n".join(CONVENTION_TEXT), fontsize=10, color=_INK, linespacing=1.5)
    return fig


def _draw_body(ax: Axes, pts: dict[PoseLandmark, np.ndarray]) -> None:
    """A grey schematic body with L/R markers at the shoulders, hips and ears."""
    torso = [pts[L.LEFT_SHOULDER], pts[L.RIGHT_SHOULDER], pts[L.RIGHT_HIP], pts[L.LEFT_HIP]]
    ax.add_patch(Polygon(torso, closed=True, fc="0.92", ec=_BODY, lw=2, zorder=1))
    limbs = (
        (L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST, L.LEFT_INDEX),
        (L.RIGHT_SHOULDER, L.RIGHT_ELBOW, L.RIGHT_WRIST, L.RIGHT_INDEX),
        (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX, L.LEFT_ANKLE),
        (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX, L.RIGHT_ANKLE),
    )
    for chain in limbs:
        xs, ys = np.transpose([pts[p] for p in chain])
        ax.plot(xs, ys, color=_BODY, lw=9, solid_capstyle="round", solid_joinstyle="round", zorder=1)
    ear_mid = (pts[L.LEFT_EAR] + pts[L.RIGHT_EAR]) / 2
    sh_mid = (pts[L.LEFT_SHOULDER] + pts[L.RIGHT_SHOULDER]) / 2
    head_centre = ear_mid + np.array([0.0, 4.0])
    neck_top = head_centre + (sh_mid - head_centre) * 0.45
    ax.plot(*np.transpose([sh_mid, neck_top]), color=_BODY, lw=14, solid_capstyle="round", zorder=1)
    ax.add_patch(Circle(tuple(head_centre), 42, fc="0.92", ec=_BODY, lw=2, zorder=2))
    ax.plot(*pts[L.NOSE], marker="^", ms=6, color="0.6", zorder=2)
    for p in (L.LEFT_EYE, L.RIGHT_EYE):
        ax.plot(*pts[p], marker="o", ms=3, color="0.6", zorder=2)

    for left, right, r in ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER, 17), (L.LEFT_HIP, L.RIGHT_HIP, 17)):
        for p, letter, colour in ((left, "L", _LEFT), (right, "R", _RIGHT)):
            c = pts[p]
            ax.plot(*c, marker="o", ms=7, color=colour, mec=_INK, mew=0.8, zorder=8)
            away = np.sign(c[0] - pts[right if p == left else left][0])
            centre = c + np.array([away * 2.0 * r, 1.6 * r])
            ax.add_patch(Circle(tuple(centre), r, fc=colour, ec=_INK, lw=0.8, zorder=8))
            ax.text(
                centre[0],
                centre[1],
                letter,
                ha="center",
                va="center",
                fontsize=11,
                weight="bold",
                color="black",
                zorder=9,
            )


def _angle(ax: Axes, centre: np.ndarray, radius: float, ref_deg: float, line_deg: float) -> None:
    """Shade the angle between a reference direction and a line (plot degrees, y up)."""
    lo, hi = min(ref_deg, line_deg), max(ref_deg, line_deg)
    ax.add_patch(Wedge(tuple(centre), radius, lo, hi, fc="#ffd54f", ec="none", alpha=0.8, zorder=2))
    ax.add_patch(Arc(tuple(centre), 2 * radius, 2 * radius, theta1=lo, theta2=hi, color=_INK, lw=1.3, zorder=5))
