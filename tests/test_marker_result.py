"""The stickers' records (posture.marker_result): each JSON form reads back to the same text."""

from __future__ import annotations

import json

import pytest

from posture.marker_result import Markers, RejectedBlob, StickerPair, StickerPoint

# A sticker as written now, one whose luma centre was not used, and one stored before the
# centre's fields (schema 3).
STICKER = (
    '{"xy_px": [506.81, 211.4], "uncertainty_px": 0.22, "ellipse_xy_px": [506.82, 211.38], "diameter_px": 10.2, '
    '"axis_ratio": 0.93, "edge_px": 3.03, "centre_from": "colour and luma", "colour_xy_px": [506.78, 211.33], '
    '"luma_xy_px": [506.84, 211.47], "luma_note": null, "edge_rms_px": 0.036}'
)
STICKER_COLOUR = (
    '{"xy_px": [342.9, 470.0], "uncertainty_px": 0.3, "ellipse_xy_px": [342.94, 470.04], "diameter_px": 9.9, '
    '"axis_ratio": 0.97, "edge_px": 2.72, "centre_from": "colour", "colour_xy_px": [342.9, 470.0], '
    '"luma_xy_px": null, "luma_note": "background not smooth", "edge_rms_px": 0.019}'
)
STICKER_OLD = (
    '{"xy_px": [12.5, 30.25], "uncertainty_px": 0.4, "ellipse_xy_px": [12.5, 30.3], "diameter_px": 8.0, '
    '"axis_ratio": 0.9, "edge_px": 1.5}'
)
REJECTED = '{"xy_px": [100.2, 50.1], "diameter_px": 40.3, "reason": "too large for a sticker"}'

STICKER_CASES = [(StickerPoint, STICKER), (StickerPoint, STICKER_COLOUR), (StickerPoint, STICKER_OLD)]

PAIR_CASES = [
    # found, with its tilt
    f'{{"landmark": "acromion", "found": true, "reason": null, "left": {STICKER}, "right": {STICKER_COLOUR}, '
    f'"ambiguous": [], "tilt_deg": -1.53, "uncertainty_deg": 0.2}}',
    # one side ambiguous
    f'{{"landmark": "ASIS", "found": false, "reason": "two stickers near the left hip", "left": null, '
    f'"right": {STICKER_COLOUR}, "ambiguous": [{STICKER}, {STICKER_OLD}]}}',
    # not looked for: the landmarks to name them were missing
    '{"landmark": "PSIS", "found": false, "reason": "landmarks needed to name the stickers: left hip outside the '
    'photo"}',
    # stored before the ambiguous stickers were listed (schema 3)
    f'{{"landmark": "acromion", "found": true, "reason": null, "left": {STICKER_OLD}, "right": {STICKER_OLD}, '
    f'"tilt_deg": 0.5, "uncertainty_deg": 0.3}}',
    '{"landmark": "acromion", "found": false, "reason": "no sticker found near the right shoulder", '
    f'"left": {STICKER_OLD}, "right": null}}',
]

MARKERS_CASES = [
    # stickers found, an extra one and a rejected blob
    f'{{"color": "green", "hex": "#39FF14", "compressed": true, "stickers_found": 5, "shoulders": {PAIR_CASES[0]}, '
    f'"pelvis": {PAIR_CASES[1]}, "extra": [{STICKER}], "rejected": [{REJECTED}]}}',
    # not looked for (side view)
    '{"color": "pink", "hex": "#FF1493", "stickers_found": 0, "shoulders": null, "pelvis": null, "extra": [], '
    '"rejected": [], "reason": "not looked for: the body is turned about 43\\u00b0 from the camera"}',
    # no shoulder landmarks to size them
    '{"color": "green", "hex": "#39FF14", "compressed": false, "stickers_found": 0, "shoulders": null, '
    '"pelvis": null, "extra": [], "rejected": [], "reason": "no shoulder landmarks to size and name the stickers"}',
    # one pair not looked for, the other not found
    f'{{"color": "green", "hex": "#39FF14", "compressed": true, "stickers_found": 0, "shoulders": {PAIR_CASES[4]}, '
    f'"pelvis": {PAIR_CASES[2]}, "extra": [], "rejected": []}}',
    # stored before ``compressed`` (schema 3)
    f'{{"color": "green", "hex": "#39FF14", "stickers_found": 4, "shoulders": {PAIR_CASES[3]}, '
    f'"pelvis": {PAIR_CASES[3]}, "extra": [], "rejected": []}}',
]

CASES = (
    STICKER_CASES
    + [(RejectedBlob, REJECTED)]
    + [(StickerPair, t) for t in PAIR_CASES]
    + [(Markers, t) for t in MARKERS_CASES]
)


@pytest.mark.parametrize("cls, text", CASES)
def test_records_read_back_to_the_same_text(cls, text):
    record = cls.from_dict(json.loads(text))
    assert json.dumps(record.to_dict()) == text
    assert cls.from_dict(json.loads(json.dumps(record.to_dict()))) == record


def test_fields_are_typed():
    m = Markers.from_dict(json.loads(MARKERS_CASES[0]))
    shoulders = m.pair("shoulders")
    assert shoulders is not None and shoulders.left is not None and shoulders.right is not None
    assert shoulders.left.xy_px == (506.81, 211.4) and shoulders.right.luma_note == "background not smooth"
    assert shoulders.tilt_deg == -1.53 and m.extra[0].centre_from == "colour and luma"
    assert m.rejected == (RejectedBlob((100.2, 50.1), 40.3, "too large for a sticker"),)
    pelvis = m.pair("pelvis")
    assert pelvis is not None and pelvis.searched and pelvis.left is None and len(pelvis.ambiguous or ()) == 2
    assert not StickerPair.from_dict(json.loads(PAIR_CASES[2])).searched
    assert StickerPair.from_dict(json.loads(PAIR_CASES[3])).ambiguous is None


def test_with_pair_replaces_only_that_pair():
    m = Markers.from_dict(json.loads(MARKERS_CASES[0]))
    other = StickerPair.from_dict(json.loads(PAIR_CASES[2]))
    assert m.with_pair("pelvis", other).pair("pelvis") == other
    assert m.with_pair("pelvis", other).pair("shoulders") == m.shoulders
    assert m.with_pair("shoulders", other).pair("pelvis") == m.pelvis
    with pytest.raises(KeyError):
        m.with_pair("knees", other)
