"""posture.batch.outcome: a photo's outcome, its JSON, and the batch's tally and exit code."""

from __future__ import annotations

from posture.batch.outcome import Outcome, Tally


def test_exit_code_is_the_most_severe_per_photo_code():
    def tally(*codes: int) -> Tally:
        t = Tally()
        for c in codes:
            t.add(Outcome(0, "p", error=None if c == 0 else "x", exit_code=c))
        return t

    assert tally().exit_code == 0
    assert tally(0, 0).exit_code == 0
    assert tally(0, 4).exit_code == 4
    assert tally(4, 5, 0).exit_code == 5
    assert tally(5, 3, 4).exit_code == 3
    assert tally(3, 6).exit_code == 6
    assert tally(6, 1, 3).exit_code == 1
    t = tally(0, 4)
    t.add_code(7)
    assert t.exit_code == 7


def test_error_outcome_json_and_summary():
    o = Outcome(3, "x.jpg", error="x.jpg: not an image", exit_code=3)
    assert o.status == "error"
    assert o.to_dict() == {
        "source": {"path": "x.jpg"},
        "status": "error",
        "error": "x.jpg: not an image",
        "exit_code": 3,
    }
    t = Tally()
    t.add(o)
    assert t.summary() == "1 photo: 0 measured, 0 no person, 0 not measurable, 1 failed"


def test_json_names_the_annotated_image_only_when_the_run_writes_them():
    written = Outcome(
        0, "a/front.jpg", error="a/front.jpg: cannot save", exit_code=6, annotated="out/front_annotated.jpg"
    )
    unread = Outcome(1, "b/front.jpg", error="b/front.jpg: not an image", exit_code=3)
    assert written.to_dict(annotated=True)["annotated_path"] == "out/front_annotated.jpg"
    assert unread.to_dict(annotated=True)["annotated_path"] is None  # asked for, none written
    assert "annotated_path" not in unread.to_dict()  # no annotated images: the object as before
    assert {k: v for k, v in written.to_dict(annotated=True).items() if k != "annotated_path"} == written.to_dict()
