"""The ``posture history list`` table: one line per stored measurement, for the terminal."""

from __future__ import annotations

from typing import Sequence

from posture.history import StoredMeasurement

TAKEN_AT_SOURCES = {"exif": "EXIF", "given": "given", "saved": "saved"}
"""How ``history list`` names where a measurement's time taken came from."""

METHOD_MARKS = {"markers": "M", "silhouette": "S", "landmarks": "J", "manual": "H"}
"""``history list``'s mark after a tilt: measured on stickers (M), the body's outline (S), the joint
landmarks (J), or points placed by hand (H)."""


def format_table(entries: Sequence[StoredMeasurement]) -> str:
    """The ``posture history list`` table: id, time taken and where it came from, name,
    shoulder and hip-line tilt (signed, + = the subject's left side higher, rounded as the sentences
    round them (:func:`posture.wording.shown`), with the
    uncertainty when estimated, and a mark for the method, :data:`METHOD_MARKS`), note;
    then a legend. Control characters in names and notes are shown escaped
    (:func:`posture.terminal.printable`)."""
    from posture.terminal import pad, printable, width
    from posture.wording import shown

    def tilt(e: StoredMeasurement, key: str) -> str:
        m = e.measurement.metrics.get(key)
        if m is None or m.value is None:
            return "-"
        size, u, d = shown(m.value, m.uncertainty)  # as the sentences show it
        text = f"{'-' if m.value < 0 and size > 0 else '+'}{size:.{d}f}"  # no "-0.0"
        if u is not None:
            text += f" ±{u:.{d}f}"
        return f"{text} {METHOD_MARKS.get(e.measurement.method_of(key) or '', '')}"

    def taken(e: StoredMeasurement) -> str:
        return f"{e.taken_at[:16].replace('T', ' ')} ({TAKEN_AT_SOURCES.get(e.taken_at_source, e.taken_at_source)})"

    header = ("ID", "Taken", "Name", "Shoulders°", "Hip line°", "Note")
    rows = [
        (
            f"#{e.id}",
            taken(e),
            printable(e.name or ""),
            tilt(e, "shoulder_tilt_deg"),
            tilt(e, "pelvic_tilt_deg"),
            note if len(note := printable(e.note or "")) <= 40 else note[:39] + "…",
        )
        for e in entries
    ]
    widths = [max(width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    right = {3, 4}
    lines = [
        "  ".join(pad(c, w, right=i in right) for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip()
        for r in [header, *rows]
    ]
    lines.append(
        "Tilts in degrees, + = the subject's left side higher; M = from stickers on palpated points, "
        "S = from the body's outline (silhouette), J = from the joint landmarks (they under-read tilts), "
        "H = from points placed by hand."
    )
    lines.append("Taken: EXIF = the photo's date, given = analyze --date, saved = the time of saving (no date known).")
    return "\n".join(lines)
